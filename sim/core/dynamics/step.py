"""The equations' Python entry points: the shocks, the initial state, one quarter, whole runs.

Each calls the compiled step (``sim.core.dynamics.compiled``, from the template
``sim/core/dynamics/kernel.py``): :func:`initial_state` and :func:`step` one quarter at a time
(the Mesa model, the tests), :func:`run_batch` every quarter of every run in one call (the
ensemble, the calibration). Both paths run the same compiled functions on each run's own row,
so a run's numbers are the same bits whichever path and batch it goes through. One thread's
:func:`run_batch` and :func:`draw_shocks` run from the library compiled ahead of time where
there is one (``sim.core.dynamics.native``), the same functions from the same source.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence

import numpy as np

from sim.core.dynamics import history as history_mod
from sim.core.dynamics import native
from sim.core.dynamics.arrays import ParamArrays, runs_of
from sim.core.dynamics.compiled import step_module
from sim.core.dynamics.state import Constants, State, Static
from sim.core.dynamics.terms import member_terms
from sim.core.normal_streams import normal_streams


def _orders(runs: int, n: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The members' (R, T, N) and the rival's (R, T) tables of orders, zeroed."""
    return np.zeros((runs, max(steps, 1), n)), np.zeros((runs, max(steps, 1)))


def _new_state(k: int, runs: int, n: int, orders: tuple[np.ndarray, np.ndarray]) -> State:
    """A state at row k with room for every field (values unset); ``orders`` is shared."""
    members = [np.empty((runs, n)) for _ in range(9)]
    rival = [np.empty(runs) for _ in range(12)]
    return State(
        k=k,
        core_share_pct=members[0],
        related_share_pct=members[1],
        gdp_usd_bn=members[2],
        threat=members[3],
        munitions_capacity=members[4],
        munitions_output=members[5],
        committed=members[6],
        orders_cumulative=orders[0],
        air_defence=members[7],
        air_defence_share_pct=members[8],
        rival_output=rival[0],
        rival_gdp_usd_bn=rival[1],
        rival_defence_share_pct=rival[2],
        rival_capacity=rival[4],
        rival_committed=rival[5],
        rival_orders_cumulative=orders[1],
        rival_stock=rival[6],
        alliance_stock=rival[7],
        rival_rest_share_pct=rival[8],
        rival_reserves_usd_bn=rival[9],
        rival_debt_pct=rival[10],
        rival_headroom_pct=rival[11],
        cumulative_extra_spending_usd_bn=rival[3],
        term_values=np.empty((runs, len(member_terms()), n)),
        desired_core_share_pct=np.empty((runs, n)),
        peers_at_target=np.empty((runs, n)),
        fiscal_reference_pct=np.empty((runs, n)),
        plan_start_pct=np.empty((runs, n)),
        commitment_kept=np.empty((runs, n)),
    )


def _new_constants(static: Static, runs: int, responses: np.ndarray | None = None) -> Constants:
    """Every run's constants, with room for every field, the behavioural multipliers set.

    Args:
        static: the batch's members (their multipliers are every run's by default).
        runs: the number of runs.
        responses: (R, 2, N) each run's threat and pressure multipliers, or None.
    """
    n = static.members.n
    if responses is None:
        threat = np.broadcast_to(static.members.threat_response, (runs, n))
        pressure = np.broadcast_to(static.members.pressure_response, (runs, n))
    else:
        if responses.shape != (runs, 2, n):
            raise ValueError(f"responses of shape {responses.shape}, expected {(runs, 2, n)}")
        threat, pressure = responses[:, 0], responses[:, 1]
    # copies, always writable: a one-run batch's broadcast view would be read-only, a type of
    # its own for numba, and load a second compiled step (``sim.sweep.pool.warm``)
    return Constants(
        *(np.empty((runs, n)) for _ in range(6)),
        np.array(threat, dtype=np.float64, order="C"),
        np.array(pressure, dtype=np.float64, order="C"),
        np.empty((runs, n)),
        *(np.empty(runs) for _ in range(4)),
        *(np.empty(runs, dtype=np.int64) for _ in range(4)),
        np.zeros((runs, n)),
    )


