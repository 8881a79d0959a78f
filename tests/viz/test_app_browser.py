"""End-to-end tests of the web page in a real browser (Playwright driving headless Chromium).

The server is the real one (``python -m sim viz --port N``, a subprocess); the browser is
Debian's ``/usr/bin/chromium``. Screenshots and the server log go to ``tests/artifacts/``.

With ``SIM_TEST_INSTALLED_SIM`` set to the ``sim`` command of an installed wheel (``.ci/run``
does this), the server is that command, started from an empty temporary folder: the page is
tested as a user who ran ``pip install`` gets it, not from the checkout.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ARTIFACTS, CHROMIUM_ARGS, chromium_or_skip

from sim.core.params import param_label

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
LOAD_TIMEOUT_MS = 60_000
ERROR_TEXTS = ("Traceback", "Exception:", "Error in ", "Could not load URL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The page served by ``python -m sim viz`` on a free port; stopped at teardown."""
    chromium_or_skip()
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    log = (ARTIFACTS / "viz-server.log").open("w")
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    env.pop("SIM_VIZ_CONFIG", None)
    installed = env.pop("SIM_TEST_INSTALLED_SIM", "")
    command, cwd = [sys.executable, "-m", "sim"], ROOT
    if installed:  # the wheel's console script, from a folder with nothing of the checkout
        command, cwd = [installed], tmp_path_factory.mktemp("elsewhere")
        env.pop("PYTHONPATH", None)
    proc = subprocess.Popen(
        [*command, "viz", "--port", str(port)],
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server not up after 90 s; see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the group we started: sim viz and its solara
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_or_skip()
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(executable), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(context, url: str):
    """A new tab on the page, once the widgets have mounted; JS errors collected."""
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.js_errors = []
    page.on("pageerror", lambda err: page.js_errors.append(str(err)))
    page.external = []  # requests that leave the server: the page must work offline
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith((url, "data:", "blob:", "about:"))
            else page.external.append(r.url)
        ),
    )
    page.goto(url)
    page.locator(".viz-quarter").wait_for(timeout=LOAD_TIMEOUT_MS)
    page.get_by_role("button", name="Step").wait_for()
    return page


def quarter(page) -> str:
    return page.locator(".viz-quarter").inner_text().strip()


def step(page, k: int) -> float:
    """Click Step and wait until the page shows step k; returns the seconds it took."""
    t = time.perf_counter()
    page.get_by_role("button", name="Step").click()
    page.locator(".viz-step", has_text=re.compile(rf"^step {k} of")).wait_for()
    return time.perf_counter() - t


def assert_no_error(page) -> None:
    text = page.locator("body").inner_text()
    for marker in ERROR_TEXTS:
        assert marker not in text, f"the page shows an error ({marker!r}):\n{text[:3000]}"
    assert not page.js_errors, f"JavaScript errors: {page.js_errors}"
    assert not page.external, f"requests outside the server: {page.external}"


def control(page, name: str):
    return page.locator(".viz-control").filter(has_text=param_label(name))


