"""Serving the web page: ``python -m sim viz [CONFIG] [--port N] [--host H]``.

This module owns starting the Solara server for ``sim/app.py``: it validates the scenario
config first (a bad config is a :class:`sim.config.ConfigError`, so the command line prints one
message and exits with 2), passes it to the page through ``SIM_VIZ_CONFIG``, turns off
Solara's telemetry and version check (the page must work with no internet), and runs
``solara run sim/app.py --production --no-open`` on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from sim.config import ConfigError, find_config, load_scenario

APP = Path(__file__).resolve().parent / "app.py"
CONFIG_ENV = "SIM_VIZ_CONFIG"


def server_command(host: str, port: int) -> list[str]:
    """The command that serves the page."""
    return [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version"]


def server_env(config: Path | None) -> dict[str, str]:
    """The server's environment: the config for the page, telemetry off."""
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    if config is not None:
        env[CONFIG_ENV] = str(config)
    else:
        env.pop(CONFIG_ENV, None)
    return env


def cli_viz(args: argparse.Namespace) -> int:
    """Validate the config, then serve the page until interrupted.

    Args:
        args: ``config`` (optional path), ``host`` and ``port``.

    Returns:
        The server's exit code (0 after Ctrl-C).

    Raises:
        ConfigError: for a bad config or port.
    """
    config = None
    if args.config:
        config = find_config(args.config).resolve()
        load_scenario(config)  # raises ConfigError naming the file, key and value
    if not 0 < args.port < 65536:
        raise ConfigError("--port", "port", args.port, "a port number 1-65535")
    from sim.viz_chart import asset_dir, missing_assets

    missing = missing_assets()
    if missing:
        print(f"warning: front-end assets missing from {asset_dir()} ({', '.join(missing)}): "
              "the plots will stay empty offline. Reinstall the package's dependencies "
              "(solara-assets).", file=sys.stderr)
    print(f"serving the model page on http://{args.host}:{args.port} (Ctrl-C stops)",
          file=sys.stderr)
    proc = subprocess.Popen(server_command(args.host, args.port), env=server_env(config))
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: proc.send_signal(signum))
    try:
        return proc.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches the server too; let it shut down
        proc.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
