"""The Mesa model of one run: member-state and rival agents driven by ``sim.core.dynamics``.

``AllianceModel`` is what the web page shows and what a user inspects agent by agent. Its
``step()`` calls the same batched equations as the ensemble, with one run, so both give identical
trajectories for the same parameters and seed (``tests/abm/test_equivalence.py``).

Every constructor argument is a keyword: the model's parameters (``sim.core.params.Params``, the
same
names everywhere), ``rng``, the run's seed, and ``scenario``, the scenario they override (by
default the default scenario, ``hague``, that ``sim run`` runs), so ``AllianceModel()`` and
``mesa.batch_run(AllianceModel, ...)`` give the command line's model.
"""

from __future__ import annotations

import inspect
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.abm.agents import MemberState
from sim.abm.collector import make_collector
from sim.abm.rival_agent import Rival
from sim.core import dynamics, metrics
from sim.core.config import DEFAULT_SCENARIO, Scenario, load_scenario
from sim.core.ensemble import SimulationError, checked_seed
from sim.core.members import members_of
from sim.core.params import PARAM_FIELDS, Params, make_params


def seed_from(rng: Any) -> int:
    """Turn a user's seed (int, numeric string or None) into a non-negative integer seed.

    Raises:
        SimulationError: anything else (``sim.core.ensemble.checked_seed``'s message).
    """
    if rng is None or (isinstance(rng, str) and rng.strip() == "random"):
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(rng, str):
        try:
            rng = int(rng.strip())
        except ValueError:
            raise SimulationError(f"seed {rng!r}: expected a non-negative integer") from None
    return checked_seed(rng)


class AllianceModel(mesa.Model):
    """Member states choose defence shares under alliance pressure; a rival chases their output.

    One step is one quarter. Each step runs, for every member at once (a simultaneous update,
    no activation order): (1) threat perception, (2) alliance pressure, (3) free riding,
    (4) choice of share by partial adjustment with noise, ramp limit and pledges, (5) spending
    split, munitions pipeline and air defence; then (6) the rival adjusts its output; then
    (7) the data collector records the alliance metrics and every member's state. See
    ``sim.core.dynamics`` for the equations.
    """

    def __init__(
        self, *, rng: Any = None, scenario: str | Scenario = DEFAULT_SCENARIO, **params: Any
    ) -> None:
        """Create the model.

        Args:
            rng: the run's seed (a non-negative integer); None takes the scenario's seed, so
                ``AllianceModel()`` is ``sim run``'s default run. ``"random"`` draws a fresh
                seed (stored in ``seed``).
            scenario: the scenario whose parameters the model starts from: a
                :class:`sim.core.config.Scenario`, a config file or a shipped scenario's name
                (default ``"hague"``, the default scenario with the fitted behaviour).
            **params: any parameter of ``sim.core.params.Params``, overriding the scenario's
                (validated, with the messages a config gets).
        """
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.scenario_name = scenario.name
        self.seed = seed_from(scenario.seed if rng is None else rng)
        super().__init__(rng=self.seed)
        self.params: Params = make_params(params, base=scenario.params)
        self.members = members_of(self.params)
        self.static = dynamics.build_static(self.params, self.members)
        self._p = dynamics.param_arrays([self.params])
        self._member_noise, self._rival_noise = dynamics.draw_shocks(
            [self.seed], self.static.n_steps, self.members.n
        )
        self.constants, self.state = dynamics.initial_state(self.static, self._p)
        self._record()
        self.member_agents = [MemberState(self, i) for i in range(self.members.n)]
        self.rival = Rival(self)
        self.datacollector = make_collector()
        self.datacollector.collect(self)

    def _record(self) -> None:
        self.alliance_values = {
            k: float(v[0])
            for k, v in metrics.alliance_metrics(self.static, self.constants, self.state).items()
        }
        self.member_values = metrics.member_metrics(self.static, self.constants, self.state)

    @property
    def param_matrix(self) -> np.ndarray:
        """The run's parameters as the equations read them, (1, P) (``dynamics.param_arrays``)."""
        return self._p

    @property
    def quarter(self) -> str:
        """The quarter of the current state, e.g. '2025Q1'."""
        return self.static.quarters[self.state.k]

    def step(self) -> None:
        """Advance one quarter (processes 1-6 of ``sim.core.dynamics``), then collect metrics."""
        k = self.state.k
        if k >= self.static.n_steps:
            self.running = False
            return
        self.state = dynamics.step(
            self.static,
            self._p,
            self.constants,
            self.state,
            self._member_noise[:, k],
            self._rival_noise[:, k],
        )
        self._record()
        self.datacollector.collect(self)
        if self.state.k >= self.static.n_steps:
            self.running = False

    def alliance_frame(self) -> pd.DataFrame:
        """The alliance metrics so far, one row per quarter (the first the initial state)."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        for col in metrics.COUNT_COLUMNS:
            frame[col] = frame[col].astype(np.int64)
        return frame[["quarter", *metrics.ALLIANCE_COLUMNS]]

    def member_frame(self) -> pd.DataFrame:
        """The member metrics so far, one row per member per quarter."""
        frame = self.datacollector.get_agent_vars_dataframe().reset_index()
        quarters = np.array(self.static.quarters)
        frame["quarter"] = quarters[frame["Step"].round().astype(int).to_numpy()]
        return frame[["quarter", "iso3", *metrics.MEMBER_COLUMNS]].reset_index(drop=True)


_SIGNATURE = inspect.Signature(
    [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("rng", inspect.Parameter.KEYWORD_ONLY, default=None),
        inspect.Parameter("scenario", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT_SCENARIO),
        *[
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=f.type)
            for name, f in PARAM_FIELDS.items()
        ],
    ]
)
"""The signature shown for the model: each parameter a keyword without a default of its own
(an omitted one comes from the scenario)."""
AllianceModel.__init__.__signature__ = _SIGNATURE  # type: ignore[attr-defined]
