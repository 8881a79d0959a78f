"""The tutorial notebook (docs/tutorial.ipynb) is committed clean and runs from top to bottom.

It is executed with nbclient on a kernel of this very interpreter, from a copy in a temporary
folder (nothing tracked changes), and what it computes is checked against the library: the
2035 core share it prints is the one ``sim.simulate`` gives for the same scenario and seed.
"""

import json
import shutil
import sys

import nbformat
import pytest
from nbclient import NotebookClient

import sim
from sim.core.data import ROOT

NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"


def test_the_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) >= 6
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("notebook")
    kernels = tmp / "kernels" / "sim-tutorial"
    kernels.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "this interpreter",
        "language": "python",
    }
    (kernels / "kernel.json").write_text(json.dumps(spec))
    copy = tmp / "tutorial.ipynb"
    shutil.copy(NOTEBOOK, copy)
    before = NOTEBOOK.read_bytes()
    nb = nbformat.read(copy, as_version=4)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(tmp))  # the kernel spec above: this interpreter
        mp.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        client = NotebookClient(
            nb, timeout=300, kernel_name="sim-tutorial", resources={"metadata": {"path": str(tmp)}}
        )
        client.execute()
    assert NOTEBOOK.read_bytes() == before  # the tracked notebook is untouched
    return nb


def _outputs(nb, needle):
    """The outputs of the code cell whose source contains ``needle``."""
    cells = [c for c in nb.cells if c.cell_type == "code" and needle in c.source]
    assert len(cells) == 1, needle
    return cells[0].outputs


def _text(outputs):
    return "".join(o.get("text", "") for o in outputs if o.output_type == "stream")


@pytest.mark.slow
def test_the_notebook_runs_without_errors(executed):
    for cell in executed.cells:
        if cell.cell_type == "code":
            assert all(o.output_type != "error" for o in cell.outputs), cell.source[:60]


@pytest.mark.slow
def test_the_notebooks_run_is_the_librarys(executed):
    scenario = sim.load_scenario("hague")
    traj = sim.simulate([scenario.params], [scenario.seed])
    core = traj.alliance_frame()["alliance_core_share_pct"].iloc[-1]
    last = traj.quarters[-1]
    printed = _text(_outputs(executed, "get_agent_vars_dataframe()"))
    assert f"alliance core share in {last}: {core:.6f}% of GDP" in printed


@pytest.mark.slow
def test_the_notebook_shows_the_sweep_the_report_and_the_page(executed):
    sweep = _outputs(executed, "sim.run_sweep(")
    shown = sweep[0]["data"]["text/plain"]
    assert shown.startswith("SweepResult('tiny'") and "4 design points x 2 replications" in shown
    report = _outputs(executed, "build_report(")
    assert any("image/png" in o.get("data", {}) for o in report)
    page = _outputs(executed, "Page()")
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in page)
