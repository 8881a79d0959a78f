"""The command line: a thin shell over the library.

``sim run [CONFIG]`` (also ``python -m sim run``), ``validate CONFIG``, ``scenarios``,
``sweep CONFIG``, ``viz``, ``calibrate CONFIG``, ``hindcast CONFIG``, ``report SWEEP_DIR`` and
``discover SWEEP_DIR``.
Each subcommand parses its arguments and calls one library function; user errors
(``sim.core.errors.UserError``) print one message and exit with 2.
"""

from __future__ import annotations

import argparse
import gc
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sim.cli_help import MAIN_EXAMPLES, SuggestingParser, VersionAction, describe, epilog
from sim.core.errors import UserError, os_error_text
from sim.core.scenario_files import DEFAULT_SCENARIO


def _scenario(args: argparse.Namespace):
    from sim.core.config import load_scenario, parse_overrides

    return load_scenario(args.config, overrides=parse_overrides(args.set or []), seed=args.seed)


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario into its results folder and print its summary."""
    from sim.core.config import parse_overrides
    from sim.runs.outputs import output_path
    from sim.runs.run import default_out, run_scenario

    out = output_path(args.out) if args.out is not None else None
    overrides = parse_overrides(args.set or [])
    scenario = _scenario(args)
    if args.reps is not None or args.posterior is not None:
        from sim.runs.replicated_command import cli_ensemble

        return cli_ensemble(args, scenario, overrides, out)
    out = out if out is not None else default_out(scenario, overrides)
    result = run_scenario(
        scenario,
        out,
        csv=args.csv,
        overwrite=args.overwrite,
        command=shlex.join(["python", "-m", "sim", *sys.argv[1:]]),
        overrides=overrides,
    )
    if args.json:
        print(json.dumps(result.summary, indent=2))
    else:
        from sim.runs.run_text import summary_lines

        print("\n".join(summary_lines(result.summary, scenario.params.target_core_pct_gdp)))
    print(
        f"wrote {out}/ (alliance.parquet, members.parquet, summary.json, manifest.json, "
        "figure.png, figure.pdf)",
        file=sys.stderr,
    )
    if result.summary["status"] != "ok":  # an impossible result (sim.core.invariants): exit 1
        print(f"warning: the run broke an invariant ({result.summary['status']})", file=sys.stderr)
        return 1
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check a config without running it; report its Richardson limit and step stability."""
    scenario = _scenario(args)
    print(
        f"{args.config}: valid scenario '{scenario.name}' ({scenario.params.start_quarter}-"
        f"{scenario.params.end_quarter}, seed {scenario.seed})"
    )
    from sim.core.members import members_of
    from sim.validation.docking import stability_report

    for line in stability_report(scenario.params, members_of(scenario.params)):
        print(line)
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the scenario configs with one line each."""
    from sim.core.config import list_scenarios

    rows = list_scenarios(args.folder)
    width = max((len(r[0]) for r in rows), default=0)
    for file, _, description in rows:
        print(f"{file:<{width}}  {description}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    """Print the parameter table (Markdown), the source of docs/PARAMETERS.md."""
    from sim.core.params import markdown_table

    print(markdown_table(), end="")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run a parameter sweep (see ``sim.sweep.runner``).

    Local worker processes are started first (``sim.sweep.pool.start_early``), so that their
    start-up overlaps this process's reading and planning of the sweep.
    """
    from sim.sweep import pool

    workers = pool.worker_count(args.workers)
    if workers > 1 and not (args.dry_run or args.scheduler or args.cluster):
        pool.start_early(workers)
    try:
        from sim.sweep.runner import cli_sweep

        return cli_sweep(args)
    finally:
        pool.discard_early()


