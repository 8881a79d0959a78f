"""Alliance arms-race simulation: member states' defence spending against a rival's munitions.

The package's public API: :func:`load_scenario` (a scenario config, or a shipped scenario by
name, e.g. ``"hague"``, the default) and :func:`default_params` (the default scenario's
parameters, what ``sim run`` runs), :class:`AllianceModel` (one run, Mesa; by default the
default scenario), :func:`simulate` (many runs at once), :class:`Params` and
:func:`make_params` (the parameter table, validated on construction), and the result loaders.
"""

from sim.abm.model import AllianceModel
from sim.core.config import DEFAULT_SCENARIO, Scenario, load_scenario
from sim.core.ensemble import SimulationError, Trajectories, simulate
from sim.core.params import ParamError, Params, make_params
from sim.sweep.store import SweepResult, load_sweep


def default_params() -> Params:
    """The parameters of the default scenario (``sim run`` with no config).

    That is the Hague path with the behaviour fitted to 2014-2024, not the parameter table's
    priors (``Params()``).
    """
    return load_scenario(DEFAULT_SCENARIO).params


__all__ = [
    "DEFAULT_SCENARIO",
    "AllianceModel",
    "ParamError",
    "Params",
    "Scenario",
    "SimulationError",
    "SweepResult",
    "Trajectories",
    "default_params",
    "load_scenario",
    "load_sweep",
    "make_params",
    "simulate",
]
