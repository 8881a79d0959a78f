"""Bad inputs give one line and exit 2, never a traceback: configs, data files, arguments, page.

Each command-line case runs ``sim.cli.main`` in this process and checks its exit code (2), its
stderr (one line ``error: ...`` naming what was wrong, no "Traceback") and, for ``run``, that
nothing was written. An exception ``main`` does not turn into a message would propagate and
fail the case: that is what prints a traceback to a user. ``test_the_real_stderr_has_one_line``
runs ``python -m sim`` in a subprocess for two cases, to check the interpreter's own stderr.

The page cases send what a crafted message can send to a widget of a page rendered with
``solara.render`` (the server's side of the page), and check the in-page message and that the
session's model is unchanged.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import ipyvuetify as v
import pytest
import solara

from sim.cli import main
from sim.core.config import MAX_INHERITS
from sim.core.data import ROOT
from sim.core.errors import shown
from sim.viz import app, serve
from sim.viz import members as viz_members
from sim.viz.controls import CONTROLS

HAGUE = str(ROOT / "configs" / "hague.toml")
HEADER = "iso3,name,region,gdp_usd_bn,share_2024,exposure\n"
ROW = "AAA,A,west,100,1.5,0.5\n"
BINARY = b"\xff\xfe\x00\x01PK\x03\x04\x00\x00binary\x00"
LONG_NAME = "a" * 5000  # over the 255 bytes a file name may have (ENAMETOOLONG)


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def config(tmp: Path, text: str, name: str = "bad.toml") -> str:
    return str(write(tmp / name, text))


def unreadable(tmp: Path) -> Path:
    """A file that exists and cannot be read: no permission, or (as root) /proc/self/mem."""
    if os.geteuid() == 0:  # root reads any file; reading this one fails (EIO) even for root
        return Path("/proc/self/mem")
    path = write(tmp / "locked.toml", "[params]\n")
    path.chmod(0)
    return path


def chain(tmp: Path, files: int) -> str:
    """A config inheriting through ``files`` files in all (the last one has [params])."""
    for i in range(files - 1):
        write(tmp / f"c{i}.toml", f'inherits = "c{i + 1}.toml"\n')
    write(tmp / f"c{files - 1}.toml", "[params]\n")
    return str(tmp / "c0.toml")


def symlink_loop(tmp: Path, name: str) -> Path:
    path = tmp / name
    path.symlink_to(path.name)
    return path


Case = Callable[[Path], tuple[list[str], str]]
"""tmp folder -> (command line, text the one error line must contain)."""


def binary_folder(tmp: Path) -> tuple[list[str], str]:
    folder = tmp / "configs"
    folder.mkdir()
    write(folder / "good.toml", "[params]\n")
    write(folder / "zz.toml", BINARY)
    return ["scenarios", "--folder", str(folder)], f"{folder / 'zz.toml'}: key '(encoding)'"


def cycle(tmp: Path) -> tuple[list[str], str]:
    write(tmp / "a.toml", 'inherits = "b.toml"\n')
    write(tmp / "b.toml", 'inherits = "a.toml"\n')
    return (
        ["validate", str(tmp / "a.toml")],
        f"{tmp / 'b.toml'}: key 'inherits' = 'a.toml': expected no inheritance cycle "
        "(a.toml -> b.toml -> a.toml)",
    )


def link_to_nothing(tmp: Path) -> tuple[list[str], str]:
    (tmp / "link.toml").symlink_to(tmp / "gone.toml")
    return ["validate", str(tmp / "link.toml")], "expected a TOML file, not a broken symbolic"


def inherits_folder(tmp: Path) -> tuple[list[str], str]:
    (tmp / "sub").mkdir()
    return (
        ["validate", config(tmp, 'inherits = "sub"\n')],
        "key 'inherits' = 'sub': expected a config file, not a folder",
    )


def inherits_empty(tmp: Path) -> tuple[list[str], str]:
    write(tmp / "e.toml", "")
    return (
        ["validate", config(tmp, 'inherits = "e.toml"\n')],
        f"{tmp / 'e.toml'}: key '(config)' = 'an empty config'",
    )


def sweep_of(tmp: Path, scenario: str) -> str:
    return config(
        tmp,
        f'scenario = "{scenario}"\nreplications = 1\n[axes]\nhegemon_pressure = [0.2, 0.8]\n',
        "sweep.toml",
    )


CONFIG_CASES: dict[str, Case] = {
    "binary TOML (run)": lambda t: (
        ["run", str(write(t / "b.toml", BINARY)), "--out", str(t / "out")],
        f"{t / 'b.toml'}: key '(encoding)' = 'byte 0xff at offset 0': expected UTF-8 text",
    ),
    "binary TOML (sweep)": lambda t: (
        ["sweep", str(write(t / "b.toml", BINARY)), "--out", str(t / "out"), "--quiet"],
        f"{t / 'b.toml'}: key '(encoding)'",
    ),
    "binary TOML in a folder (scenarios --folder)": binary_folder,
    "binary TOML (viz)": lambda t: (["viz", str(write(t / "b.toml", BINARY))], "key '(encoding)'"),
    "binary TOML as a sweep's scenario": lambda t: (
        ["sweep", sweep_of(t, write(t / "b.toml", BINARY).name), "--out", str(t / "out")],
        f"{t / 'b.toml'}: key '(encoding)'",
    ),
    "Latin-1 TOML": lambda t: (
        [
            "validate",
            str(write(t / "l.toml", 'description = "caf\xe9"\n[params]\n'.encode("latin-1"))),
        ],
        "key '(encoding)' = 'byte 0xe9 at offset 18'",
    ),
    "1,500-file inherits chain": lambda t: (
        ["validate", chain(t, 1500)],
        f"{t / 'c31.toml'}: key 'inherits' = 'c32.toml': expected at most {MAX_INHERITS} files",
    ),
    f"{MAX_INHERITS + 1}-file inherits chain": lambda t: (
        ["validate", chain(t, MAX_INHERITS + 1)],
        f"expected at most {MAX_INHERITS} files",
    ),
    "inherits cycle": cycle,
    "inherits itself": lambda t: (
        ["validate", config(t, 'inherits = "bad.toml"\n')],
        "no inheritance cycle (bad.toml -> bad.toml)",
    ),
    "config is a symlink loop": lambda t: (
        ["run", str(symlink_loop(t, "loop.toml")), "--out", str(t / "out")],
        "key '(file)' = '" + str(t / "loop.toml") + "': expected a TOML file, not a broken",
    ),
    "config is a link to nothing": link_to_nothing,
    "5,000-character config path": lambda t: (
        ["run", LONG_NAME, "--out", str(t / "out")],
        "expected a usable file name (File name too long)",
    ),
    "config is a folder": lambda t: (
        ["run", str(t), "--out", str(t / "out")],
        f"{t}: key '(file)' = '{t}': expected a TOML file, not a folder",
    ),
    "config does not exist": lambda t: (
        ["run", str(t / "nope.toml"), "--out", str(t / "out")],
        "expected an existing TOML file or the name of a shipped scenario",
    ),
    "empty config name": lambda t: (
        ["validate", ""],
        "(command line): key '(file)' = '': expected a config file or the name of a shipped",
    ),
    "inherits a folder": inherits_folder,
    "inherits an unreadable file": lambda t: (
        ["validate", config(t, f'inherits = "{unreadable(t)}"\n')],
        "expected a readable TOML file (",
    ),
    "inherits a symlink loop": lambda t: (
        ["validate", config(t, f'inherits = "{symlink_loop(t, "loop.toml").name}"\n')],
        "key 'inherits' = 'loop.toml': expected a config file, not a broken symbolic link",
    ),
    "inherits a missing file": lambda t: (
        ["validate", config(t, 'inherits = "gone.toml"\n')],
        "key 'inherits' = 'gone.toml': expected an existing config file next to bad.toml",
    ),
    "inherits a 5,000-character name": lambda t: (
        ["validate", config(t, f'inherits = "{LONG_NAME}.toml"\n')],
        "expected a usable file name (File name too long)",
    ),
    "inherits a number": lambda t: (
        ["validate", config(t, "inherits = 5\n")],
        "key 'inherits' = 5: expected a file name",
    ),
    "inherits an empty name": lambda t: (
        ["validate", config(t, 'inherits = ""\n')],
        "key 'inherits' = '': expected a file name",
    ),
    "empty config": lambda t: (
        ["run", config(t, ""), "--out", str(t / "out")],
        "key '(config)' = 'an empty config': expected at least `inherits` or a [params] table",
    ),
    "config of comments only": lambda t: (
        ["validate", config(t, "# nothing here\n\n# at all\n")],
        "'an empty config': expected at least `inherits` or a [params] table",
    ),
    "config with only a description": lambda t: (
        ["validate", config(t, 'description = "no parameters"\n')],
        "'no `inherits` and no [params]': expected at least `inherits` or a [params] table",
    ),
    "empty inherited config": inherits_empty,
    "[params] not a table": lambda t: (
        ["validate", config(t, "params = 3\n")],
        "key 'params' = 3: expected a table",
    ),
    "seed a float": lambda t: (
        ["validate", config(t, "seed = 1.5\n[params]\n")],
        "key 'seed' = 1.5: expected an integer from 0 to",
    ),
    "seed a bool": lambda t: (
        ["validate", config(t, "seed = true\n[params]\n")],
        "key 'seed' = True: expected an integer from 0 to",
    ),
    "seed negative": lambda t: (
        ["validate", config(t, "seed = -1\n[params]\n")],
        "key 'seed' = -1: expected an integer from 0 to",
    ),
    "seed over 2**63 - 1": lambda t: (
        ["validate", config(t, f"seed = {2**63}\n[params]\n")],
        f"key 'seed' = {2**63}: expected an integer from 0 to {2**63 - 1}",
    ),
    "seed a string": lambda t: (
        ["validate", config(t, 'seed = "7"\n[params]\n')],
        "key 'seed' = '7': expected an integer",
    ),
    "description not a string": lambda t: (
        ["validate", config(t, "description = 3\n[params]\n")],
        "key 'description' = 3: expected a string",
    ),
    "unknown top-level key": lambda t: (
        ["validate", config(t, "hegemon_pressure = 0.2\n")],
        "key 'hegemon_pressure' = 0.2: expected one of name",
    ),
    "unknown parameter": lambda t: (
        ["validate", config(t, "[params]\nhegemon_presure = 0.3\n")],
        "key 'params.hegemon_presure' = 0.3: expected one of the known parameters (did you mean "
        "'hegemon_pressure'?",
    ),
    "TOML syntax error": lambda t: (["validate", config(t, "[params\n")], "key '(syntax)'"),
    "TOML nested 5,000 deep": lambda t: (
        ["validate", config(t, "[params]\nx = " + "[" * 5000 + "\n")],
        "key '(syntax)' = 'tables or arrays nested too deeply'",
    ),
    "sweep config missing": lambda t: (
        ["sweep", str(t / "none.toml")],
        "expected an existing TOML file",
    ),
    "sweep config a folder": lambda t: (["sweep", str(t)], "expected a TOML file, not a folder"),
    "sweep of an empty scenario": lambda t: (
        ["sweep", sweep_of(t, write(t / "e.toml", "").name), "--out", str(t / "out")],
        "'an empty config'",
    ),
}


def members_config(tmp: Path, key: str, path: Path) -> str:
    return config(tmp, f'inherits = "{HAGUE}"\n[params]\n{key} = "{path}"\n', "data.toml")


def data_case(key: str, content: str | bytes | None, needle: str, *, via: str = "--set") -> Case:
    """A data file named by parameter ``key`` (content None: the path is made by the case)."""

    def case(tmp: Path) -> tuple[list[str], str]:
        path = write(tmp / "table.csv", content) if content is not None else tmp / "table.csv"
        if via == "config":
            return (
                ["validate", members_config(tmp, key, path)],
                f"{tmp / 'data.toml'}: key 'params.{key}' = '{path}': expected a readable",
            )
        return (
            ["validate", HAGUE, "--set", f"{key}={path}"],
            f"--set: key '{key}' = '{path}': expected a readable {needle}",
        )

    return case


def data_path_case(make: Callable[[Path], Path]) -> Case:
    """A members file at a path the case makes (a folder, a link, a long name)."""

    def case(tmp: Path) -> tuple[list[str], str]:
        path = make(tmp)
        return (
            ["validate", HAGUE, "--set", f"members_file={path}"],
            f"--set: key 'members_file' = {shown(repr(str(path)))}: expected a readable member "
            "table (",
        )

    return case


MULTIPLIERS = "region,threat_multiplier,pressure_multiplier\n"
DATA_CASES: dict[str, Case] = {
    "binary members CSV": data_case("members_file", BINARY, "member table (", via="--set"),
    "binary members CSV (in a config)": data_case("members_file", BINARY, "", via="config"),
    "UTF-16 members CSV": data_case(
        "members_file", (HEADER + ROW).encode("utf-16"), "member table ("
    ),
    "members file is a folder": data_path_case(lambda t: t),
    "members file missing": data_path_case(lambda t: t / "none.csv"),
    "members file a symlink loop": data_path_case(lambda t: symlink_loop(t, "loop.csv")),
    "members file 5,000-character name": data_path_case(lambda t: t / LONG_NAME),
    "members file empty": data_case("members_file", "", "member table ("),
    "members file header only": data_case("members_file", HEADER, "member table ("),
    "members row shorter than the header": data_case(
        "members_file", HEADER + "AAA,A\n", "member table ("
    ),
    "members column missing": data_case(
        "members_file", "iso3,name,region,share_2024\nAAA,A,west,1.0\n", "member table ("
    ),
    "members number malformed": data_case(
        "members_file", HEADER + "AAA,A,west,12x,1.5,0.5\n", "member table ("
    ),
    "members share negative": data_case(
        "members_file", HEADER + "AAA,A,west,100,-1.5,0.5\n", "member table ("
    ),
    "members share NaN": data_case(
        "members_file", HEADER + "AAA,A,west,100,nan,0.5\n", "member table ("
    ),
    "members GDP infinite": data_case(
        "members_file", HEADER + "AAA,A,west,inf,1.5,0.5\n", "member table ("
    ),
    "members duplicate": data_case("members_file", HEADER + ROW + ROW, "member table ("),
    "members GDP 0": data_case("members_file", HEADER + "AAA,A,west,0,1.5,0.5\n", "member"),
    "members GDP 1e308": data_case("members_file", HEADER + "AAA,A,west,1e308,1.5,0.5\n", "member"),
    "members share over 100%": data_case(
        "members_file", HEADER + "AAA,A,west,1,150,0.5\n", "member"
    ),
    "members exposure over 1": data_case("members_file", HEADER + "AAA,A,west,1,1.5,7\n", "member"),
    "members shares all 0": data_case("members_file", HEADER + "AAA,A,west,1,0,0.5\n", "member"),
    "members ISO3 malformed (NUL byte)": data_case(
        "members_file", HEADER + "AA\x00,A,west,100,1.5,0.5\n", "member table ("
    ),
    "members field over the CSV limit": data_case(
        "members_file", HEADER + "AAA," + "x" * 200_000 + ",west,100,1.5,0.5\n", "member table ("
    ),
    "region table binary": data_case(
        "region_behaviour_file", BINARY, "table of region multipliers ("
    ),
    "region table column missing": data_case(
        "region_behaviour_file",
        "region,threat_multiplier\nwestern,1\n",
        "table of region multipliers (",
    ),
    "region table duplicate region": data_case(
        "region_behaviour_file",
        MULTIPLIERS + "western,1,1\nwestern,1,1\n",
        "table of region multipliers (",
    ),
    "region table (in a config)": data_case(
        "region_behaviour_file", MULTIPLIERS + "w,x,1\n", "", via="config"
    ),
    "member table binary": data_case(
        "member_behaviour_file", BINARY, "table of member multipliers ("
    ),
    "member table ISO3 malformed": data_case(
        "member_behaviour_file",
        "iso3,threat_multiplier,pressure_multiplier\nBE,1,1\n",
        "table of member multipliers (",
    ),
}
DATA_MESSAGES = {  # what the data file's own message says, after the key
    "binary members CSV": "not UTF-8 text (byte 0xff at offset 0)",
    "binary members CSV (in a config)": "not UTF-8 text",
    "UTF-16 members CSV": "not UTF-8 text (byte 0xff at offset 0)",
    "members file is a folder": "a folder, expected a CSV file",
    "members file missing": "none.csv: file not found",
    "members file a symlink loop": "a broken symbolic link",
    "members file 5,000-character name": "cannot be read (File name too long)",
    "members file empty": "empty file (no header)",
    "members file header only": "no members",
    "members row shorter than the header": "row 2, column 'region': the row has fewer fields",
    "members column missing": "missing column 'gdp_usd_bn'",
    "members number malformed": "row 2, column 'gdp_usd_bn': malformed number '12x'",
    "members share negative": "column 'share_2024': '-1.5' is not a finite non-negative",
    "members share NaN": "column 'share_2024': 'nan' is not a finite non-negative",
    "members GDP infinite": "column 'gdp_usd_bn': 'inf' is not a finite non-negative",
    "members duplicate": "row 3, column 'iso3': duplicate member AAA",
    "members GDP 0": "row 2, column 'gdp_usd_bn': '0': expected a number above 0",
    "members GDP 1e308": "column 'gdp_usd_bn': '1e308': expected a number at most 1e+06",
    "members share over 100%": "column 'share_2024': '150': expected a number at most 100",
    "members exposure over 1": "column 'exposure': '7': expected a number at most 1",
    "members shares all 0": "column 'share_2024': every member's share is 0",
    "members ISO3 malformed (NUL byte)": "malformed ISO3 code 'AA\\x00'",
    "members field over the CSV limit": "not a readable CSV table (field larger than",
    "region table binary": "not UTF-8 text",
    "region table column missing": "missing column 'pressure_multiplier'",
    "region table duplicate region": "row 3, column 'region': duplicate region 'western'",
    "region table (in a config)": "row 2, column 'threat_multiplier': malformed number 'x'",
    "member table binary": "not UTF-8 text",
    "member table ISO3 malformed": "row 2, column 'iso3': malformed ISO3 code 'BE'",
}


def taken_port(tmp: Path) -> tuple[list[str], str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    taken_port.listener = listener  # kept open for the case; closed by the test
    port = listener.getsockname()[1]
    return ["viz", "--port", str(port)], f"--port: key 'port' = {port}: expected a free port"


ARGUMENT_CASES: dict[str, Case] = {
    "--set unknown key": lambda t: (
        ["validate", HAGUE, "--set", "nosuch=1"],
        "--set: key 'nosuch' = 1: expected one of the known",
    ),
    "--set without '='": lambda t: (
        ["validate", HAGUE, "--set", "hegemon_pressure"],
        "--set: key 'hegemon_pressure' = 'hegemon_pressure': expected KEY=VALUE",
    ),
    "--set without a key": lambda t: (
        ["validate", HAGUE, "--set", "=3"],
        "key '=3' = '=3': expected KEY=VALUE",
    ),
    "--set value out of range": lambda t: (
        ["run", HAGUE, "--set", "hegemon_pressure=7", "--out", str(t / "out")],
        "--set: key 'hegemon_pressure' = 7: expected a value",
    ),
    "--set value not a number": lambda t: (
        ["validate", HAGUE, "--set", "hegemon_pressure=lots"],
        "key 'hegemon_pressure' = 'lots': expected a number",
    ),
    "--set value nested 5,000 deep": lambda t: (
        ["validate", HAGUE, "--set", "x=" + "[" * 5000],
        "expected a value nested a few",
    ),
    "--seed -1": lambda t: (
        ["run", HAGUE, "--seed", "-1", "--out", str(t / "out")],
        "--seed: key 'seed' = -1: expected an integer from 0 to",
    ),
    "--seed 2**63": lambda t: (
        ["run", HAGUE, "--seed", str(2**63), "--out", str(t / "out")],
        f"--seed: key 'seed' = {2**63}: expected an integer from 0 to",
    ),
    "--seed of 100 digits": lambda t: (
        ["validate", HAGUE, "--seed", "9" * 100],
        "expected an integer from 0 to 9223372036854775807",
    ),
    "unknown scenario name": lambda t: (
        ["run", "no_such_scenario", "--out", str(t / "out")],
        "key '(file)' = 'no_such_scenario': expected an existing",
    ),
    "--port 0": lambda t: (
        ["viz", "--port", "0"],
        "--port: key 'port' = 0: expected a port number 1-65535",
    ),
    "--port 70000": lambda t: (["viz", "--port", "70000"], "key 'port' = 70000"),
    "--port taken": taken_port,
    "--host not of this machine": lambda t: (
        ["viz", "--host", "192.0.2.1", "--port", "8765"],  # TEST-NET-1 (RFC 5737): nobody's
        "--host: key 'host' = '192.0.2.1': expected an address of this machine",
    ),
    "scenarios --folder missing": lambda t: (
        ["scenarios", "--folder", str(t / "none")],
        "expected an existing folder of configs",
    ),
    "scenarios --folder a file": lambda t: (
        ["scenarios", "--folder", config(t, "[params]\n")],
        "expected an existing folder",
    ),
    "scenarios --folder 5,000 characters": lambda t: (
        ["scenarios", "--folder", LONG_NAME],
        "expected a readable folder of configs (File name",
    ),
}
ARGPARSE_CASES = {  # argparse's own check: a usage line, then one error line
    "--seed not an integer": (["run", "--seed", "x"], "argument --seed: invalid int value: 'x'"),
    "--port not an integer": (["viz", "--port", "http"], "argument --port: invalid int value"),
}


@pytest.fixture
def no_server(monkeypatch):
    """Bad input must stop ``sim viz`` before the server starts."""
    monkeypatch.setattr(serve.subprocess, "Popen", lambda *a, **k: pytest.fail("server started"))


def assert_one_line_error(capsys, argv: list[str], needle: str) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    assert len(lines[0]) < 1500  # the long paths are shortened in the middle
    assert code == 2
    return lines[0]


def check_case(case: Case, tmp_path: Path, capsys) -> None:
    argv, needle = case(tmp_path)
    files = sorted(tmp_path.rglob("*")) if tmp_path.exists() else []
    assert_one_line_error(capsys, argv, needle)
    assert not (tmp_path / "out").exists()  # nothing half-written
    assert sorted(tmp_path.rglob("*")) == files


@pytest.mark.parametrize("name", list(CONFIG_CASES))
def test_bad_config(name, tmp_path, capsys, no_server):
    check_case(CONFIG_CASES[name], tmp_path, capsys)


@pytest.mark.parametrize("name", list(DATA_CASES))
def test_bad_data_file(name, tmp_path, capsys):
    argv, needle = DATA_CASES[name](tmp_path)
    line = assert_one_line_error(capsys, argv, needle)
    assert DATA_MESSAGES[name] in line


@pytest.mark.parametrize("name", list(ARGUMENT_CASES))
def test_bad_argument(name, tmp_path, capsys, no_server):
    try:
        check_case(ARGUMENT_CASES[name], tmp_path, capsys)
    finally:
        if hasattr(taken_port, "listener"):
            taken_port.listener.close()
            del taken_port.listener


@pytest.mark.parametrize("name", list(ARGPARSE_CASES))
def test_bad_argument_type(name, capsys):
    argv, needle = ARGPARSE_CASES[name]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and needle in err.splitlines()[-1]


# --- the safety net in sim.cli.main ---------------------------------------------------------


def test_an_os_error_escaping_a_command_is_one_line(monkeypatch, capsys):
    def denied(folder):
        raise PermissionError(13, "Permission denied", "/srv/configs/x.toml")

    monkeypatch.setattr("sim.core.config.list_scenarios", denied)
    assert main(["scenarios"]) == 2
    assert capsys.readouterr().err == "error: /srv/configs/x.toml: Permission denied\n"


def test_ctrl_c_exits_130_with_one_line(monkeypatch, capsys):
    def interrupted(folder):
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.core.config.list_scenarios", interrupted)
    assert main(["scenarios"]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err


def test_a_programming_error_keeps_its_traceback(monkeypatch):
    def bug(folder):
        return 1 / 0

    monkeypatch.setattr("sim.core.config.list_scenarios", bug)
    with pytest.raises(ZeroDivisionError):
        main(["scenarios"])


def test_the_real_stderr_has_one_line(tmp_path):
    binary = write(tmp_path / "b.toml", BINARY)
    for argv in (["run", str(binary), "--out", str(tmp_path / "out")], ["validate", LONG_NAME]):
        result = subprocess.run(
            [sys.executable, "-m", "sim", *argv],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
        assert result.returncode == 2
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
        assert result.stderr.startswith("error: ")
    assert not (tmp_path / "out").exists()


# --- the page ---------------------------------------------------------------------------------


@pytest.fixture
def session(monkeypatch):
    """The page of one browser session, one quarter in, as the server holds it."""
    monkeypatch.delenv(app.ENV_CONFIG, raising=False)
    _, rc = solara.render(app.Page(), handle_error=False)
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Tabs).widget.v_model = app.TABS.index("Members")  # the tiles and the card
    yield rc
    rc.close()


def texts(rc, cls: str) -> list[str]:
    return ["".join(map(str, w.children)) for w in rc.find(v.Html, class_=cls).widgets]


def errors(rc) -> list[str]:
    return ["".join(map(str, w.children)) for w in rc.find(v.Alert, class_="viz-error").widgets]


def state(rc) -> tuple:
    """What must not change: the running line, the quarter and the members' tiles."""
    return (
        texts(rc, "viz-running"),
        texts(rc, "viz-step"),
        rc.find(viz_members.TilesWidget).widget.tiles,
    )