def _work(runs: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Work space of the compiled step: (3, R, N) and (3, R)."""
    return np.zeros((3, runs, n)), np.zeros((3, runs))


def _state_pair(runs: int, n: int, steps: int) -> tuple[State, State]:
    """The two states a whole-run call uses in turn, sharing one table of orders."""
    orders = _orders(runs, n, steps)
    return _new_state(0, runs, n, orders), _new_state(0, runs, n, orders)


def _run_to_end(
    static: Static, p: ParamArrays, responses: np.ndarray | None, threads: bool
) -> tuple[Constants, State]:
    """Every run through every quarter without shocks, keeping only its constants and last state."""
    runs, n, steps = runs_of(p), static.members.n, static.n_steps
    s0, s1 = _state_pair(runs, n, steps)
    constants = _new_constants(static, runs, responses)
    work, totals = _work(runs, n)
    _run(
        threads, static.arrays, p, constants, s0, s1, *_NO_START, np.zeros((runs, steps, n)),
        np.zeros((runs, steps)), np.empty((0, 1, 1)), np.empty((0, 1, n, 1)),
        np.empty((0, 1, n)), work, totals,
    )  # fmt: skip
    last = s1 if steps % 2 == 1 else s0  # quarter k writes into s1 when k is even
    return constants, last._replace(k=steps)


def _run(threads: bool, *args: object) -> None:
    """The compiled step's whole-run entry point on ``args``: ``run``, or ``run_parallel``.

    One thread's ``run`` comes from the library compiled ahead of time when it has one for these
    arguments' types (``sim.core.dynamics.native``: no numba in the process), else from numba.
    """
    if not threads:
        function = native.entry("run", args)
        if function is not None:
            function(*args)
            return
    module = step_module()
    (module.run_parallel if threads else module.run)(*args)


_NO_START = (np.empty((3, 0, 0)), np.empty((0, 4)))
"""``start`` and ``rival_start`` for a batch without a history: the initial shares are rest
points, the factories and stocks those of the scenario's parameters."""


def _start(
    static: Static,
    p: ParamArrays,
    responses: np.ndarray | None,
    threads: bool = False,
    backcast: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """What each run starts from (``sim.core.dynamics.history``).

    (3, R, N) and (R, 4), or :data:`_NO_START`. ``backcast``: each run's backcast parameter
    rows (R, P) in place of ``history.backcast_arrays`` (a posterior draw's backcast-only values).
    Runs with the same backcast (:func:`distinct_runs`) share one: a design point's
    replications run it once.
    """
    if static.history is None:
        return _NO_START
    history = static.history
    rows = history_mod.backcast_arrays(history, p) if backcast is None else backcast
    expected = (runs_of(p), history.params_row.size)
    if rows.shape != expected:
        raise ValueError(f"backcast rows of shape {rows.shape}, expected {expected}")
    rows = np.ascontiguousarray(rows, dtype=np.float64)
    first, inverse = distinct_runs(rows, responses)
    if first.size == rows.shape[0]:  # every run its own backcast: no gathering
        return history_mod.carried(*_run_to_end(history.static, rows, responses, threads))
    distinct = None if responses is None else responses[first]
    constants, end = _run_to_end(history.static, rows[first], distinct, threads)
    members, rival = history_mod.carried(constants, end)
    return np.ascontiguousarray(members[:, inverse]), np.ascontiguousarray(rival[inverse])


def initial_state(
    static: Static, p: ParamArrays, responses: np.ndarray | None = None
) -> tuple[Constants, State]:
    """Initialise every run of a batch from the members' data and the parameters.

    With a history (``Static.history``) its backcast runs first and each run starts from its
    end state (``sim.core.dynamics.history``).

    Args:
        static: the batch's members and calendar.
        p: the batch's parameters.
        responses: (R, 2, N) each run's threat and pressure multipliers (default: the members').

    Returns:
        (each run's constants, the state at row 0).
    """
    runs, n = runs_of(p), static.members.n
    start = _start(static, p, responses)
    constants = _new_constants(static, runs, responses)
    state = _new_state(0, runs, n, _orders(runs, n, static.n_steps))
    work, totals = _work(runs, n)
    step_module().initialise(static.arrays, p, constants, state, *start, *work, totals)
    return constants, state


def step(
    static: Static,
    p: ParamArrays,
    c: Constants,
    s: State,
    member_noise: np.ndarray,
    rival_noise: np.ndarray,
) -> State:
    """Advance every run by one quarter (processes 1-6 of ``sim.core.dynamics``).

    Args:
        static: the batch's members and calendar.
        p: the batch's parameters from ``param_arrays``.
        c: the runs' constants from :func:`initial_state`.
        s: the state at row ``s.k``.
        member_noise: standard-normal shocks (R, N) for this quarter.
        rival_noise: standard-normal shocks (R,) for this quarter.

    Returns:
        The state at row ``s.k + 1`` (it shares the tables of orders with ``s``).
    """
    runs, n = runs_of(p), static.members.n
    new = _new_state(s.k + 1, runs, n, (s.orders_cumulative, s.rival_orders_cumulative))
    work, totals = _work(runs, n)
    member = np.ascontiguousarray(member_noise, dtype=np.float64).reshape(runs, 1, n)
    rival = np.ascontiguousarray(rival_noise, dtype=np.float64).reshape(runs, 1)
    step_module().advance(static.arrays, p, c, s, new, s.k, member, rival, 0, *work, totals)
    return new


def trajectory(
    static: Static, p: ParamArrays, member_noise: np.ndarray, rival_noise: np.ndarray
) -> Iterator[tuple[Constants, State]]:
    """Yield every run's constants and state at each row, the initial state first.

    One quarter at a time through :func:`step` (``n_steps + 1`` states); :func:`run_batch` does
    the same in one compiled call and keeps only the metrics.
    """
    constants, state = initial_state(static, p)
    yield constants, state
    for k in range(static.n_steps):
        state = step(static, p, constants, state, member_noise[:, k], rival_noise[:, k])
        yield constants, state


def draw_shocks(
    seeds: Sequence[int], n_steps: int, n_members: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw every run's standard-normal shocks from its own seed.

    Each run's seed spawns two independent streams (numpy ``SeedSequence``): one for the members,
    one for the rival, so that changing the rival's parameters leaves the members' draws alone
    and a run's draws do not depend on which batch it is in. Stream ``k`` of seed ``s`` is
    ``default_rng(SeedSequence(s).spawn(2)[k]).standard_normal``, drawn by a compiled copy of
    numpy's algorithms (``sim.core.normal_streams``: the same numbers, a fifth of the time), from
    the library compiled ahead of time where there is one (``sim.core.dynamics.native``).

    Returns:
        member shocks (R, T, N) and rival shocks (R, T).
    """
    return normal_streams(
        seeds, n_steps, n_members, compiled=functools.partial(native.entry, "fill")
    )


def run_batch(
    static: Static,
    p: ParamArrays,
    member_noise: np.ndarray,
    rival_noise: np.ndarray,
    *,
    n_alliance: int,
    n_member: int = 0,
    keep_members: bool = False,
    keep_core: bool = False,
    keep_alliance: bool = True,
    threads: bool = False,
    responses: np.ndarray | None = None,
    backcast: np.ndarray | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Every run through every quarter in one compiled call, keeping the metrics.

    Args:
        static: the batch's members and calendar.
        p: the batch's parameters.
        member_noise: (R, T, N) standard-normal member shocks.
        rival_noise: (R, T) rival shocks.
        n_alliance: the number of alliance metrics (``len(metrics.ALLIANCE_COLUMNS)``).
        n_member: the number of member metrics (``len(metrics.MEMBER_COLUMNS)``).
        keep_members: keep every member metric (R, T+1, N, M).
        keep_core: keep the core shares alone (R, T+1, N).
        keep_alliance: keep the alliance metrics (the calibration needs only the core shares).
        threads: spread the runs over the CPU's threads (numba's ``prange``; the same numbers),
            for one process on a machine of its own (the calibration; sweep workers keep one).
        responses: (R, 2, N) each run's threat and pressure multipliers (default: the members').
        backcast: (R, P) each run's backcast parameters, with a history (default: the
            backcast config's, with the run's behaviour: ``history.backcast_arrays``).

    Returns:
        (alliance metrics (R, T+1, K) or None, member metrics or None, core shares or None).
    """
    runs, n, rows = runs_of(p), static.members.n, static.n_steps + 1
    s0, s1 = _state_pair(runs, n, static.n_steps)
    alliance = np.empty((runs if keep_alliance else 0, rows, n_alliance))
    members = np.empty((runs if keep_members else 0, rows, n, n_member))
    core = np.empty((runs if keep_core else 0, rows, n))
    work, totals = _work(runs, n)
    start = _start(static, p, responses, threads, backcast)
    f64 = np.ascontiguousarray
    _run(
        threads, static.arrays, p, _new_constants(static, runs, responses), s0, s1, *start,
        f64(member_noise, dtype=np.float64), f64(rival_noise, dtype=np.float64),
        alliance, members, core, work, totals,
    )  # fmt: skip
    return (
        alliance if keep_alliance else None,
        members if keep_members else None,
        core if keep_core else None,
    )


def distinct_runs(rows: np.ndarray, responses: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The runs whose backcasts differ, and which of them each run's backcast is.

    The backcast has no shocks: a run's end state is a function of its backcast parameter row
    and its responses alone, computed by each run on its own (the same bits in any batch). Runs
    equal in both, bit for bit (the replications of a design point), share one backcast. Runs
    are grouped by a hash of their bits, then checked equal to their group's first run; should
    two differing runs share a hash, every run is compared in full instead.

    Args:
        rows: (R, P) each run's backcast parameters.
        responses: (R, 2, N) each run's multipliers, or None (every run the members').

    Returns:
        (the first run of each distinct backcast, ascending; each run's index into them).
    """
    runs = len(rows)
    key = rows if responses is None else np.hstack([rows, responses.reshape(runs, -1)])
    bits = np.ascontiguousarray(key, dtype=np.float64).view(np.uint64).reshape(runs, -1)
    with np.errstate(over="ignore"):
        hashed = (bits * _mixers(bits.shape[1])).sum(axis=1, dtype=np.uint64)
    _, first, inverse = np.unique(hashed, return_index=True, return_inverse=True)
    if not np.array_equal(bits, bits[first[inverse]]):  # two backcasts with one hash
        flat = bits.view(np.dtype((np.void, bits.shape[1] * 8))).ravel()
        _, first, inverse = np.unique(flat, return_index=True, return_inverse=True)
    order = np.argsort(first)  # the distinct backcasts in the runs' own order
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order], rank[inverse.reshape(-1)]


def _mixers(width: int) -> np.ndarray:
    """Odd 64-bit multipliers, one a column, for :func:`distinct_runs`' hash (wrapping)."""
    with np.errstate(over="ignore"):
        return (2 * np.arange(width, dtype=np.uint64) + np.uint64(1)) * np.uint64(
            0x9E3779B97F4A7C15
        )
