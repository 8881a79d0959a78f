"""The command line: run, validate, scenarios; determinism to the byte; bad input.

The commands are called in-process (``sim.cli.main([...])``, what ``python -m sim`` and the
``sim`` console script call); only :func:`test_a_real_process_runs_the_command_line` starts
real processes, to check the two entry points themselves.
"""

import argparse
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import build_parser, main
from sim.core.data import ROOT

HAGUE = str(ROOT / "configs" / "hague.toml")


@pytest.mark.parametrize("entry", ["python -m sim", "sim"])
def test_a_real_process_runs_the_command_line(entry, tmp_path):
    """``python -m sim --help`` and the installed ``sim`` script start and list the commands."""
    if entry == "sim":
        script = Path(sys.executable).with_name("sim")
        found = str(script) if script.exists() else shutil.which("sim")
        if found is None:
            pytest.skip("the sim console script is not installed (pip install -e .)")
        command = [found, "--help"]
    else:
        command = [sys.executable, "-m", "sim", "--help"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    for name in ("run", "validate", "scenarios", "sweep", "viz", "calibrate", "report"):
        assert name in result.stdout


def test_run_writes_every_output(tmp_path, capsys):
    out = tmp_path / "hague"
    assert main(["run", HAGUE, "--out", str(out), "--csv", "--json"]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {
        "alliance.parquet",
        "members.parquet",
        "alliance.csv",
        "members.csv",
        "summary.json",
        "manifest.json",
        "figure.png",
        "figure.pdf",
    }
    alliance = pd.read_parquet(out / "alliance.parquet")
    assert alliance["quarter"].iloc[0] == "2025Q1" and alliance["quarter"].iloc[-1] == "2035Q4"
    assert len(alliance) == 44  # 2025Q1..2035Q4 inclusive: 11 years x 4 quarters
    members = pd.read_parquet(out / "members.parquet")
    assert len(members) == 44 * 32
    summary = json.loads((out / "summary.json").read_text())
    assert summary == json.loads(capsys.readouterr().out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == summary["seed"] == 20250625  # configs/hague.toml
    assert manifest["params"]["target_core_pct_gdp"] == 3.5
    assert {"numpy", "mesa", "python"} <= set(manifest["versions"])
    assert "commit" in manifest["git"]


def test_initial_state_matches_the_data(tmp_path):
    assert main(["run", HAGUE, "--out", str(tmp_path / "a")]) == 0
    first = pd.read_parquet(tmp_path / "a" / "alliance.parquet").iloc[0]
    assert first["members_at_or_above_2pct"] == 22  # seed_facts.toml: 22 of 32 in 2024 (S04)
    # the ratio is not configured (issue 16): it starts where the backcast's outputs end,
    # the rival's over the allies' (configs/hague.toml's history)
    assert first["munitions_ratio"] == pytest.approx(
        first["rival_munitions_output"] / first["alliance_munitions_output"], rel=1e-12
    )
    assert 2.0 < first["munitions_ratio"] < 4.5
    assert first["air_defence_vs_2025"] == 1.0
    assert first["cumulative_extra_spending_usd_bn"] == 0.0
    back = ROOT / "configs" / "backcast_2014.toml"
    assert main(["run", str(back), "--out", str(tmp_path / "b")]) == 0
    first = pd.read_parquet(tmp_path / "b" / "alliance.parquet").iloc[0]
    assert first["quarter"] == "2014Q3"
    assert first["members_at_or_above_2pct"] == 3  # alliance_facts.csv: 3 in 2014 (S02, S09)


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        assert (
            main(
                [
                    "run",
                    HAGUE,
                    "--seed",
                    seed,
                    "--set",
                    "noise_sd_pp=0.1",
                    "--out",
                    str(tmp_path / name),
                ]
            )
            == 0
        )
    for table in ("alliance.parquet", "members.parquet"):
        a, b, c = ((tmp_path / n / table).read_bytes() for n in "abc")
        assert a == b
        assert a != c


def test_existing_folder_is_not_overwritten_unless_asked(tmp_path):
    out = tmp_path / "x"
    assert main(["run", HAGUE, "--out", str(out)]) == 0
    stamp = (out / "manifest.json").read_text()
    assert main(["run", HAGUE, "--out", str(out), "--seed", "9"]) == 2
    assert (out / "manifest.json").read_text() == stamp
    assert main(["run", HAGUE, "--out", str(out), "--seed", "9", "--overwrite"]) == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 9


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[params]\nhegemon_presure = 0.3\n", "key 'params.hegemon_presure' = 0.3"),
        ('[params]\nhegemon_pressure = "high"\n', "expected a number"),
        ("[params]\ntarget_core_pct_gdp = -0.5\n", "expected a value >= 0.0"),
        ("[params]\nrival_target_ratio = -1.0\n", "key 'params.rival_target_ratio' = -1.0"),
        ('[params]\nend_quarter = "2020Q1"\n', "after start_quarter"),
        ("[params]\ntarget_deadline_year = 2020\n", "not before the start"),
        ('[params]\nmembers_file = "seeds/missing.csv"\n', "file not found"),
    ],
)
def test_bad_config_fails_before_any_run_with_nothing_written(
    tmp_path, toml, needle, capsys, monkeypatch
):
    monkeypatch.chdir(ROOT)  # relative paths in a config resolve as from a checkout
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out)]) == 2
    stderr = capsys.readouterr().err
    assert stderr.startswith("error: ") and stderr.count("\n") == 1  # one line
    assert str(config) in stderr and needle in stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [config]  # no partial folder either