def cmd_viz(args: argparse.Namespace) -> int:
    """Serve the web page (see ``sim.viz.app``)."""
    from sim.viz.serve import cli_viz

    return cli_viz(args)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit behavioural parameters to the 2014-2024 record (see ``sim.validation.calibrate``)."""
    from sim.validation.calibrate import cli_calibrate

    return cli_calibrate(args)


def cmd_hindcast(args: argparse.Namespace) -> int:
    """Rolling-origin hindcast against baselines (see ``sim.validation.hindcast.command``)."""
    from sim.validation.hindcast.command import cli_hindcast

    return cli_hindcast(args)


def cmd_discover(args: argparse.Namespace) -> int:
    """Scenario discovery on a sweep (see ``sim.analysis.discovery``)."""
    from sim.analysis.discovery_command import cli_discover

    return cli_discover(args)


def cmd_report(args: argparse.Namespace) -> int:
    """Write figures and tables from a sweep (see ``sim.analysis.report``)."""
    from sim.analysis.report import cli_report

    return cli_report(args)


def cmd_compile(args: argparse.Namespace) -> int:
    """Compile the step ahead of time (see ``sim.core.dynamics.native_build``)."""
    from sim.core.dynamics.native_build import cli_compile

    return cli_compile(force=args.force)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m sim``."""
    prog = "sim" if Path(sys.argv[0]).name == "sim" else "python -m sim"
    parser = SuggestingParser(
        prog=prog,
        description=__doc__.splitlines()[0],
        epilog=epilog(MAIN_EXAMPLES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        help="what to do (`sim COMMAND --help`: its options and examples)",
    )
    _add_run(sub)
    p = sub.add_parser("validate", help="check a config without running it")
    _scenario_args(p)
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("scenarios", help="list the scenario configs")
    p.add_argument(
        "--folder",
        default=None,
        help="folder of configs (default: the scenarios shipped with the tool)",
    )
    p.set_defaults(func=cmd_scenarios)
    p = sub.add_parser("params", help="print the parameter table (Markdown)")
    p.set_defaults(func=cmd_params)
    _add_sweep(sub)
    p = sub.add_parser("compile", help="compile the step ahead of time (a faster start)")
    p.add_argument("--force", action="store_true", help="compile even if it is compiled")
    p.set_defaults(func=cmd_compile)
    p = sub.add_parser("viz", help="serve the web page (127.0.0.1 by default)")
    p.add_argument("config", nargs="?", help="scenario config to open (default the Hague path)")
    p.add_argument("--port", type=int, default=8765, help="port to serve on (default 8765)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1, this machine only; 0.0.0.0 shows the page "
        "to your network)",
    )
    p.set_defaults(func=cmd_viz)
    _add_calibrate(sub)
    _add_hindcast(sub)
    _add_report(sub)
    _add_discover(sub)
    describe(sub)  # each command's description and examples (sim.cli_help)
    return parser


def _scenario_args(p: argparse.ArgumentParser, default: str | None = None) -> None:
    """Add a scenario command's config (required unless ``default``), ``--seed`` and ``--set``."""
    if default is None:
        p.add_argument("config", help="scenario config (TOML file or shipped scenario name)")
    else:
        p.add_argument(
            "config",
            nargs="?",
            default=default,
            help=f"scenario config (TOML file or shipped scenario name; default {default})",
        )
    p.add_argument("--seed", type=int, help="the run's seed (default: the config's)")
    p.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a parameter (repeatable)"
    )


