"""Documented commands leave tracked files alone (issue 10, point 5).

Each command the docs give (``python -m sim run``, ``python -m sim calibrate``, the validation
script and the two studies) is run with the project's Python from inside a fresh repository
holding the working tree's files, and must leave ``git status`` clean: results go to
``results/`` (ignored by the project's ``.gitignore``); only ``--in-place`` rewrites the
committed fit and outputs. The calibration runs with ``SIM_CALIBRATE_BUDGET=smoke`` (a tiny
budget that exercises the command and writes every file; not the published fit).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sim.cli import main
from sim.core import resources
from sim.core.config import load_scenario
from sim.core.ensemble import members_of
from sim.validation import calibrate

ROOT = Path(__file__).resolve().parent.parent
BACKCAST = ROOT / "configs" / "backcast_2014.toml"


def _git(repo: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [
            "git",
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=repo,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    """A git repository of the working tree's files as they would be committed, with a clean
    status: the tracked files and the new ones not ignored (uncommitted work included, which a
    ``git clone`` would miss)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of the project")
    names = _git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    dest = tmp_path_factory.mktemp("snapshot") / "repo"
    kept = []
    for name in filter(None, names.split("\0")):
        src = ROOT / name
        if src.is_file():  # not a deleted file
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
            kept.append(name)
    _git(dest, "init", "-q")
    _git(
        dest,
        "add",
        "--force",
        "--pathspec-from-file=-",
        "--pathspec-file-nul",
        stdin="\0".join(kept),
    )
    _git(dest, "commit", "-q", "-m", "snapshot of the working tree")
    assert _git(dest, "status", "--porcelain") == ""
    return dest


@pytest.fixture
def clone(snapshot, tmp_path) -> Path:
    """A fresh copy of the snapshot repository for one test."""
    repo = tmp_path / "repo"
    shutil.copytree(snapshot, repo, symlinks=True)
    return repo


