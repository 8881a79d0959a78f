"""Alliance arms-race simulation: member states' defence spending against a rival's munitions.

The package's public API: :class:`AllianceModel` (one run, Mesa), :func:`simulate` (many runs at
once), :class:`Params` and :func:`make_params` (the parameter table), and the result loaders.
"""

from sim.ensemble import Trajectories, simulate
from sim.model import AllianceModel
from sim.params import ParamError, Params, make_params
from sim.store import SweepResult, load_sweep

__all__ = ["AllianceModel", "ParamError", "Params", "SweepResult", "Trajectories", "load_sweep",
           "make_params", "simulate"]