def test_validate_and_scenarios(capsys):
    assert main(["validate", HAGUE]) == 0
    assert "valid scenario 'hague'" in capsys.readouterr().out
    assert main(["scenarios"]) == 0
    listing = capsys.readouterr().out
    for config in (ROOT / "configs").glob("*.toml"):
        assert config.name in listing


def test_a_run_that_breaks_an_invariant_is_marked_failed_and_exits_1(tmp_path, monkeypatch, capsys):
    # no valid parameters break an invariant (tests/test_invariants.py), so plant one
    import sim.core.ensemble

    def planted(alliance, members, **kwargs):
        return ["rival_gdp_positive: rival_gdp_usd_bn = -1 in 2030Q1"] * len(alliance)

    monkeypatch.setattr(sim.core.ensemble, "first_violations", planted)
    out = tmp_path / "bad"
    assert main(["run", "--out", str(out)]) == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "failed: rival_gdp_positive: rival_gdp_usd_bn = -1 in 2030Q1"
    assert "broke an invariant" in capsys.readouterr().err
    monkeypatch.undo()
    assert main(["run", "--out", str(tmp_path / "good")]) == 0
    assert json.loads((tmp_path / "good" / "summary.json").read_text())["status"] == "ok"


def test_version_and_the_viz_options_say_what_they_are(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.split()[-1] == version("alliance-arms-race-sim")
    with pytest.raises(SystemExit):
        main(["viz", "--help"])
    text = capsys.readouterr().out
    assert "port to serve on" in text and "address to bind" in text


def test_a_run_reads_like_a_result(tmp_path, capsys):
    # issue 18: the finding that the target is missed was `"alliance_first_quarter": null`
    out = tmp_path / "hague"
    assert main(["run", HAGUE, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    core = summary["final"]["alliance_core_share_pct"]
    verdict = "met" if core >= 3.5 else "missed"  # configs/hague.toml: the 3.5% core target
    assert (
        f"alliance core share in 2035Q4: {core:.2f}% against the 3.5% target: {verdict}" in printed
    )
    count = summary["lines"]["3.5%"]["members_final"]
    assert f"3.5% line (core share): {count} of 32 members" in printed
    assert "regime: " in printed and "{" not in printed  # words, not JSON


# --- help, examples and "did you mean" (issue 18) ---------------------------------------------


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def _examples() -> list[str]:
    from sim.cli_help import COMMANDS, MAIN_EXAMPLES

    return [*MAIN_EXAMPLES, *(e for entry in COMMANDS.values() for e in entry.examples)]


def test_every_command_has_a_description_examples_and_help_on_every_argument():
    parser = build_parser()
    commands = _subparsers(parser)
    assert {"run", "validate", "sweep", "viz", "report", "discover"} <= set(commands)
    for name, sub in [("sim", parser), *commands.items()]:
        assert sub.description, name
        assert sub.epilog and sub.epilog.startswith("examples:\n"), name
        examples = sub.epilog.splitlines()[1:]
        assert 1 <= len(examples) <= 3, name
        if name != "sim":
            assert all(line.strip().startswith(f"sim {name}") for line in examples), name
        for action in sub._actions:
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
        assert "examples:" in sub.format_help()


@pytest.mark.parametrize("example", _examples())
def test_every_documented_example_parses(example):
    words = shlex.split(example)
    assert words[0] == "sim"
    args = build_parser().parse_args(words[1:])  # exits (SystemExit) if the example rotted
    assert args.command == words[1] and callable(args.func)
    for word in words:  # the configs an example names are shipped
        if word.endswith(".toml"):
            assert (ROOT / word).is_file(), word


def test_a_mistyped_command_or_choice_suggests_the_right_one(capsys):
    with pytest.raises(SystemExit) as done:
        main(["rnu"])
    assert done.value.code == 2
    assert "invalid choice: 'rnu' (did you mean 'run'?" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(["sweep", "x.toml", "--cluster", "lcoal"])
    assert done.value.code == 2
    assert "did you mean 'local'?" in capsys.readouterr().err


def test_a_mistyped_set_parameter_suggests_it_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the default results/ folder would go here
    assert main(["run", "--set", "hegemon_presure=0.5"]) == 2
    err = capsys.readouterr().err
    assert "key 'hegemon_presure' = 0.5" in err and "did you mean 'hegemon_pressure'?" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_sweep_config_given_as_a_scenario_says_how_to_run_it(command, tmp_path, capsys):
    sweep = ROOT / "configs" / "sweeps" / "pressure_by_ratio.toml"
    extra = ["--out", str(tmp_path / "o")] if command == "run" else []
    assert main([command, str(sweep), *extra]) == 2
    err = capsys.readouterr().err
    assert "this is a sweep config" in err and f"python -m sim sweep {sweep}" in err
    assert not (tmp_path / "o").exists()


def test_the_command_exits_with_mains_code_and_the_collector_frozen(monkeypatch):
    """``sim`` and ``python -m sim`` run :func:`sim.cli.run`: the exit code is main's, and the
    objects left at exit are frozen out of the garbage collector (its final passes over numba's
    objects took 0.4 s of every command's exit)."""
    import gc

    import sim.cli

    monkeypatch.setattr(sim.cli, "main", lambda: 3)
    frozen = gc.get_freeze_count()
    try:
        with pytest.raises(SystemExit) as exit_info:
            sim.cli.run()
        assert exit_info.value.code == 3
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()
