"""Shared fixtures of the report tests: the small golden sweep and its report, built once.

The sweep is ``scripts/refresh_report_golden.py``'s (the Hague scenario on a 2 x 2 x 2 grid of
US pressure, the rival's target ratio and a ceasefire, 3 paired replications, root seed 7), run
in this process into a temporary folder.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "refresh_report_golden.py"


@pytest.fixture(scope="session")
def refresh_report() -> ModuleType:
    """scripts/refresh_report_golden.py, imported as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("refresh_report_golden", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["refresh_report_golden"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def golden_sweep(refresh_report: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small golden sweep's folder."""
    return refresh_report.build_sweep(tmp_path_factory.mktemp("golden"))


@pytest.fixture(scope="session")
def golden_report(refresh_report: ModuleType, golden_sweep: Path):
    """The golden sweep's report with the default options (in ``golden_sweep/report``)."""
    return refresh_report.build_report(golden_sweep)
