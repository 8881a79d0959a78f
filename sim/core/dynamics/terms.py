"""Decision terms declared once: a member's desired share is an anchor plus its terms.

A :class:`Term` declares one term of a member's decision: its name (the output column is
``{name}_pp``, the alliance mean ``mean_{name}_pp``), label, unit, sign, a one-line doc and the
compiled function computing it (its ``kernel``). The state (``State.term_values``), the compiled
decision (``decide``, generated from this registry by ``sim.core.dynamics.compiled``), the output
columns (``sim.core.metrics.MEMBER_COLUMNS`` / ``ALLIANCE_COLUMNS``), ``MemberState.decision()``
and ``explain()``, the web page's member card and table, and docking's checklist are all built
from :func:`member_terms`, the registry, in its order.

A member's desired core share is::

    before  = anchor + sign_1 * term_1 + sign_2 * term_2 + ...   (the terms that do not pull)
    desired = before + pressure                                  (the term that pulls)

in registry order (a term with sign +1 is added, one with sign -1 subtracted, so the default
``anchor + threat - free_riding`` is computed exactly as before the terms were declared). The
pressure term (``pulls=True``) is computed from ``before``: it pulls the desired share toward
the target path. The defaults are threat, pressure and free riding
(``sim.core.dynamics.threat``, ``.pressure``, ``.free_riding``); add one with
:func:`register_member_term` (docs/EXTENDING.md walks through it).

The rival's decision is its own (``sim.core.dynamics.rival``): it aims for what its war
consumes and the stock it wants (plus ``rival_target_ratio`` times the alliance's output in
Richardson's limit), within its ramp limit, its factories and its budget; it has no declared
terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from sim.core.dynamics.state import Constants, State, StaticArrays


class TermInputs(NamedTuple):
    """What a term's kernel ``kernel(x, r, out)`` may read (``x``) for the members of run r.

    At the initial state (a term with ``anchored=True`` is evaluated there) ``s`` is the initial
    state, ``k`` is 0, and ``path``, ``weight``, ``peers`` and ``before`` are 0.
    """

    static: StaticArrays  # the members' data and the calendar, as arrays
    p: Any  # the parameters (sim.core.dynamics.arrays.ParamArrays): p.name[r]
    c: Constants  # each run's constants
    s: State  # the state at the start of the quarter (row k)
    k: int  # the quarter: the decision gives row k + 1
    threat: np.ndarray  # (R, N) this quarter's perceived threat
    path: np.ndarray  # (R, N) target path in force, % GDP
    weight: np.ndarray  # (R, N) pressure weight in [0, 1]
    peers: np.ndarray  # (R, N) fraction of regional peers at the target
    before: np.ndarray  # (R, N) desired share before the pulling term (set just before it)
    spending_total: np.ndarray  # (R,) the alliance's core spending at the start of the quarter
    gdp_total: np.ndarray  # (R,) the alliance's GDP at the start of the quarter
    gdp_initial_total: np.ndarray  # (R,) the alliance's GDP in the initial state


@dataclass(frozen=True)
class Term:
    """One term of a member's decision, in percentage points of GDP.

    Attributes:
        name: identifier; the member output column is ``{name}_pp``, the alliance's
            ``mean_{name}_pp`` (the mean over members with armed forces).
        label: as shown to a reader ("Threat", "Free riding").
        unit: unit of the term's value ("pp of GDP").
        sign: +1 adds the value to the desired share, -1 subtracts it.
        doc: one line saying what the term is.
        kernel: ``kernel(x, r, out)``, a function decorated with
            ``sim.core.dynamics.jit.inlined`` that writes the term's value for each member of
            run r into ``out`` (N,), reading ``x`` (:class:`TermInputs`); 0 for members
            without armed forces (multiply by ``x.static.armed[i]``).
        anchored: evaluated at the initial state and absorbed into the anchor
            (``anchor_mode = 'rest_point'``), so that the initial shares are rest points;
            otherwise the term is 0 in the initial state.
        pulls: computed after the other terms from their sum (``inputs.before``) and added
            to it (the pressure term); at most one term pulls.
    """

    name: str
    label: str
    unit: str
    sign: int
    doc: str
    kernel: Callable[..., float]
    anchored: bool = False
    pulls: bool = False

    def __post_init__(self) -> None:
        """Refuse a declaration the columns or the sum cannot use."""
        if not self.name.isidentifier():
            raise ValueError(f"term name {self.name!r}: expected an identifier")
        if self.sign not in (1, -1):
            raise ValueError(f"term {self.name!r}: sign {self.sign!r}, expected +1 or -1")
        if self.pulls and self.sign != 1:
            raise ValueError(f"term {self.name!r}: a pulling term has sign +1")
        if not callable(self.kernel):
            raise ValueError(
                f"term {self.name!r}: kernel {self.kernel!r}, expected a function "
                "kernel(x, r, out) decorated with sim.core.dynamics.jit.inlined"
            )

    @property
    def column(self) -> str:
        """The member output column, e.g. ``threat_pp``."""
        return f"{self.name}_pp"

    @property
    def mean_column(self) -> str:
        """The alliance output column, e.g. ``mean_threat_pp``."""
        return f"mean_{self.name}_pp"

    def contribution(self, value: float) -> float:
        """The term's signed effect on the desired share (``-value`` for sign -1)."""
        return value if self.sign > 0 else 0.0 - value


_REGISTRY: list[Term] = []
_DEFAULTS: list[str] = []


def member_terms() -> tuple[Term, ...]:
    """The terms of a member's decision in force, in order (their columns' order)."""
    return tuple(_REGISTRY)


def register_member_term(term: Term, *, default: bool = False) -> Term:
    """Add a term to every member's decision, after those already registered.

    Args:
        term: the declaration.
        default: one of the model's own terms (only ``sim.core.dynamics`` registers these;
            they cannot be unregistered).

    Returns:
        The term, so a module can write ``FISCAL_SPACE = register_member_term(Term(...))``.

    Raises:
        ValueError: a term of that name is registered, or a second term that pulls.
    """
    if any(t.name == term.name for t in _REGISTRY):
        raise ValueError(f"term {term.name!r} is already registered")
    if term.pulls and any(t.pulls for t in _REGISTRY):
        raise ValueError(f"term {term.name!r}: only one term may pull toward the target path")
    _REGISTRY.append(term)
    if default:
        _DEFAULTS.append(term.name)
    return term


def unregister_member_term(name: str) -> None:
    """Remove a term added with :func:`register_member_term` (not one of the model's own).

    Raises:
        ValueError: no such term, or one of the model's own terms.
    """
    if name in _DEFAULTS:
        raise ValueError(f"term {name!r} is one of the model's own terms: it cannot be removed")
    for i, term in enumerate(_REGISTRY):
        if term.name == name:
            del _REGISTRY[i]
            return
    raise ValueError(f"no term {name!r} is registered")
