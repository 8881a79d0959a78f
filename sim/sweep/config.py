"""Sweep configs: a TOML file naming a base scenario, the axes to vary, a design and seeds.

This module owns reading and validating a sweep config into a :class:`SweepConfig` (each
``[axes]`` entry is read by :mod:`sim.sweep.axes`, single values are checked by
:mod:`sim.sweep.checks`). Every problem is a :class:`sim.core.config.ConfigError` naming the file,
the key, the value and what was expected, raised before anything runs. The format::

    name = "pressure_by_ratio"          # optional; defaults to the file's stem
    description = "one line"
    scenario = "../hague.toml"          # base scenario config, relative to this file
    replications = 4                    # runs per design point (>= 1)
    root_seed = 12345                   # optional; default the scenario's seed
    seeding = "paired"                  # paired (default) | independent
    chunk_size = 500                    # a hint of the runs per chunk (optional)

    [design]
    method = "grid"                     # grid | lhs | sobol | morris
    samples = 64                        # lhs: points; sobol: N (a power of 2); morris: trajectories
    calc_second_order = false           # sobol only (default false)
    levels = 4                          # morris only (default 4, even)
    seed = 7                            # optional seed of the sampler (default root_seed)

    [axes]                              # each a parameter of sim.core.params.Params
    hegemon_pressure = [0.1, 0.5, 0.9]                         # a list of values (grid only)
    rival_target_ratio = { min = 2.0, max = 12.0, num = 5 }    # a range (num: grid only)

    [keep]
    alliance = true                     # alliance-level series per quarter (default true)
    members = false                     # per-member series (default false)

    [set]                               # fixed overrides on top of the scenario's parameters
    noise_sd_pp = 0.05

    [posterior]                         # optional: draw the behaviour from a posterior
    folder = "../data/posterior"
    draws = 2                           # divides replications (sim.sweep.posterior)

Lists work for any parameter, structural ones included (``sim.core.params.STRUCTURAL``); ranges need
a numeric parameter and lie within its allowed bounds. Integer parameters sampled from a range
are rounded to the nearest integer. Seeds: run ``run_id = point_id * replications +
replication`` gets the seed derived from ``SeedSequence(root_seed, spawn_key=(k,))`` with
``k = replication`` ("paired": every design point's replication r shares its seed, common
random numbers) or ``k = run_id`` ("independent"); see :func:`sim.sweep.designs.derive_seed`.

``chunk_size`` is a hint: the engine chooses the runs per chunk from a run's cost, keeping the
hint when it lies within bounds (``sim.sweep.chunking``). It changes how the work is cut, never
a run's outcome, so it is not part of :meth:`SweepConfig.config_hash`: a folder keeps the chunk
size it started with when the hint changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.core.config import ConfigError, Scenario, load_scenario, read_toml
from sim.core.params import ParamError, Params, make_params, to_dict
from sim.runs.outputs import PLAIN_NAME_EXPECTED, is_plain_name
from sim.sweep.axes import Axis, parse_axis
from sim.sweep.checks import check_bool, check_int, check_table
from sim.sweep.posterior import PosteriorSpec, parse_posterior

TOP_LEVEL_KEYS = (
    "name",
    "description",
    "scenario",
    "replications",
    "root_seed",
    "seeding",
    "chunk_size",
    "design",
    "axes",
    "keep",
    "set",
    "posterior",
)
METHODS = ("grid", "lhs", "sobol", "morris")
SEEDING = ("paired", "independent")
UNHASHED_KEYS = ("description", "chunk_size")
"""Keys of the resolved config left out of its hash: they change no run's outcome."""
MIN_SAMPLES = {"lhs": 2, "sobol": 2, "morris": 2}
"""Fewest samples a design accepts: one point stratifies nothing (lhs), and variances (Sobol'
indices) and the spread of elementary effects (Morris sigma) need at least two."""


@dataclass(frozen=True)
class DesignSpec:
    """How design points are drawn from the axes."""

    method: str
    samples: int | None = None
    calc_second_order: bool = False
    levels: int = 4
    seed: int = 0


