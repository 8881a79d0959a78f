"""Scenario configs: inheritance, overrides, and clear errors naming file and key."""

import pytest

from sim.config import ConfigError, list_scenarios, load_scenario, parse_overrides
from sim.data import ROOT


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_child_overrides_parent(tmp_path):
    write(tmp_path, "parent.toml", "[params]\nhegemon_pressure = 0.2\nnoise_sd_pp = 0.0\n")
    child = write(tmp_path, "child.toml",
                  'inherits = "parent.toml"\nseed = 7\n[params]\nhegemon_pressure = 0.9\n')
    scenario = load_scenario(child)
    assert scenario.params.hegemon_pressure == 0.9
    assert scenario.params.noise_sd_pp == 0.0
    assert scenario.seed == 7
    assert scenario.name == "child"


def test_overrides_and_seed_from_command_line(tmp_path):
    path = write(tmp_path, "a.toml", "[params]\nhegemon_pressure = 0.2\n")
    scenario = load_scenario(path, overrides=parse_overrides(["hegemon_pressure=0.4",
                                                              'threat_signal="log_ratio"']),
                             seed=11)
    assert scenario.params.hegemon_pressure == 0.4
    assert scenario.seed == 11


def test_unknown_top_level_key(tmp_path):
    path = write(tmp_path, "a.toml", "hegemon_pressure = 0.2\n")
    with pytest.raises(ConfigError, match=r"a.toml: key 'hegemon_pressure' = 0.2: expected one"):
        load_scenario(path)


def test_error_names_the_file_that_sets_the_bad_value(tmp_path):
    write(tmp_path, "parent.toml", "[params]\nrival_target_ratio = -1.0\n")
    child = write(tmp_path, "child.toml", 'inherits = "parent.toml"\n')
    with pytest.raises(ConfigError) as info:
        load_scenario(child)
    assert "parent.toml: key 'params.rival_target_ratio' = -1.0" in str(info.value)


def test_inheritance_cycle(tmp_path):
    write(tmp_path, "a.toml", 'inherits = "b.toml"\n')
    b = write(tmp_path, "b.toml", 'inherits = "a.toml"\n')
    with pytest.raises(ConfigError, match="no inheritance cycle"):
        load_scenario(b)


def test_missing_parent_and_syntax_error(tmp_path):
    path = write(tmp_path, "a.toml", 'inherits = "gone.toml"\n')
    with pytest.raises(ConfigError, match="'inherits' = 'gone.toml'"):
        load_scenario(path)
    bad = write(tmp_path, "bad.toml", "[params\n")
    with pytest.raises(ConfigError, match="valid TOML"):
        load_scenario(bad)


def test_config_values_are_data_never_code(tmp_path):
    path = write(tmp_path, "a.toml", "[params]\nhegemon_pressure = \"__import__('os')\"\n")
    with pytest.raises(ConfigError, match="expected a number"):
        load_scenario(path)


def test_missing_data_file(tmp_path):
    path = write(tmp_path, "a.toml", '[params]\nmembers_file = "seeds/none.csv"\n')
    with pytest.raises(ConfigError, match="members_file.*file not found"):
        load_scenario(path)


def test_every_shipped_config_is_valid_and_listed():
    listed = {row[0] for row in list_scenarios()}
    files = {p.name for p in (ROOT / "configs").glob("*.toml")}
    assert listed == files
    for name in files:
        load_scenario(ROOT / "configs" / name)