def picker(value: object) -> Callable:
    def send(rc, tmp: Path) -> None:
        sent = value(tmp) if callable(value) else value
        rc.find(v.Select, class_="viz-scenario").widget.v_model = sent

    return send


def typed(cls: str, text: str) -> Callable:
    def send(rc, tmp: Path) -> None:
        widget = rc.find(v.TextField, class_=cls).widget
        widget.v_model = text
        widget.fire_event("keyup.enter", None)

    return send


def slider(name: str, value: object) -> Callable:
    """Send a value to the slider of a control parameter."""
    spec = next(s for s in CONTROLS if s.name == name)

    def send(rc, tmp: Path) -> None:
        current = float(rc.find(v.TextField, class_=f"viz-input-{name}").widget.v_model)
        [widget] = [
            w
            for w in rc.find(v.Slider).widgets
            if (w.min, w.max, w.step) == (spec.min, spec.max, spec.step)
            and abs(w.v_model - spec.clamp(current)) < 1e-9
        ]
        widget.v_model = value

    return send


PAGE_CASES: dict[str, tuple[Callable, str]] = {
    "picker: /etc/passwd": (
        picker("/etc/passwd"),
        "Could not open '/etc/passwd': expected one of the scenarios in the list",
    ),
    "picker: ../../x.toml": (picker("../../x.toml"), "Could not open '../../x.toml': expected"),
    "picker: a name not in the list": (
        picker("nonexistent.toml"),
        "Could not open 'nonexistent.toml': expected one of",
    ),
    "picker: a binary file's path": (
        picker(lambda t: str(write(t / "b.toml", BINARY))),
        "expected one of the scenarios in the list",
    ),
    "picker: a shipped data file's path": (
        picker(str(ROOT / "seeds" / "nato_members.csv")),
        "expected one of the scenarios in the list",
    ),
    "picker: a number": (picker(5), "Could not open 5: expected one of the scenarios"),
    "picker: a list": (picker(["hague.toml"]), "Could not open ['hague.toml']: expected"),
    "picker: 5,000 characters": (picker(LONG_NAME), "characters]..."),
    "seed: -1": (
        typed("viz-input-seed", "-1"),
        "Seed not applied: seed -1: expected a non-negative integer.",
    ),
    "seed: 2**63": (
        typed("viz-input-seed", str(2**63)),
        f"Seed not applied: seed {2**63}: expected an integer from 0 to 9223372036854775807.",
    ),
    "seed: 5,000 digits": (typed("viz-input-seed", "9" * 5000), "Seed not applied: "),
    "seed: words": (typed("viz-input-seed", "forty-two"), "Seed not applied: seed 'forty-two'"),
    "seed: 1.5": (typed("viz-input-seed", "1.5"), "Seed not applied: seed '1.5'"),
    "control text: nan": (
        typed("viz-input-hegemon_pressure", "nan"),
        "Not applied: US pressure = nan; expected a finite number.",
    ),
    "control text: inf": (
        typed("viz-input-hegemon_pressure", "inf"),
        "US pressure = inf; expected a finite number.",
    ),
    "control text: 1e400": (
        typed("viz-input-hegemon_pressure", "1e400"),
        "US pressure = inf; expected a finite number.",
    ),
    "control text: -1": (
        typed("viz-input-hegemon_pressure", "-1"),
        "US pressure = -1.0; expected a value >= 0.0",
    ),
    "control text: 5,000 characters": (
        typed("viz-input-hegemon_pressure", LONG_NAME),
        "characters]...",
    ),
    "control text: empty": (
        typed("viz-input-rival_target_ratio", ""),
        "Not applied: Rival's target ratio = ''; expected a number.",
    ),
    "control slider: 1e9": (
        slider("hegemon_pressure", 1e9),
        "US pressure = 1000000000.0; expected a value <= 1.0",
    ),
}


