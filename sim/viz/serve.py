"""Serving the web page: ``python -m sim viz [CONFIG] [--port N] [--host H]``.

This module owns starting the Solara server for ``sim/viz/app.py``: it validates the scenario
config first (a bad config is a :class:`sim.core.config.ConfigError`, so the command line prints one
message and exits with 2), passes it to the page through ``SIM_VIZ_CONFIG``, turns off
Solara's telemetry and version check (the page must work with no internet), and runs
``solara run sim/viz/app.py --production --no-open`` on 127.0.0.1 unless told otherwise.

The page has no authentication: anyone who can reach its address can use it (run models on
this machine). Serving on another address than this machine's loopback (``--host 0.0.0.0``, a
network address) therefore prints a warning first (:func:`host_warning`). A host that does not
resolve or is not this machine's, and a port that is taken, are errors before the server starts
(:func:`check_address`), not a server log line after "serving".
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from sim.core.config import ConfigError, find_config, load_scenario

APP = Path(__file__).resolve().parent / "app.py"
CONFIG_ENV = "SIM_VIZ_CONFIG"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
"""Hosts that serve the page to this machine only (no warning)."""


def host_warning(host: str) -> str | None:
    """The warning printed before serving on ``host``, or None for this machine only."""
    if host.strip().strip("[]").lower() in LOCAL_HOSTS:
        return None
    return (
        f"warning: --host {host}: the page has no authentication; anyone who can reach "
        "this address can open it and run models on this machine. Use it only on a network "
        "you trust (the default, 127.0.0.1, serves this machine only)."
    )


def check_address(host: str, port: int) -> None:
    """Check that the server can listen on ``host:port``, before starting it.

    Raises:
        ConfigError: for a port outside 1-65535, a host that does not resolve or is not an
            address of this machine, or a port another program listens on.
    """
    if not 0 < port < 65536:
        raise ConfigError("--port", "port", port, "a port number 1-65535")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (OSError, UnicodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise ConfigError(
            "--host", "host", host, f"a host name or address of this machine ({reason})"
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise ConfigError(
                    "--port", "port", port, f"a free port on {host} (another program listens on it)"
                ) from None
            raise ConfigError(
                "--host", "host", host, f"an address of this machine ({err.strerror})"
            ) from None


def server_command(host: str, port: int) -> list[str]:
    """The command that serves the page."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP),
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]


def server_env(config: Path | None) -> dict[str, str]:
    """The server's environment: the config for the page, telemetry off."""
    env = dict(os.environ)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    env["SOLARA_THEME_SHOW_BANNER"] = "false"  # its corner banner covered the page (layout.py)
    if config is not None:
        env[CONFIG_ENV] = str(config)
    else:
        env.pop(CONFIG_ENV, None)
    return env


def warm_up() -> None:
    """Compile the model's equations (or load them from the cache) before the page is served.

    The first use on a machine compiles them (about 20 s, then cached): done here, with a
    message, rather than on the page's first click. A one-quarter step of the default model
    goes through every entry point the page uses.
    """
    from sim.abm.model import AllianceModel
    from sim.core.dynamics.compiled import is_compiled

    if not (is_compiled("advance") and is_compiled("record") and is_compiled("initialise")):
        print(
            "compiling the model's equations for this machine (first use only, about 20 s)...",
            file=sys.stderr,
        )
    AllianceModel().step()


def cli_viz(args: argparse.Namespace) -> int:
    """Validate the config, then serve the page until interrupted.

    Args:
        args: ``config`` (optional path), ``host`` and ``port``.

    Returns:
        The server's exit code (0 after Ctrl-C).

    Raises:
        ConfigError: for a bad config, host or port (see :func:`check_address`).
    """
    config = None
    if args.config:
        config = find_config(args.config).resolve()
        load_scenario(config)  # raises ConfigError naming the file, key and value
    check_address(args.host, args.port)
    from sim.viz.chart import asset_dir, missing_assets

    missing = missing_assets()
    if missing:
        print(
            f"warning: front-end assets missing from {asset_dir()} ({', '.join(missing)}): "
            "the plots will stay empty offline. Reinstall the package's dependencies "
            "(solara-assets).",
            file=sys.stderr,
        )
    warning = host_warning(args.host)
    if warning:
        print(warning, file=sys.stderr)
    print(
        f"serving the model page on http://{args.host}:{args.port} (Ctrl-C stops)", file=sys.stderr
    )
    warm_up()
    proc = subprocess.Popen(server_command(args.host, args.port), env=server_env(config))
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: proc.send_signal(signum))
    try:
        return proc.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches the server too; let it shut down
        proc.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
