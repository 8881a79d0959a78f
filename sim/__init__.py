"""Alliance arms-race simulation: member states' defence spending against a rival's munitions.

The package's public API: :func:`load_scenario` (a scenario config, or a shipped scenario by
name, e.g. ``"hague"``, the default) and :func:`default_params` (the default scenario's
parameters, what ``sim run`` runs), :class:`AllianceModel` (one run, Mesa; by default the
default scenario), :func:`simulate` (many runs at once), :func:`simulate_ensemble` (a scenario
over posterior draws x paired replications, its spread split into noise and parameters),
:class:`Params` and
:func:`make_params` (the parameter table, validated on construction), sweeps from Python
(:func:`load_sweep_config`, :func:`run_sweep`) and the result loader :func:`load_sweep`.

The names are imported when first used (PEP 562), so that ``import sim.sweep.execution`` in a
sweep worker does not load Mesa or the web page's dependencies.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "AllianceModel": "sim.abm.model",
    "DEFAULT_SCENARIO": "sim.core.config",
    "Scenario": "sim.core.config",
    "load_scenario": "sim.core.config",
    "SimulationError": "sim.core.ensemble",
    "Trajectories": "sim.core.ensemble",
    "simulate": "sim.core.ensemble",
    "ParamError": "sim.core.params",
    "Params": "sim.core.params",
    "make_params": "sim.core.params",
    "SweepResult": "sim.sweep.store",
    "load_sweep": "sim.sweep.store",
    "load_sweep_config": "sim.sweep.config",
    "run_sweep": "sim.sweep.runner",
    "Ensemble": "sim.runs.replicated",
    "simulate_ensemble": "sim.runs.replicated",
}
"""Public name -> the module that defines it."""

if TYPE_CHECKING:
    from sim.abm.model import AllianceModel
    from sim.core.config import DEFAULT_SCENARIO, Scenario, load_scenario
    from sim.core.ensemble import SimulationError, Trajectories, simulate
    from sim.core.params import ParamError, Params, make_params
    from sim.runs.replicated import Ensemble, simulate_ensemble
    from sim.sweep.config import load_sweep_config
    from sim.sweep.runner import run_sweep
    from sim.sweep.store import SweepResult, load_sweep


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is used."""
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, the lazy public ones included."""
    return sorted({*globals(), *_WHERE})


def default_params() -> Params:
    """The parameters of the default scenario (``sim run`` with no config).

    That is the Hague path with the behaviour fitted to 2014-2024, not the parameter table's
    priors (``Params()``).
    """
    from sim.core.config import DEFAULT_SCENARIO, load_scenario

    return load_scenario(DEFAULT_SCENARIO).params


__all__ = [
    "DEFAULT_SCENARIO",
    "AllianceModel",
    "Ensemble",
    "ParamError",
    "Params",
    "Scenario",
    "SimulationError",
    "SweepResult",
    "Trajectories",
    "default_params",
    "load_scenario",
    "load_sweep",
    "load_sweep_config",
    "make_params",
    "run_sweep",
    "simulate",
    "simulate_ensemble",
]
