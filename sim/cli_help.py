"""The command line's words: each subcommand's description and examples, and "did you mean".

This module owns what ``sim COMMAND --help`` says beyond the arguments: a description of what
the command does and an ``examples:`` epilog of one to three real commands (:data:`COMMANDS`;
``tests/test_cli.py`` parses every example, so they cannot rot), and the parser class that
suggests the closest choice for a mistyped subcommand or option value
(:class:`SuggestingParser`), and ``--version`` (:class:`VersionAction`). ``sim.cli`` builds the
parsers; :func:`describe` dresses them.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandHelp:
    """A subcommand's description and its examples (each a command line starting ``sim``)."""

    description: str
    examples: tuple[str, ...]


COMMANDS: dict[str, CommandHelp] = {
    "run": CommandHelp(
        "Run a scenario config (a file, or a shipped scenario's name; default hague) into its "
        "own results folder: alliance.parquet, members.parquet, summary.json, manifest.json and "
        "figure.png/.pdf; prints the summary in words (--json: as JSON). With --reps or "
        "--posterior, replications with bands.",
        (
            "sim run",
            "sim run hague --set hegemon_pressure=0.9 --set rival_target_ratio=12 --csv",
            "sim run hague --posterior configs/data/posterior --draws 20 --reps 5",
        ),
    ),
    "validate": CommandHelp(
        "Check a scenario config without running it: every key and value, the inherits chain, "
        "and the step's stability (its Richardson limit).",
        ("sim validate configs/hegemon_strong.toml", "sim validate hague --set noise_sd_pp=0.1"),
    ),
    "scenarios": CommandHelp(
        "List the scenario configs, one line each (the shipped ones by default).",
        ("sim scenarios", "sim scenarios --folder configs"),
    ),
    "params": CommandHelp(
        "Print the parameter table (Markdown): every parameter's name, label, default, unit, "
        "range and source; the source of docs/PARAMETERS.md.",
        ("sim params",),
    ),
    "compile": CommandHelp(
        "Compile the model's step and shocks ahead of time (numba.pycc; under a minute, once per "
        "model and machine) into a library that sweeps, runs and calibrations load without "
        "numba: 0.3 s less at the start of every process, the same numbers. Without it they "
        "run through numba as before. Needs setuptools and a C compiler.",
        ("sim compile", "sim compile --force"),
    ),
    "sweep": CommandHelp(
        "Run a parameter sweep config (configs/sweeps/*.toml: a grid, LHS, Sobol or Morris "
        "design with replications) into its folder of Parquet datasets; a killed sweep resumes "
        "with the same command. Read it back with sim.load_sweep(FOLDER).",
        (
            "sim sweep configs/sweeps/pressure_by_ratio.toml --workers 2",
            "sim sweep configs/sweeps/sobol_main.toml --dry-run",
            "sim sweep configs/sweeps/pressure_by_ratio.toml --out results/pbr --csv",
        ),
    ),
    "viz": CommandHelp(
        "Serve the web page (Solara) on http://127.0.0.1:8765: pick a scenario, move the "
        "controls, step or play the model, click a member to see why it chose its share.",
        ("sim viz", "sim viz configs/hegemon_strong.toml --port 8800"),
    ),
    "calibrate": CommandHelp(
        "Fit the members' behavioural parameters to the 2014-2024 record (a point fit, or a "
        "posterior by ABC-SMC with --method abc) into results/ (--in-place: the committed fit).",
        (
            "sim calibrate configs/backcast_2014.toml",
            "sim calibrate configs/backcast_2014.toml --method abc --out results/posterior",
        ),
    ),
    "hindcast": CommandHelp(
        "The scoreboard: fit the model with the record up to each origin year only, forecast "
        "one to three years ahead and score it against persistence, trend and partial "
        "adjustment (RMSE, CRPS, band coverage).",
        (
            "sim hindcast configs/backcast_2014.toml",
            "sim hindcast configs/backcast_2014.toml --origins 2019:2023 --horizons 1,2",
        ),
    ),
    "report": CommandHelp(
        "Write a sweep's figures (PDF and PNG) and tables (CSV and LaTeX) into SWEEP_DIR/report: "
        "outcome bands, paired comparisons, a regime map, time to target, sensitivity indices.",
        (
            "sim report results/sweeps/pressure_by_ratio",
            "sim report results/sweeps/pressure_by_ratio --out results/pbr-report",
        ),
    ),
    "discover": CommandHelp(
        "Scenario discovery (PRIM): the ranges of a sweep's varied parameters where an outcome "
        "happens, as a box with its coverage and density, its peeling trajectory and a "
        "sentence.",
        (
            "sim discover results/sweeps/sobol_main --outcome final_alliance_core_share_pct "
            "--below 3.5",
        ),
    ),
}
"""Each subcommand's description and examples, by name."""

MAIN_EXAMPLES = (
    "sim scenarios",
    "sim run hague --set hegemon_pressure=0.9",
    "sim sweep configs/sweeps/pressure_by_ratio.toml --workers 2",
)
"""The examples of ``sim --help``."""


WIDTH = 79
"""The width descriptions are wrapped to (argparse's default for an 80-column terminal)."""


def epilog(examples: tuple[str, ...]) -> str:
    """The ``examples:`` block of a command's help, one indented command a line."""
    return "examples:\n" + "\n".join(f"  {line}" for line in examples)


def describe(sub: argparse._SubParsersAction) -> None:
    """Give every subcommand of ``sub`` its description and examples (:data:`COMMANDS`).

    The description is wrapped at :data:`WIDTH` columns here, since the help keeps the
    description's and the examples' own line breaks (``RawDescriptionHelpFormatter``).

    Raises:
        KeyError: a subcommand without an entry in :data:`COMMANDS` (a bug: add one).
    """
    for name, parser in sub.choices.items():
        entry = COMMANDS[name]
        parser.description = textwrap.fill(entry.description, WIDTH)
        parser.epilog = epilog(entry.examples)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter


_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)'")


class SuggestingParser(argparse.ArgumentParser):
    """An argument parser whose "invalid choice" error names the closest valid choice.

    ``sim rnu`` -> ``invalid choice: 'rnu' (did you mean 'run'? choose from ...)``. Its
    subparsers are made with the same class, so option values with choices get it too.
    """

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print the usage and the message (with a suggestion) to stderr and exit with 2."""
        found = _INVALID_CHOICE.search(message)
        if found:
            choices = [str(c) for a in self._actions if a.choices for c in a.choices]
            close = difflib.get_close_matches(found.group(1), choices, n=1, cutoff=0.6)
            if close:
                message = message.replace(
                    " (choose from", f" (did you mean {close[0]!r}? choose from"
                )
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def package_version() -> str:
    """The installed package's version (``unknown`` when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("alliance-arms-race-sim")
    except PackageNotFoundError:
        return "unknown"


class VersionAction(argparse.Action):
    """``--version``: print ``PROG VERSION`` and exit; the version is looked up only then.

    argparse's own ``version`` action takes the text when the parser is built: the package's
    metadata read for every command (about 20 ms of each one's start).
    """

    def __init__(
        self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object
    ) -> None:
        """An option that takes no value (``--version``), with a default help text."""
        kwargs.setdefault("help", "show the version and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        """Print the program's name and version, and exit with 0."""
        print(f"{parser.prog} {package_version()}")
        parser.exit()