@dataclass(frozen=True)
class SweepConfig:
    """A validated sweep config."""

    name: str
    description: str
    path: str
    scenario: Scenario
    base: Params
    """The scenario's parameters with ``[set]`` applied: every run starts from these."""
    axes: tuple[Axis, ...]
    design: DesignSpec
    replications: int
    root_seed: int
    seeding: str = "paired"
    chunk_size_hint: int | None = None
    """The config's ``chunk_size`` (None if absent): a hint (``sim.sweep.chunking``)."""
    keep_alliance: bool = True
    keep_members: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)
    scenario_ref: str = ""
    """The ``scenario`` entry as written in the file."""
    posterior: PosteriorSpec | None = None
    """The ``[posterior]`` table (``sim.sweep.posterior``): draws of the behaviour per run."""

    @property
    def draws(self) -> int:
        """Posterior draws per design point (1 without a posterior)."""
        return self.posterior.draws if self.posterior else 1

    def resolved(self) -> dict[str, Any]:
        """The resolved config as plain data (recorded in the manifest)."""
        d = self.design
        design: dict[str, Any] = {"method": d.method}
        if d.method != "grid":
            design.update(samples=d.samples, seed=d.seed)
        if d.method == "sobol":
            design["calc_second_order"] = d.calc_second_order
        if d.method == "morris":
            design["levels"] = d.levels
        return {
            "name": self.name,
            "description": self.description,
            "scenario": self.scenario_ref,
            "replications": self.replications,
            "root_seed": self.root_seed,
            "seeding": self.seeding,
            "chunk_size": self.chunk_size_hint,
            "design": design,
            "axes": {a.name: a.as_data() for a in self.axes},
            "keep": {"alliance": self.keep_alliance, "members": self.keep_members},
            "set": dict(self.overrides),
            **({"posterior": self.posterior.resolved()} if self.posterior else {}),
        }

    def config_hash(self) -> str:
        """sha256 of the resolved config and the base parameters.

        All but ``description`` and ``chunk_size`` (a hint that changes no run's outcome). Two
        configs with the same hash produce the same runs; a sweep folder refuses a config with
        another hash.
        """
        data = {k: v for k, v in self.resolved().items() if k not in UNHASHED_KEYS}
        data["base_params"] = to_dict(self.base)
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _design(path: Path, doc: dict, root_seed: int) -> DesignSpec:
    table = check_table(
        path, doc, "design", ("method", "samples", "calc_second_order", "levels", "seed")
    )
    method = table.get("method")
    if method not in METHODS:
        raise ConfigError(path, "design.method", method, f"one of {', '.join(METHODS)}")
    if method == "grid":
        for k in ("samples", "calc_second_order", "levels", "seed"):
            if k in table:
                raise ConfigError(
                    path,
                    f"design.{k}",
                    table[k],
                    "nothing (a grid takes the axes' values; remove the key)",
                )
        return DesignSpec("grid", seed=root_seed)
    if "samples" not in table:
        raise ConfigError(
            path, "design.samples", None, f"the number of samples the {method} design needs"
        )
    samples = check_int(path, "design.samples", table["samples"], MIN_SAMPLES[method])
    if method == "sobol" and samples & (samples - 1):
        raise ConfigError(
            path,
            "design.samples",
            samples,
            "a power of 2 (Sobol' sequences are balanced only for N = 2^k)",
        )
    if "calc_second_order" in table and method != "sobol":
        raise ConfigError(
            path, "design.calc_second_order", table["calc_second_order"], "nothing (sobol only)"
        )
    if "levels" in table and method != "morris":
        raise ConfigError(path, "design.levels", table["levels"], "nothing (morris only)")
    second = check_bool(path, "design.calc_second_order", table.get("calc_second_order", False))
    levels = check_int(path, "design.levels", table.get("levels", 4), 2)
    if levels % 2:
        raise ConfigError(
            path, "design.levels", levels, "an even number (odd levels bias Morris sampling)"
        )
    seed = check_int(path, "design.seed", table.get("seed", root_seed), 0)
    return DesignSpec(method, samples, second, levels, seed)