def show_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_page_steps_resets_with_new_value_and_renders_every_plot(server, browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1500})
    page = open_page(context, server)
    assert quarter(page) == "Quarter: 2025Q1"
    assert page.locator(".viz-running").inner_text().startswith("Running: Hague, seed 20250625;")
    time.sleep(0.5)
    assert page.locator(".viz-pending").count() == 0, "nothing changed yet"
    plots = page.locator(".viz-plot")
    assert plots.count() == 5
    for i in range(5):  # every plot drew a canvas or an svg (vega-embed)
        plots.nth(i).locator("canvas, svg, img").first.wait_for(state="attached")
    time.sleep(1.0)  # let the charts finish drawing before the "before" picture
    headline_before = page.locator(".viz-headline").first.inner_text()
    share_before = page.locator(".viz-plot-share").screenshot()

    times = [step(page, k) for k in range(1, 9)]
    (ARTIFACTS / "viz-step-times.txt").write_text(
        "click Step -> quarter shown, seconds: " + " ".join(f"{t:.3f}" for t in times) + "\n"
    )
    assert quarter(page) == "Quarter: 2027Q1"
    assert page.locator(".viz-headline").first.inner_text() != headline_before
    time.sleep(1.0)
    assert page.locator(".viz-plot-share").screenshot() != share_before, "plot did not change"
    # the step times are written above for information; speed is measured by
    # experiments/benchmarks/bench_viz_step.py --browser, not asserted here

    # move a control (keyboard on the slider: 4 steps of 0.05 up or down), then reset
    slider = control(page, "hegemon_pressure").get_by_role("slider")
    start = float(slider.get_attribute("aria-valuenow"))
    key, sign = ("ArrowRight", 1) if start <= 0.5 else ("ArrowLeft", -1)
    moved = f"{round(start + sign * 4 * 0.05, 2):g}"
    slider.focus()
    for _ in range(4):
        slider.press(key)
    expect(page.locator(".viz-input-hegemon_pressure input")).to_have_value(moved)
    page.locator(".viz-pending").wait_for()
    page.get_by_role("button", name="Reset").click()
    page.locator(".viz-quarter", has_text="Quarter: 2025Q1").wait_for()
    running = page.locator(".viz-running").inner_text()
    assert f"US pressure = {moved} (0-1)" in running, running
    assert page.locator(".viz-pending").count() == 0

    # a typed bad seed: a message in the page, no traceback; a good one applies at Reset
    seed = page.locator(".viz-input-seed input")
    seed.fill("twelve")
    seed.press("Enter")
    page.locator(".viz-error", has_text="Seed not applied").wait_for()
    seed.fill("12")
    seed.press("Enter")
    page.locator(".viz-error").first.wait_for(state="detached")
    page.get_by_role("button", name="Reset").click()
    page.locator(".viz-running", has_text="seed 12;").wait_for()

    # play runs quarters on its own until paused
    page.get_by_role("button", name="Play").click()
    page.locator(".viz-step", has_text=re.compile(r"^step [3-9] of")).wait_for()
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    paused_at = page.locator(".viz-step").inner_text()
    time.sleep(1.5)
    assert page.locator(".viz-step").inner_text() == paused_at
    page.get_by_role("button", name="Play").click()  # reset while playing stops and restarts
    page.locator(".viz-step", has_text=re.compile(r"^step ([6-9]|\d\d) of")).wait_for()
    page.get_by_role("button", name="Reset").click()
    page.locator(".viz-quarter", has_text="Quarter: 2025Q1").wait_for()
    page.get_by_role("button", name="Play").wait_for()
    time.sleep(1.0)
    assert page.locator(".viz-step").inner_text().startswith("step 0 of")

    # selecting a member shows its numbers and its last decision
    for k in range(1, 5):
        step(page, k)
    show_tab(page, "Members")
    page.locator(".viz-tile-POL").click()
    page.locator(".viz-explain", has_text="Poland (POL) in 2026Q1").wait_for()
    assert "Pressure" in page.locator(".viz-member-detail").inner_text()
    show_tab(page, "Table")
    page.locator(".viz-table tbody tr").nth(31).wait_for()
    assert page.locator(".viz-table tbody tr").count() == 32
    show_tab(page, "Plots")
    plots.nth(4).locator("canvas").wait_for()

    for i in range(5):
        assert plots.nth(i).locator("canvas, svg, img").count() >= 1, f"plot {i} is empty"
    time.sleep(1.0)
    page.screenshot(path=str(ARTIFACTS / "viz.png"))
    assert_no_error(page)
    context.close()


