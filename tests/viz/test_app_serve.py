"""Tests of ``python -m sim viz`` (sim.viz.serve) that do not start a server."""

from __future__ import annotations

import argparse
import socket
import sys

import pytest

from sim.cli import build_parser, main
from sim.core.config import ConfigError
from sim.core.data import ROOT
from sim.viz import serve


def args(config=None, port=8765, host="127.0.0.1"):
    return argparse.Namespace(config=config, port=port, host=host)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeServer:
    """Stands for the solara server process: records its command and environment."""

    seen: dict = {}

    def __init__(self, cmd, env):
        FakeServer.seen = {"cmd": cmd, "env": env}

    def wait(self):
        return 0

    def send_signal(self, signum):
        pass


def test_bad_config_is_a_clear_error_with_exit_2(capsys, monkeypatch):
    monkeypatch.setattr(serve.subprocess, "Popen", lambda *a, **k: pytest.fail("server started"))
    with pytest.raises(ConfigError, match="missing.toml"):
        serve.cli_viz(args("configs/missing.toml"))
    assert main(["viz", "configs/missing.toml"]) == 2
    assert "error:" in capsys.readouterr().err


def test_invalid_config_value_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(serve.subprocess, "Popen", lambda *a, **k: pytest.fail("server started"))
    bad = tmp_path / "bad.toml"
    bad.write_text("[params]\nhegemon_pressure = 7\n")
    with pytest.raises(ConfigError, match="hegemon_pressure"):
        serve.cli_viz(args(str(bad)))


def test_bad_port_is_an_error():
    with pytest.raises(ConfigError, match="port"):
        serve.cli_viz(args(port=70000))


def test_command_serves_the_app_offline_on_localhost_by_default():
    parsed = build_parser().parse_args(["viz"])
    assert (parsed.host, parsed.port, parsed.config) == ("127.0.0.1", 8765, None)
    cmd = serve.server_command(parsed.host, parsed.port)
    assert (
        cmd[:3] == [sys.executable, "-m", "solara"] and str(ROOT / "sim" / "viz" / "app.py") in cmd
    )
    for flag in ("--production", "--no-open", "--no-check-version"):
        assert flag in cmd
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"


def test_server_env_passes_the_config_and_turns_telemetry_off(monkeypatch):
    monkeypatch.setenv(serve.CONFIG_ENV, "stale.toml")
    env = serve.server_env(ROOT / "configs" / "hegemon_weak.toml")
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert env[serve.CONFIG_ENV].endswith("hegemon_weak.toml")
    assert serve.CONFIG_ENV not in serve.server_env(None)


def test_cli_viz_runs_solara_with_the_validated_config(monkeypatch, capsys):
    monkeypatch.setattr(serve.subprocess, "Popen", FakeServer)
    port = free_port()
    assert serve.cli_viz(args(str(ROOT / "configs" / "rival_ratio_3.toml"), port=port)) == 0
    seen = FakeServer.seen
    assert seen["env"][serve.CONFIG_ENV] == str(ROOT / "configs" / "rival_ratio_3.toml")
    assert seen["cmd"][seen["cmd"].index("--port") + 1] == str(port)
    assert "warning" not in capsys.readouterr().err  # 127.0.0.1: this machine only


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_serving_beyond_this_machine_warns_first_that_there_is_no_login(monkeypatch, capsys, host):
    if host == "::" and not socket.has_ipv6:
        pytest.skip("no IPv6")
    order = []
    monkeypatch.setattr(
        serve.subprocess, "Popen", lambda cmd, env: order.append("server") or FakeServer(cmd, env)
    )
    real_print = print

    def recording_print(*a, **k):
        order.append("print")
        real_print(*a, **k)

    monkeypatch.setattr("builtins.print", recording_print)
    assert main(["viz", "--host", host, "--port", str(free_port())]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"warning: --host {host}: the page has no authentication")
    assert order.index("server") > order.index("print")  # warned before serving
    assert FakeServer.seen["cmd"][FakeServer.seen["cmd"].index("--host") + 1] == host


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "LOCALHOST"])
def test_this_machine_only_hosts_give_no_warning(host):
    assert serve.host_warning(host) is None
    assert serve.host_warning("0.0.0.0") is not None


def test_a_taken_port_is_an_error_before_serving(monkeypatch):
    monkeypatch.setattr(serve.subprocess, "Popen", lambda *a, **k: pytest.fail("server started"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=rf"--port: key 'port' = {port}: expected a free"):
            serve.cli_viz(args(port=port))


def test_offline_assets_are_installed_versioned_files():
    # solara-assets (pinned in pyproject.toml) ships versioned folders only (vega@5.21.0, ...);
    # the charts must find those with no alias links made after install.
    from sim.viz import chart as viz_chart

    assert viz_chart.missing_assets() == []
    paths = viz_chart.vega_paths()
    for name, (major, file) in viz_chart.VEGA_PACKAGES.items():
        folder = paths[name].split("/", 1)[0]
        assert folder.startswith(f"{name}@{major}.") and paths[name].endswith(file)
        assert (viz_chart.asset_dir() / paths[name]).is_file()


def test_vega_paths_pick_newest_of_the_major(tmp_path, monkeypatch):
    from sim.viz import chart as viz_chart

    for folder in (
        "vega@5.9.0",
        "vega@5.21.0",
        "vega@6.0.0",
        "vega-lite@5.2.0",
        "vega-embed@6.20.2",
    ):
        name = folder.split("@")[0]
        (tmp_path / folder / "build").mkdir(parents=True)
        (tmp_path / folder / "build" / f"{name}.min.js").write_text("")
    (tmp_path / "vega@5.30.0").mkdir()  # no build file: not usable
    monkeypatch.setattr(viz_chart, "asset_dir", lambda: tmp_path)
    viz_chart.vega_paths.cache_clear()
    try:
        # 5.21.0 beats 5.9.0 numerically (not as text); 6.0.0 is the wrong major
        assert viz_chart.vega_paths()["vega"] == "vega@5.21.0/build/vega.min.js"
        (tmp_path / "vega-embed@6.20.2" / "build" / "vega-embed.min.js").unlink()
        viz_chart.vega_paths.cache_clear()
        assert viz_chart.missing_assets() == ["vega-embed@6"]
    finally:
        viz_chart.vega_paths.cache_clear()
