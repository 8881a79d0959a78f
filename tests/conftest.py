"""Shared test set-up: Solara without network, and the system Chromium for browser tests.

The browser tests drive Debian's ``/usr/bin/chromium`` (Playwright's own browser download is
impossible here): ``browser_type_launch_args`` overrides pytest-playwright's fixture so its
``browser``/``page`` fixtures use it too, and :data:`CHROMIUM_ARGS` serve plain Playwright.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
os.environ.setdefault("SOLARA_TEST_RUNNERS", "solara")  # pytest-ipywidgets: no voila/jupyter

# tests/ mirrors sim/ (tests/core, tests/sweep, ...); the shared helpers here and in
# tests/sweep/sweep_util.py are importable from every folder
sys.path[:0] = [
    str(Path(__file__).resolve().parent),
    str(Path(__file__).resolve().parent / "sweep"),
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
"""Screenshots and server logs of the browser tests (gitignored)."""


def chromium_or_skip() -> Path:
    """The Chromium binary; skip the test if it is absent, except under CI (there: fail)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing under CI (.ci/run installs Debian's chromium)")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); browser test skipped")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch arguments, pointed at the system Chromium."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


def build_native_library() -> tuple[Path | None, str]:
    """The library of the step compiled ahead of time (``sim compile``), built if missing.

    Returns:
        (its path, "") or, where it cannot be built here (no C compiler, no Python headers),
        (None, why): the model then runs through numba, and the tests of the library skip.
    """
    from sim.core.dynamics.native_build import BuildError, build

    try:
        return build()[0], ""
    except BuildError as error:  # what sim compile would say
        return None, f"the library cannot be built here: {error}"


@pytest.fixture(scope="session")
def native_library() -> Path:
    """The library of the step compiled ahead of time; the test skips where it cannot be built."""
    path, why = build_native_library()
    if path is None:
        pytest.skip(why)
    return path


# --- The report tests' small golden sweep and its report, built once per session ---------
# (scripts/refresh_report_golden.py's sweep: the Hague scenario on a 2 x 2 x 2 grid of US
# pressure, the rival's target ratio and a ceasefire, 3 paired replications, root seed 7)

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def import_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` imported as the module ``name`` (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def refresh_report() -> ModuleType:
    """scripts/refresh_report_golden.py, imported as a module."""
    return import_script("refresh_report_golden")


@pytest.fixture(scope="session")
def golden_sweep(refresh_report: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small golden sweep's folder."""
    return refresh_report.build_sweep(tmp_path_factory.mktemp("golden"))


@pytest.fixture(scope="session")
def golden_report(refresh_report: ModuleType, golden_sweep: Path):
    """The golden sweep's report with the default options (in ``golden_sweep/report``)."""
    return refresh_report.build_report(golden_sweep)
