"""The shipped data and scenarios are found whatever the current folder (sim.core.resources)."""

import tomllib
from pathlib import Path

import pytest

from sim.cli import main
from sim.core import resources
from sim.core.config import ConfigError, find_config, list_scenarios, load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """The current folder is an empty folder outside the checkout."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_shipped_folders_are_the_checkouts_in_a_checkout():
    assert resources.checkout_root() == ROOT
    assert resources.seeds_dir() == ROOT / "seeds"
    assert resources.configs_dir() == ROOT / "configs"
    with pytest.raises(ValueError, match="expected one of seeds, configs"):
        resources.shipped_dir("tests")


def test_locate_shipped_absolute_and_relative(elsewhere):
    assert resources.locate("seeds/nato_members.csv") == ROOT / "seeds" / "nato_members.csv"
    assert resources.locate("configs/data/behaviour_by_member.csv").is_file()
    assert resources.locate("/x/y.csv") == Path("/x/y.csv")
    (elsewhere / "mine.csv").write_text("")
    assert resources.locate("mine.csv") == elsewhere / "mine.csv"
    # not here, but committed in the checkout: the checkout's file
    holdout = "experiments/validation/holdout_2024/behaviour.toml"
    assert resources.locate(holdout) == ROOT / holdout


def test_scenarios_by_name_from_any_folder(elsewhere):
    for name in ("hague", "hague.toml", "configs/hague.toml"):
        assert find_config(name) == ROOT / "configs" / "hague.toml"
    assert load_scenario("hague").name == "hague"
    with pytest.raises(ConfigError, match="shipped scenario"):
        find_config("no_such_scenario")
    # a file in the current folder wins over a shipped scenario of the same name
    (elsewhere / "hague.toml").write_text('name = "mine"\ninherits = "status_quo_2pct.toml"\n')
    assert load_scenario("hague.toml").name == "mine"


def test_a_users_config_inherits_a_shipped_scenario(elsewhere):
    mine = elsewhere / "studies" / "strong.toml"
    mine.parent.mkdir()
    mine.write_text('name = "strong"\ninherits = "hague.toml"\n[params]\nhegemon_pressure = 0.9\n')
    scenario = load_scenario(mine)
    hague = load_scenario("hague")
    assert scenario.params.hegemon_pressure == 0.9
    assert scenario.params.threat_sensitivity_pp == hague.params.threat_sensitivity_pp
    assert scenario.chain[1] == str(ROOT / "configs" / "hague.toml")
    # a file next to the config wins over the shipped one
    (mine.parent / "hague.toml").write_text("[params]\nhegemon_pressure = 0.2\n")
    assert load_scenario(mine).chain[1] == str(mine.parent / "hague.toml")


def test_scenarios_command_lists_the_shipped_configs_from_anywhere(elsewhere, capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    shipped = sorted(p.name for p in (ROOT / "configs").glob("*.toml"))
    assert [line.split()[0] for line in out.splitlines()] == shipped
    hague = tomllib.loads((ROOT / "configs" / "hague.toml").read_text())
    assert hague["description"] in out
    assert [r[0] for r in list_scenarios()] == shipped
    assert main(["scenarios", "--folder", "nowhere"]) == 2


def test_run_without_config_runs_the_default_scenario_here(elsewhere):
    assert main(["run"]) == 0
    folders = list((elsewhere / "results").iterdir())
    assert [f.name for f in folders] == ["hague-seed20250625"]
    assert (folders[0] / "figure.png").is_file()


def test_the_wheel_lists_every_package_folder():
    # every folder of sim/ with Python modules must be listed in pyproject.toml's packages,
    # or a built wheel silently lacks it
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("*.py")}
    assert folders <= listed, folders - listed
    for data_pkg in ("sim.seeds", "sim.configs", "sim.configs.data", "sim.configs.sweeps"):
        assert data_pkg in listed