@pytest.mark.parametrize("name", list(PAGE_CASES))
def test_bad_page_input(name, session, tmp_path):
    send, needle = PAGE_CASES[name]
    before = state(session)
    send(session, tmp_path)
    messages = errors(session)
    assert any(needle in m for m in messages), messages
    for message in messages:
        assert "\n" not in message and "Traceback" not in message and len(message) < 600
    if name.startswith("picker"):
        assert state(session) == before  # the same model, quarter and running line
    session.find(v.Btn, children=["Reset"]).widget.click()  # invalid values: the model's own
    assert texts(session, "viz-running") == before[0]


IGNORED: dict[str, Callable] = {  # values no widget sends; a crafted message's are dropped
    "control slider: text": slider("hegemon_pressure", "abc"),
    "control slider: None": slider("hegemon_pressure", None),
    "control slider: a list": slider("noise_sd_pp", [1, 2]),
    "control slider: NaN": slider("hegemon_pressure", float("nan")),
    "control slider: infinity": slider("rival_target_ratio", float("inf")),
    "tile: a path": lambda rc, t: setattr(
        rc.find(viz_members.TilesWidget).widget, "selected", "/etc/passwd"
    ),
    "tile: a number": lambda rc, t: setattr(rc.find(viz_members.TilesWidget).widget, "selected", 5),
    "play clock: a text request": lambda rc, t: setattr(
        rc.find(app.PlayClock).widget, "request", "now"
    ),
}


@pytest.mark.parametrize("name", list(IGNORED))
def test_crafted_widget_values_are_ignored(name, session, tmp_path):
    before = state(session)
    values = [w.v_model for w in session.find(v.TextField).widgets]
    IGNORED[name](session, tmp_path)
    assert state(session) == before and not errors(session)
    assert [w.v_model for w in session.find(v.TextField).widgets] == values
    assert not session.find(v.Alert, class_="viz-pending").widgets  # nothing to apply at Reset
    # the member card still renders, with no member selected
    session.find(
        v.Html, children=["Click a tile to see a member's numbers and its last decision."]
    ).assert_single()


@pytest.mark.parametrize(
    ("sent", "interval"), [("fast", 250), (-5, 50), (1e12, 2000), (float("nan"), 250)]
)
def test_crafted_play_interval_is_clamped(session, sent, interval):
    [widget] = [w for w in session.find(v.Slider).widgets if w.max == 2000]
    widget.v_model = sent
    assert session.find(app.PlayClock).widget.interval == interval