def run(
    repo: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the project's Python in ``repo`` (so it imports that checkout's ``sim``)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", calibrate.BUDGET_ENV)}
    environ.update({"MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1", **(env or {})})
    environ["PYTHONPATH"] = str(repo)  # the venv's `sim` is the working tree's (pip install -e)
    return subprocess.run(
        [sys.executable, *args],
        cwd=repo,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_clean(repo: Path, done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, done.stderr[-3000:]
    assert _git(repo, "status", "--porcelain") == "", "a documented command changed tracked files"


def test_snapshot_runs_its_own_package(clone):
    done = run(clone, "-c", "import sim.core.resources as r; print(r.checkout_root())")
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).resolve() == clone.resolve()


def test_sim_run_leaves_tracked_files_alone(clone):
    done = run(clone, "-m", "sim", "run", "configs/hague.toml")
    assert_clean(clone, done)
    assert (clone / "results" / "hague-seed20250625" / "summary.json").is_file()


@pytest.mark.slow
def test_sim_calibrate_writes_results_not_the_committed_fit(clone, tmp_path, monkeypatch):
    done = run(
        clone,
        "-m",
        "sim",
        "calibrate",
        "configs/backcast_2014.toml",
        env={calibrate.BUDGET_ENV: "smoke"},
    )
    assert_clean(clone, done)
    folder = clone / "results" / "calibration-seed20140905"
    for name in (
        "behaviour.toml",
        "backcast_fitted.toml",
        "behaviour_by_region.csv",
        "behaviour_by_member.csv",
        "calibration.json",
        "fit_members.csv",
    ):
        assert (folder / name).is_file(), name
    text = (folder / "behaviour.toml").read_text()
    assert "FITTED by `SIM_CALIBRATE_BUDGET=smoke python -m sim calibrate" in text
    # the written configs work from any folder: the backcast-only file inherits the written
    # behaviour config, which names the written tables
    assert tomllib.loads((folder / "backcast_fitted.toml").read_text())["inherits"] == (
        "behaviour.toml"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    params = load_scenario(folder / "backcast_fitted.toml").params
    assert Path(params.region_behaviour_file) == folder / "behaviour_by_region.csv"
    assert Path(params.member_behaviour_file) == folder / "behaviour_by_member.csv"
    assert members_of(params).threat_multiplier is not None


@pytest.mark.slow
def test_validation_quick_leaves_committed_output_alone(clone):
    done = run(clone, "experiments/validation/run_all.py", "--quick")
    assert_clean(clone, done)
    assert (clone / "results" / "validation" / "headline.json").is_file()
    refused = run(clone, "experiments/validation/run_all.py", "--quick", "--in-place")
    assert refused.returncode == 2 and "--in-place" in refused.stderr
    assert _git(clone, "status", "--porcelain") == ""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("study", "headline"),
    [
        ("munitions_gap", "headline.json"),
        ("burden_sharing", "headline.json"),
        ("headlines", "headlines.csv"),
    ],
)
def test_study_leaves_committed_output_alone(clone, study, headline):
    done = run(clone, f"experiments/{study}/run.py")
    assert_clean(clone, done)
    assert (clone / "results" / study / headline).is_file()


def test_in_place_is_refused_without_a_checkout(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(resources, "checkout_root", lambda: None)
    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", str(BACKCAST), "--in-place"]) == 2
    err = capsys.readouterr().err
    assert "--in-place" in err and "checkout" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("extra", [["--out", "fit.toml"], ["--holdout-year", "2024"]])
def test_in_place_is_refused_with_out_or_holdout(monkeypatch, capsys, tmp_path, extra):
    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", str(BACKCAST), "--in-place", *extra]) == 2
    assert "--in-place" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_in_place_is_refused_with_the_smoke_budget(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv(calibrate.BUDGET_ENV, "smoke")
    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", str(BACKCAST), "--in-place"]) == 2
    assert "smoke" in capsys.readouterr().err


def test_out_naming_the_committed_fit_is_refused(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert (
        main(["calibrate", str(BACKCAST), "--out", str(ROOT / "configs" / "behaviour.toml")]) == 2
    )
    assert "--in-place" in capsys.readouterr().err


def test_in_place_rewrites_the_committed_files(monkeypatch, capsys, tmp_path):
    """``--in-place`` writes the four committed files of a checkout (here a copy of configs/),
    naming the tables as shipped files, and the report under results/."""
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "configs", checkout / "configs")
    shutil.copytree(ROOT / "seeds", checkout / "seeds")
    monkeypatch.setattr(resources, "checkout_root", lambda: checkout)
    monkeypatch.setattr(calibrate, "CLI_BUDGET", calibrate.SMOKE_BUDGET)
    monkeypatch.delenv(calibrate.BUDGET_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    before = {p: p.read_bytes() for p in (ROOT / "configs").rglob("*") if p.is_file()}
    assert main(["calibrate", str(BACKCAST), "--seed", "3", "--in-place"]) == 0
    capsys.readouterr()
    configs = checkout / "configs"
    behaviour = tomllib.loads((configs / "behaviour.toml").read_text())
    assert behaviour["params"]["region_behaviour_file"] == "configs/data/behaviour_by_region.csv"
    assert behaviour["params"]["member_behaviour_file"] == "configs/data/behaviour_by_member.csv"
    assert "--in-place`" in (configs / "behaviour.toml").read_text()
    fitted = tomllib.loads((configs / "data" / "backcast_fitted.toml").read_text())
    assert fitted["inherits"] == "../behaviour.toml"
    for name in ("behaviour_by_region.csv", "behaviour_by_member.csv"):
        assert (configs / "data" / name).read_bytes() != (
            ROOT / "configs" / "data" / name
        ).read_bytes()
    assert (tmp_path / "results" / "calibration-seed3" / "calibration.json").is_file()
    # the real checkout is untouched
    assert {p: p.read_bytes() for p in (ROOT / "configs").rglob("*") if p.is_file()} == before