def test_two_tabs_have_their_own_models_and_scenarios(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    first, second = open_page(context, server), open_page(context, server)
    for k in range(1, 4):
        step(first, k)
    assert quarter(first) == "Quarter: 2025Q4"
    time.sleep(0.5)
    assert quarter(second) == "Quarter: 2025Q1"
    step(second, 1)
    assert quarter(second) == "Quarter: 2025Q2"
    assert quarter(first) == "Quarter: 2025Q4"
    # the scenario picker restarts this tab's model with the config's values, not the other's
    second.locator(".viz-scenario").click()
    second.get_by_role("option", name="Hegemon strong").click()
    second.locator(".viz-running", has_text="Running: Hegemon strong,").wait_for()
    assert quarter(second) == "Quarter: 2025Q1"
    time.sleep(0.5)
    assert first.locator(".viz-running").inner_text().startswith("Running: Hague,")
    assert quarter(first) == "Quarter: 2025Q4"
    assert_no_error(first)
    assert_no_error(second)
    context.close()


SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
"""A snake_case identifier (a parameter or column name) in the page's text."""
FREE_TEXT = (".viz-description", ".viz-explain", ".viz-rival-explain")
"""Sentences written by the configs and the model (they may quote a parameter's name)."""


def boxed(page, selector: str, width: int = 1280, height: int = 800) -> dict:
    """The element's bounding box, checked to lie within the viewport (no scrolling needed)."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= width + 1, (selector, box)
    assert box["y"] + box["height"] <= height + 1, (selector, box)
    return box


def visible_words(page) -> str:
    """The page's text without the configs' and the model's own sentences."""
    text = page.locator(".viz-page").inner_text()
    for selector in FREE_TEXT:
        for t in page.locator(selector).all_inner_texts():
            text = text.replace(t, "")
    return text


def test_page_at_1280x800_labels_groups_card_export_and_run_to_end(server, browser, tmp_path):
    # issue 18 part 4: one test of the laptop-size page, reusing the module's server
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = open_page(context, server)
    plots = page.locator(".viz-plot")
    for i in range(5):
        plots.nth(i).locator("canvas").wait_for()
        box = boxed(page, f".viz-plot >> nth={i}")
        assert box["width"] >= 280 and box["height"] >= 200, box  # large: about a third wide
    assert page.get_by_text("This website runs on").count() == 0 or not (
        page.get_by_text("This website runs on").is_visible()
    )

    # the scenario picker: three groups, no parameter fragment
    page.locator(".viz-scenario").click()
    menu = page.locator(".v-menu__content").last
    menu.locator(".v-subheader").first.wait_for()
    for _ in range(3):  # Vuetify draws a long list 20 items at a time, as it is scrolled
        menu.evaluate("el => { el.scrollTop = el.scrollHeight; }")
        time.sleep(0.3)
    assert menu.locator(".v-subheader").all_inner_texts() == [
        "Forward scenarios",
        "Backcasts",
        "Docking and pattern tests",
    ]
    options = menu.get_by_role("option").all_inner_texts()
    assert "Rival stops" in options and "Backcast 2014" in options
    assert not any("behaviour" in o.lower() or ".toml" in o for o in options), options
    page.keyboard.press("Escape")

    # a parameter of a closed group ("Threat"), set there, changes the run at Reset
    page.locator(".viz-group-header", has_text="Threat").click()
    box = page.locator(".viz-input-threat_memory input")
    box.fill("0.9")
    box.press("Enter")
    page.locator(".viz-pending").wait_for()
    assert not SNAKE.findall(visible_words(page)), SNAKE.findall(visible_words(page))
    page.get_by_role("button", name="Reset").click()
    page.locator(".viz-running", has_text="changed: Threat memory = 0.9").wait_for()

    # the member card: the anchor, Spain's 2.1% exemption, a sparkline per term
    for k in range(1, 5):
        step(page, k)
    show_tab(page, "Members")
    page.locator(".viz-tile-ESP").click()
    page.locator(".viz-decision", has_text="Anchor").wait_for()
    assert "commits to 2.1% core by 2035" in page.locator(".viz-commitments").inner_text()
    assert page.locator(".viz-decision .viz-spark").count() >= 5  # anchor, 3 terms, the sum
    boxed(page, ".viz-tile-grid")
    boxed(page, ".viz-member-detail")
    assert not SNAKE.findall(visible_words(page)), SNAKE.findall(visible_words(page))
    page.screenshot(path=str(ARTIFACTS / "viz-members-1280x800.png"))

    # export: the alliance series as CSV and the settings as a config that reproduces the run
    with page.expect_download() as download:
        page.get_by_role("button", name="alliance CSV").click()
    rows = download.value.path().read_text().splitlines()
    assert rows[0].startswith("quarter,") and rows[-1].startswith("2026Q1,")  # 4 steps
    assert len(rows) == 1 + 5
    with page.expect_download() as download:
        page.get_by_role("button", name="settings (TOML config)").click()
    saved = tmp_path / "saved.toml"
    saved.write_bytes(download.value.path().read_bytes())
    from sim.core.config import load_scenario

    again = load_scenario(saved)
    assert again.params.threat_memory == 0.9 and again.seed == 20250625

    # run to end: the scenario's last quarter (configs/hague.toml: 2035Q4)
    page.get_by_role("button", name="Run to end").click()
    page.locator(".viz-quarter", has_text="Quarter: 2035Q4").wait_for()
    assert "end of scenario" in page.locator(".viz-step").inner_text()
    show_tab(page, "Plots")
    plots.nth(0).locator("canvas").wait_for()
    time.sleep(1.0)
    page.screenshot(path=str(ARTIFACTS / "viz-1280x800.png"))
    assert_no_error(page)
    context.close()
