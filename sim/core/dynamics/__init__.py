"""The model's equations, written once, over arrays shaped (runs, members), one module a process.

This package is the single source of truth for the dynamics. The Mesa model (``sim.abm.model``)
calls it with one run; the ensemble (``sim.core.ensemble``) calls it with thousands. Nothing here
knows about Mesa, files or sweeps.

One call of :func:`step` advances every run by one quarter (``DT`` = 0.25 years). All members and
the rival update simultaneously from the state at the start of the quarter (a synchronous update:
the rival observes the alliance's output with a one-quarter intelligence lag). The order of
operations inside a step, each process in its own module:

1. ``threat`` (:func:`perceive_threat`): each member's threat signal is its exposure times the
   rival's output relative to the alliance's (log of the ratio over a reference, or the rival's
   output level), plus any scheduled shock; perception is smoothed with memory. The threat term
   of the desired share is the sensitivity times the perceived threat times the member's
   regional multiplier (``Members.threat_response``, 1 without a region table).
2. ``pressure`` (:func:`feel_pressure`): the target path in force (a straight line from the
   member's initial share to the target plus ``target_margin_pp`` at the deadline), the
   hegemon's pressure and the fraction of peers (same region) already at the target give the
   weight with which a member closes the gap to that path.
3. ``free_riding`` (:func:`weigh_free_riding`): allies' spending is partly a public good: a rise
   in the allies' combined share lowers the member's desired share (a spatial lag on burdens),
   or, in the pure public-good limit, each extra dollar allies spend lowers its desired spending
   (Olson-Zeckhauser).
4. ``choice`` (``decide``, generated from the registry by ``compiled``, then
   :func:`~sim.core.dynamics.choice.choose_shares`): desired share = anchor + the decision
   terms (threat - free riding), pulled toward the target path by the pressure term; the share
   moves toward it by partial adjustment, with noise and a fiscal ramp limit, never below 0.
   The terms are declared once in ``terms``
   (:class:`Term`, :func:`member_terms`, :func:`register_member_term`). Then ``commitment``
   (:func:`~sim.core.dynamics.commitment.keep_commitment`): from the deadline year on, a member
   whose gap to the target line is within ``commitment_capacity_pp`` times its fiscal space
   (``sim.core.fiscal``, from the IMF's debt and deficit series) keeps the commitment, and its
   share is held at or above the line from then on (off when the capacity is 0, the default).
5. ``capacity`` (:func:`build_capacity`): spending is split into munitions and air defence;
   munitions capacity is ordered up to what spending funds and comes online through a pipeline
   (first output after ``munitions_lead_first_quarters``, nameplate after
   ``munitions_lead_full_quarters``); output is the lesser of capacity and funded output;
   air defence is part of core and capability approaches the level its spending sustains, a
   kept annual plan funding the goal (``air_defence``).
6. ``rival`` (:func:`rival_respond`): the rival aims for what its war consumes plus the gap to
   the stock it wants against the allies' (plus, in Richardson's limit, ``rival_target_ratio``
   times the alliance's output), moves toward it within its ramp limit and the capacity its own
   pipeline has built, and pays from a budget that oil revenue, reserves and borrowing bound
   (``rival_budget``); strain above a threshold slows its GDP growth. Then ``war``
   (:func:`~sim.core.dynamics.war.update_stocks`): both sides' stocks of rounds, after what the
   rival fires and the allies send to the front.
7. Metrics are recorded by the caller (``sim.core.metrics``).

Every process is a compiled function (numba, ``jit``) of one run's row; ``kernel`` holds the
order of the processes in a quarter and the loops over runs and quarters, compiled with the
decision generated from the registry of terms by ``compiled`` (cached on disk); ``native`` runs a
batch from the same step compiled ahead of time (``python -m sim compile``, ``native_build``),
a library that loads without numba, where there is one. ``state`` holds
what the equations work on (:class:`Static`, :class:`Constants`, :class:`State`), ``arrays`` the
typed parameter arrays (:class:`ParamArrays`), ``record`` the metrics of a state, ``step`` the
Python entry points: each run's shocks (:func:`draw_shocks`), the initial state, one step, the
loop over quarters (:func:`trajectory`) and a whole batch in one call (:func:`run_batch`).
"""

from sim.core.dynamics.arrays import ParamArrays, param_arrays
from sim.core.dynamics.free_riding import FREE_RIDING
from sim.core.dynamics.history import build_static
from sim.core.dynamics.pressure import PRESSURE
from sim.core.dynamics.state import (
    DT,
    EPS,
    RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR,
    Constants,
    State,
    Static,
    row_sum,
)
from sim.core.dynamics.step import draw_shocks, initial_state, run_batch, step, trajectory
from sim.core.dynamics.terms import (
    Term,
    TermInputs,
    member_terms,
    register_member_term,
    unregister_member_term,
)
from sim.core.dynamics.threat import THREAT

if not member_terms():  # the model's own terms, in their columns' order
    for _term in (THREAT, PRESSURE, FREE_RIDING):
        register_member_term(_term, default=True)

__all__ = [
    "DT",
    "EPS",
    "FREE_RIDING",
    "PRESSURE",
    "RIVAL_GDP_GROWTH_FLOOR_PCT_PER_YEAR",
    "THREAT",
    "Constants",
    "ParamArrays",
    "State",
    "Static",
    "Term",
    "TermInputs",
    "build_static",
    "draw_shocks",
    "initial_state",
    "member_terms",
    "param_arrays",
    "register_member_term",
    "row_sum",
    "run_batch",
    "step",
    "trajectory",
    "unregister_member_term",
]
