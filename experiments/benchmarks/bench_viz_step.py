"""How long one quarter (a click on Step) takes on the web page, default scenario.

Two measurements, each the median (and max) over N steps after one warm-up step:

* ``server``: in Python, ``model.step()`` plus re-rendering every page component with
  ``solara.render`` (what the server does for a click; no network, no browser).
* ``browser`` (``--browser``): the real page, served by ``python -m sim viz`` and driven by
  headless Chromium: from the click on Step to the moment the page shows the new quarter, all
  five plots hold the new data and the browser has painted (two animation frames later).
* ``mesa`` (``--compare-mesa``): for comparison, redrawing the same five plots with Mesa's
  ``make_plot_component`` (Altair and matplotlib backends), server side only.

Usage::

    .venv/bin/python experiments/benchmarks/bench_viz_step.py [--steps 20] [--browser]
                                                              [--compare-mesa]
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUDGET_S = 0.300

# In the page: click Step, then resolve when the step text reads `step k` and every chart's
# Vega view holds k+1 quarters of data, after two animation frames (the paint).
MEASURE_JS = """
async (k) => {
  const t0 = performance.now();
  const stepText = () => (document.querySelector('.viz-step') || {}).textContent || '';
  const chartsDone = () => [...document.querySelectorAll('.viz-chart')].every(el => {
    const vm = el.__vue__;  // the LiveChart component (sim/viz/chart.py)
    if (!vm || !vm.view) { return false; }
    return new Set(vm.view.data(vm.dataset).map(d => d.year)).size === k + 1;
  });
  const button = [...document.querySelectorAll('button')]
      .find(b => b.textContent.trim().toLowerCase() === 'step');
  button.click();
  let tText = null;
  while (performance.now() - t0 < 10000) {
    if (tText === null && stepText().startsWith('step ' + k + ' ')) { tText = performance.now(); }
    if (tText !== null && chartsDone()) { break; }
    await new Promise(r => setTimeout(r, 2));
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return {text: (tText || NaN) - t0, all: performance.now() - t0};
}
"""


def summary(name: str, times: list[float]) -> str:
    med, worst = statistics.median(times), max(times)
    verdict = "within" if med < BUDGET_S else "OVER"
    return (
        f"{name}: median {1000 * med:.0f} ms, max {1000 * worst:.0f} ms over {len(times)} "
        f"steps ({verdict} the {1000 * BUDGET_S:.0f} ms budget)"
    )


def bench_server(steps: int) -> list[float]:
    """model.step() + re-render of every component with solara.render."""
    import ipyvuetify as v
    import solara

    from sim.viz.app import Page

    os.environ.pop("SIM_VIZ_CONFIG", None)
    _, rc = solara.render(Page(), handle_error=False)
    button = rc.find(v.Btn, children=["Step"]).widget
    button.click()  # warm-up
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        button.click()
        times.append(time.perf_counter() - t)
    rc.close()
    return times


def bench_mesa_plots(steps: int, backend: str) -> list[float]:
    """model.step() + redraw of the page's five plots with Mesa's make_plot_component."""
    import solara
    from mesa.visualization import make_plot_component
    from mesa.visualization.utils import force_update

    from sim.abm.model import AllianceModel
    from sim.core.config import load_scenario
    from sim.core.params import to_dict
    from sim.viz.app import DEFAULT_CONFIG
    from sim.viz.plots import PLOTS

    scenario = load_scenario(DEFAULT_CONFIG)
    model = AllianceModel(rng=scenario.seed, **to_dict(scenario.params))
    plots = [make_plot_component(list(spec.measures), backend=backend)[0] for spec in PLOTS]

    @solara.component
    def Plots():
        with solara.Column():
            for plot in plots:
                plot(model)

    _, rc = solara.render(Plots(), handle_error=False)
    times = []
    for _ in range(steps + 1):
        t = time.perf_counter()
        with rc:
            model.step()
            force_update()
        times.append(time.perf_counter() - t)
    rc.close()
    return times[1:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_browser(steps: int) -> tuple[list[float], list[float]]:
    """Click -> quarter shown, and click -> every plot updated and painted, in Chromium."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    env.pop("SIM_VIZ_CONFIG", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "sim", "viz", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            page.goto(url)
            page.locator(".viz-quarter").wait_for(timeout=60_000)
            page.locator(".viz-chart canvas").nth(4).wait_for(timeout=60_000)
            page.evaluate(MEASURE_JS, 1)  # warm-up
            text, full = [], []
            for k in range(2, steps + 2):
                result = page.evaluate(MEASURE_JS, k)
                text.append(result["text"] / 1000)
                full.append(result["all"] / 1000)
            browser.close()
        return text, full
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--browser", action="store_true", help="also time the page in Chromium")
    parser.add_argument(
        "--compare-mesa",
        action="store_true",
        help="also time Mesa's make_plot_component for the same plots",
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; default scenario (configs/hague.toml)"
    )
    print(summary("server (step + render all components)", bench_server(args.steps)))
    if args.browser:
        text, full = bench_browser(args.steps)
        print(summary("browser (click -> quarter shown)", text))
        print(summary("browser (click -> all plots updated and painted)", full))
    if args.compare_mesa:
        for backend in ("altair", "matplotlib"):
            times = bench_mesa_plots(args.steps, backend)
            print(summary(f"for comparison, Mesa make_plot_component ({backend}), 5 plots", times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
