"""Scenario configs: inheritance, overrides, and clear errors naming file and key."""

import pytest

from sim.core.config import ConfigError, list_scenarios, load_scenario, parse_overrides
from sim.core.data import ROOT


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_child_overrides_parent(tmp_path):
    write(tmp_path, "parent.toml", "[params]\nhegemon_pressure = 0.2\nnoise_sd_pp = 0.0\n")
    child = write(
        tmp_path,
        "child.toml",
        'inherits = "parent.toml"\nseed = 7\n[params]\nhegemon_pressure = 0.9\n',
    )
    scenario = load_scenario(child)
    assert scenario.params.hegemon_pressure == 0.9
    assert scenario.params.noise_sd_pp == 0.0
    assert scenario.seed == 7
    assert scenario.name == "child"


def test_overrides_and_seed_from_command_line(tmp_path):
    path = write(tmp_path, "a.toml", "[params]\nhegemon_pressure = 0.2\n")
    scenario = load_scenario(
        path,
        overrides=parse_overrides(["hegemon_pressure=0.4", 'threat_signal="log_ratio"']),
        seed=11,
    )
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


def test_a_chain_of_max_inherits_files_loads_and_one_more_is_refused(tmp_path):
    from sim.core.config import MAX_INHERITS

    def chain(files: int) -> object:
        for i in range(files - 1):
            write(tmp_path, f"c{i}.toml", f'inherits = "c{i + 1}.toml"\n')
        write(tmp_path, f"c{files - 1}.toml", "[params]\nhegemon_pressure = 0.7\n")
        return tmp_path / "c0.toml"

    scenario = load_scenario(chain(MAX_INHERITS))
    assert len(scenario.chain) == MAX_INHERITS == 32
    assert scenario.params.hegemon_pressure == 0.7  # from the last file of the chain
    with pytest.raises(
        ConfigError,
        match=r"c31.toml: key 'inherits' = 'c32.toml': expected at "
        r"most 32 files in an inheritance chain",
    ):
        load_scenario(chain(MAX_INHERITS + 1))


def test_an_empty_params_table_runs_the_defaults_but_an_empty_file_is_refused(tmp_path):
    from sim.core.params import Params

    assert load_scenario(write(tmp_path, "defaults.toml", "[params]\n")).params == Params()
    for text in ("", "# only a comment\n", 'name = "x"\n'):
        with pytest.raises(ConfigError, match=r"expected at least `inherits` or a \[params\]"):
            load_scenario(write(tmp_path, "empty.toml", text))


@pytest.mark.parametrize("seed", ["1.5", "true", "-1", str(2**63), '"7"'])
def test_seed_must_be_an_integer_from_0_to_2_63_minus_1(tmp_path, seed):
    path = write(tmp_path, "a.toml", f"seed = {seed}\n[params]\n")
    with pytest.raises(
        ConfigError,
        match=r"key 'seed' = .*: expected an integer from 0 to "
        "9223372036854775807",
    ):
        load_scenario(path)
    assert load_scenario(write(tmp_path, "b.toml", f"seed = {2**63 - 1}\n[params]\n")).seed == (
        2**63 - 1
    )
    with pytest.raises(ConfigError, match="--seed: key 'seed' = 9223372036854775808"):
        load_scenario(write(tmp_path, "c.toml", "[params]\n"), seed=2**63)


def test_a_bad_behaviour_table_is_reported_under_its_own_key_where_it_is_set(tmp_path):
    table = tmp_path / "regions.csv"
    table.write_text("region,threat_multiplier\nwestern,1\n")  # no pressure_multiplier
    write(
        tmp_path,
        "parent.toml",
        f'inherits = "hague.toml"\n[params]\nregion_behaviour_file = "{table}"\n',
    )
    child = write(tmp_path, "child.toml", 'inherits = "parent.toml"\n')
    with pytest.raises(ConfigError) as info:
        load_scenario(child)
    message = str(info.value)
    assert message.startswith(
        f"{tmp_path / 'parent.toml'}: key 'params.region_behaviour_file' "
        f"= '{table}': expected a readable table of region multipliers"
    )
    assert "missing column 'pressure_multiplier'" in message and "members_file" not in message
    with pytest.raises(ConfigError, match=r"^--set: key 'member_behaviour_file' = "):
        load_scenario("hague", overrides={"member_behaviour_file": str(table)})


def test_files_that_cannot_be_read_as_toml_name_the_file(tmp_path):
    from sim.core.config import read_toml

    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\x00\xffPK")
    with pytest.raises(
        ConfigError,
        match=r"b.toml: key '\(encoding\)' = 'byte 0xff at offset "
        r"1': expected UTF-8 text",
    ):
        read_toml(binary)
    with pytest.raises(ConfigError, match="expected a TOML file, not a folder"):
        read_toml(tmp_path)
    loop = tmp_path / "loop.toml"
    loop.symlink_to("loop.toml")
    with pytest.raises(ConfigError, match="not a broken symbolic link"):
        read_toml(loop)
    deep = write(tmp_path, "deep.toml", "x = " + "[" * 3000 + "\n")
    with pytest.raises(ConfigError, match="nested too deeply"):
        read_toml(deep)


def test_long_and_multi_line_values_are_shown_on_one_short_line():
    err = ConfigError("x" * 5000 + ".toml", "k\ney", "v" * 3000, "a value")
    text = str(err)
    assert "\n" not in text and len(text) < 600
    assert "...[4765 characters]..." in text  # of 5,005: the first and last 120 (MAX_SHOWN 240)
    assert text.endswith(": expected a value") and "k\\ney" in text
    assert err.path == "x" * 5000 + ".toml"  # the attribute keeps the whole path
