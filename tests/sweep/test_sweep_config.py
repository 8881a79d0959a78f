"""Bad sweep input: a clear error before any run, a non-zero exit, nothing written."""

from __future__ import annotations

import dask
import distributed  # noqa: F401 - loads its config defaults before dask.config.set
import pytest
from sweep_util import HAGUE, write_config

from sim.cli import main
from sim.core.config import ConfigError
from sim.sweep.config import load_sweep_config

GOOD = """replications = 2
chunk_size = 4
[design]
method = "grid"
[axes]
hegemon_pressure = [0.2, 0.8]
"""

BAD = {
    "unknown axis": (
        'replications = 1\n[design]\nmethod = "grid"\n[axes]\nno_such = [1, 2]\n',
        "axes.no_such",
    ),
    "empty list": (
        'replications = 1\n[design]\nmethod = "grid"\n[axes]\nhegemon_pressure = []\n',
        "non-empty list",
    ),
    "empty range": (
        'replications = 1\n[design]\nmethod = "grid"\n[axes]\n'
        "hegemon_pressure = { min = 0.5, max = 0.5, num = 3 }\n",
        "non-empty range",
    ),
    "inverted range": (
        'replications = 1\n[design]\nmethod = "lhs"\nsamples = 8\n[axes]\n'
        "hegemon_pressure = { min = 0.9, max = 0.1 }\n",
        "inverted",
    ),
    "range outside the parameter's bounds": (
        'replications = 1\n[design]\nmethod = "lhs"\nsamples = 8\n[axes]\n'
        "hegemon_pressure = { min = 0.0, max = 2.0 }\n",
        "bounds",
    ),
    "sobol N not a power of 2": (
        'replications = 1\n[design]\nmethod = "sobol"\nsamples = 48\n[axes]\n'
        "hegemon_pressure = { min = 0.1, max = 0.9 }\n",
        "power of 2",
    ),
    "sobol N too small": (
        'replications = 1\n[design]\nmethod = "sobol"\nsamples = 1\n[axes]\n'
        "hegemon_pressure = { min = 0.1, max = 0.9 }\n",
        ">= 2",
    ),
    "lhs without samples": (
        'replications = 1\n[design]\nmethod = "lhs"\n[axes]\n'
        "hegemon_pressure = { min = 0.1, max = 0.9 }\n",
        "design.samples",
    ),
    "morris odd levels": (
        'replications = 1\n[design]\nmethod = "morris"\nsamples = 4\nlevels = 3\n[axes]\n'
        "hegemon_pressure = { min = 0.1, max = 0.9 }\n",
        "even",
    ),
    "list in a sampled design": (
        'replications = 1\n[design]\nmethod = "lhs"\nsamples = 4\n[axes]\n'
        "hegemon_pressure = [0.1, 0.2]\n",
        "a range",
    ),
    "replications 0": (GOOD.replace("replications = 2", "replications = 0"), "replications"),
    "unknown method": (GOOD.replace('"grid"', '"factorial"'), "design.method"),
    "value out of range": (GOOD.replace("[0.2, 0.8]", "[0.2, 1.8]"), "design point"),
    "axis also set": (GOOD + "[set]\nhegemon_pressure = 0.5\n", "set.hegemon_pressure"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_is_refused_before_anything_runs(tmp_path, capsys, case):
    body, fragment = BAD[case]
    config = write_config(tmp_path, body)
    out = tmp_path / "out"
    assert main(["sweep", str(config), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and fragment in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_errors_name_file_key_and_expectation(tmp_path):
    config = write_config(tmp_path, BAD["unknown axis"][0])
    with pytest.raises(ConfigError) as info:
        load_sweep_config(config)
    assert info.value.path == str(config) and info.value.key == "axes.no_such"
    assert "parameter table" in info.value.expected


def test_unreachable_scheduler_fails_fast_without_writing(tmp_path, capsys):
    config = write_config(tmp_path, GOOD)
    out = tmp_path / "out"
    # port 1 on loopback: nothing listens there; a 2 s connect timeout keeps the test short
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code = main(
            ["sweep", str(config), "--out", str(out), "--scheduler", "tcp://127.0.0.1:1", "--quiet"]
        )
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in capsys.readouterr().err
    assert not out.exists()


def test_bad_worker_count_is_refused(tmp_path, capsys):
    config = write_config(tmp_path, GOOD)
    out = tmp_path / "out"
    assert main(["sweep", str(config), "--out", str(out), "--workers", "0", "--quiet"]) == 2
    assert "--workers 0" in capsys.readouterr().err
    assert not out.exists()


def test_a_different_config_into_an_existing_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    config = write_config(tmp_path, GOOD)
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (tmp_path / "other").mkdir()
    other = write_config(tmp_path / "other", GOOD.replace("replications = 2", "replications = 3"))
    assert main(["sweep", str(other), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "holds a different sweep" in err and "replications" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    # the same config again is accepted: the sweep is complete, nothing is redone
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_folder_that_is_not_a_sweep_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    config = write_config(tmp_path, GOOD)
    assert main(["sweep", str(config), "--out", str(out), "--quiet"]) == 2
    assert "not a sweep folder" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_a_folder_left_by_a_sweep_killed_before_its_manifest_is_reused(tmp_path):
    out = tmp_path / "out"
    (out / "chunks").mkdir(parents=True)
    (out / ".lock").touch()  # what a sweep killed just after taking its lock leaves behind
    config = write_config(tmp_path, GOOD)
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1", "--quiet"]) == 0


@pytest.mark.parametrize(
    "name",
    ["../../elsewhere/ESCAPED", "/an/absolute/victim", "a\x00b", "", "x" * 101, "with space"],
)
def test_a_sweep_name_is_a_plain_name(tmp_path, name):
    # the name picks the default sweep folder (results/sweeps/<name>): no path may escape
    config = tmp_path / "s.toml"
    escaped = name.replace("\\", "\\\\").replace('"', '\\"').replace("\x00", "\\u0000")
    config.write_text(
        f'name = "{escaped}"\nscenario = "hague.toml"\nreplications = 1\n'
        "[axes]\nhegemon_pressure = [0.2, 0.4]\n"
    )
    with pytest.raises(ConfigError, match="a plain name: letters, digits, - and _"):
        load_sweep_config(config)


def test_a_scenario_passed_as_a_sweep_says_so(capsys):
    assert main(["sweep", str(HAGUE), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "this is a scenario config" in err and "python -m sim run" in err


def test_a_mistyped_axis_suggests_the_parameter(tmp_path):
    config = write_config(
        tmp_path, 'replications = 1\n[design]\nmethod = "grid"\n[axes]\nhegemon_presure = [0.1]\n'
    )
    with pytest.raises(ConfigError) as err:
        load_sweep_config(config)
    assert err.value.key == "axes.hegemon_presure"
    assert "did you mean 'hegemon_pressure'?" in str(err.value)