def load_sweep_config(path: str | Path) -> SweepConfig:
    """Read and validate a sweep config.

    Args:
        path: the TOML file.

    Returns:
        The validated config (its design points are checked by ``sim.sweep.designs.make_design``).

    Raises:
        ConfigError: for any problem, naming the file, the key, the value and what was expected.
    """
    path = Path(path)
    doc = read_toml(path)  # a missing, unreadable, binary or malformed file: a ConfigError
    if "scenario" not in doc and ("params" in doc or "inherits" in doc):
        raise ConfigError(
            path,
            "params" if "params" in doc else "inherits",
            "...",
            "a sweep config (this is a scenario config: run it with `python -m sim run "
            f"{path}`, or sweep it from a config whose `scenario` names it; "
            "configs/sweeps/README.md)",
        )
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(path, key, doc[key], f"one of {', '.join(TOP_LEVEL_KEYS)}")
    name, description = _name_and_description(path, doc)
    ref, scenario = _scenario(path, doc)
    overrides = check_table(path, doc, "set", None)
    try:
        base = make_params(overrides, base=scenario.params)
    except ParamError as err:
        raise ConfigError(path, f"set.{err.key}", err.value, err.expected) from None
    replications, root_seed, seeding, chunk_size = _runs(path, doc, scenario)
    design = _design(path, doc, root_seed)
    axes = _axes(path, doc, design.method, overrides)
    keep = check_table(path, doc, "keep", ("alliance", "members"))
    keep_alliance = check_bool(path, "keep.alliance", keep.get("alliance", True))
    keep_members = check_bool(path, "keep.members", keep.get("members", False))
    return SweepConfig(
        name,
        description,
        str(path),
        scenario,
        base,
        axes,
        design,
        replications,
        root_seed,
        seeding,
        chunk_size,
        keep_alliance,
        keep_members,
        dict(overrides),
        ref,
        parse_posterior(path, doc, replications),
    )


def _name_and_description(path: Path, doc: dict) -> tuple[str, str]:
    """The sweep's name (default: the file's stem; a plain name) and its description."""
    name, description = doc.get("name", path.stem), doc.get("description", "")
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str):
            raise ConfigError(path, key, value, "a string")
    if not is_plain_name(name):  # it names the default sweep folder: no path, no NUL
        raise ConfigError(path, "name", name, PLAIN_NAME_EXPECTED)
    return name, description


def _scenario(path: Path, doc: dict) -> tuple[str, Scenario]:
    """The ``scenario`` entry as written and the base scenario it names (relative to ``path``)."""
    ref = doc.get("scenario")
    if not isinstance(ref, str):
        raise ConfigError(
            path, "scenario", ref, f"the base scenario's file (relative to {path.name})"
        )
    scenario_path = path.parent / ref
    if not scenario_path.is_file():
        raise ConfigError(path, "scenario", ref, f"an existing scenario config next to {path.name}")
    return ref, load_scenario(scenario_path)


def _runs(path: Path, doc: dict, scenario: Scenario) -> tuple[int, int, str, int | None]:
    """The runs' settings: ``(replications, root_seed, seeding, chunk_size)``."""
    replications = check_int(
        path, "replications", doc.get("replications"), 1, "an integer >= 1 (runs per design point)"
    )
    root_seed = check_int(
        path, "root_seed", doc.get("root_seed", scenario.seed), 0, "a non-negative integer"
    )
    seeding = doc.get("seeding", "paired")
    if seeding not in SEEDING:
        raise ConfigError(path, "seeding", seeding, f"one of {', '.join(SEEDING)}")
    hint = doc.get("chunk_size")
    if hint is not None:
        hint = check_int(
            path, "chunk_size", hint, 1, "an integer >= 1 (a hint of the runs per chunk)"
        )
    return replications, root_seed, seeding, hint


def _axes(path: Path, doc: dict, method: str, overrides: dict) -> tuple[Axis, ...]:
    """The ``[axes]`` table: at least one axis, none of them also fixed in ``[set]``."""
    axes_table = check_table(path, doc, "axes", None)
    if not axes_table:
        raise ConfigError(path, "axes", axes_table, "at least one axis (parameter = values)")
    axes = tuple(parse_axis(path, n, spec, method) for n, spec in axes_table.items())
    for axis in axes:
        if axis.name in overrides:
            raise ConfigError(
                path,
                f"set.{axis.name}",
                overrides[axis.name],
                "no value for a swept parameter (it is an axis)",
            )
    return axes