def _add_run(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` command."""
    p = sub.add_parser("run", help="run a scenario into its own results folder")
    _scenario_args(p, DEFAULT_SCENARIO)
    p.add_argument(
        "--out",
        help="results folder (default results/<scenario>-seed<seed>, "
        "with -set-<hash> appended when --set is given)",
    )
    p.add_argument("--csv", action="store_true", help="also write CSV copies of the tables")
    p.add_argument(
        "--json",
        action="store_true",
        help="print the run's summary as JSON (what summary.json holds) instead of in words",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing folder, only if it is empty or an earlier run's "
        "results (see sim.runs.outputs.check_replaceable)",
    )
    p.add_argument(
        "--reps",
        type=int,
        metavar="N",
        help="run N replications with paired seeds (per posterior draw) and report bands "
        "(default 1; 10 with --posterior)",
    )
    p.add_argument(
        "--posterior",
        metavar="DIR",
        help="draw the behavioural parameters from a posterior folder (python -m sim calibrate "
        "CONFIG --method abc; e.g. configs/data/posterior) and report the noise's "
        "and the parameters' spread apart",
    )
    p.add_argument(
        "--draws",
        type=int,
        default=100,
        metavar="D",
        help="posterior draws, by weight (default 100; with --posterior)",
    )
    p.set_defaults(func=cmd_run)


def _add_sweep(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` command (its options: ``sim.sweep.options``)."""
    from sim.sweep.options import add_parser

    add_parser(sub).set_defaults(func=cmd_sweep)


def _add_calibrate(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` command."""
    p = sub.add_parser("calibrate", help="fit behavioural parameters to the 2014-2024 record")
    p.add_argument("config", help="backcast config (TOML)")
    p.add_argument("--out", help="where to write the fitted config")
    p.add_argument("--seed", type=int, help="root seed of the replications")
    p.add_argument(
        "--holdout-year",
        type=int,
        metavar="YEAR",
        help="leave this year's shares and count out of the loss, to check the fit "
        "out of sample (needs --out)",
    )
    p.add_argument(
        "--in-place",
        action="store_true",
        help="update the committed fit in the source checkout (configs/behaviour.toml,"
        " configs/data/backcast_fitted.toml and the two behaviour tables; with --method abc "
        "the shipped posterior, configs/data/posterior/) instead of writing to results/",
    )
    p.add_argument(
        "--method",
        choices=("point", "abc"),
        default="point",
        help="point: the point fit (the default); abc: the Bayesian calibration, a posterior by "
        "ABC-SMC, written to the folder --out (default results/posterior-seed<seed>/)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="with --method abc: replace an existing posterior folder",
    )
    p.set_defaults(func=cmd_calibrate)


def _add_hindcast(sub: argparse._SubParsersAction) -> None:
    """Add the ``hindcast`` command (its options: ``sim.validation.hindcast.command``)."""
    from sim.validation.hindcast.options import add_parser

    add_parser(sub)
    sub.choices["hindcast"].set_defaults(func=cmd_hindcast)


def _add_report(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` command (its options: ``sim.analysis.command_options``)."""
    from sim.analysis.command_options import add_report_parser

    add_report_parser(sub).set_defaults(func=cmd_report)


def _add_discover(sub: argparse._SubParsersAction) -> None:
    """Add the ``discover`` command (its options: ``sim.analysis.command_options``)."""
    from sim.analysis.command_options import add_discover_parser

    add_discover_parser(sub).set_defaults(func=cmd_discover)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m sim``; returns the exit code.

    A user error (``sim.core.errors.UserError``) and any OSError that escapes a command (a file that
    cannot be read or written, named in the message) print ``error: ...`` on one line and
    return 2; Ctrl-C returns 130 with one line. Any other exception is a bug and keeps its
    traceback.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {os_error_text(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted: {args.command} stopped (Ctrl-C)", file=sys.stderr)
        return 130


def run() -> NoReturn:
    """The ``sim`` command and ``python -m sim``: :func:`main`, then exit with its code.

    Both come through ``sim.__main__.main``, which first sets one BLAS thread
    (``sim.sweep.blas_threads``) before a command imports numpy (this module does not: ``sim
    sweep`` starts its workers first, ``cmd_sweep``).

    Before the interpreter shuts down, the objects left are frozen out of the garbage collector
    (``gc.freeze``; files are closed and ``atexit`` handlers run as usual). The collector's
    final passes over them (numba's compiled step and types) took 0.4-0.5 s of every
    command's exit on the development machine, 0.07 s frozen: a tenth of a 6,000-run sweep.

    The process is the command's own, so glibc's allocator is first told to keep freed memory
    (``sim.sweep.allocator``: a serial sweep, a calibration or a run faults its arrays in once).
    """
    from sim.sweep.allocator import keep_freed_memory

    keep_freed_memory()
    code = main()
    gc.freeze()
    sys.exit(code)
