"""Analytic results the model must dock with: Richardson's arms race and Olson-Zeckhauser.

This module owns the closed forms and reference iterations of the two theories the model claims
to represent (docs/THEORY.md §0, §1, §2.1; validation targets 1-5 of §6), and the exact mapping from
a configuration of the model onto Richardson's two-party system. Tests and
``experiments/validation`` compare the model's runs with these; nothing here runs the model.

**Richardson.** ``dx/dt = a*y - m*x + g``, ``dy/dt = b*x - n*y + h``. With one member (constant
GDP, exposure ``e``), ``threat_signal = "rival_output"``, ``threat_memory = 0``, ``anchor_mode =
"fixed"``, no pressure, no noise, no shock, no war, no stock target, production lead times of 0
and a rival whose rounds cost its budget nothing (``rival_round_cost_usd_k = 0``: the budget
never limits its output), one model step is exactly an Euler step of
size ``DT`` = 0.25 years of that system with x = the member's core share (pp), y = the rival's
output, and (:func:`richardson_coefficients`)::

    m = adjustment_speed_per_year            a = m * threat_sensitivity_pp * e * threat multiplier
    g = m * anchor_fixed_pct_gdp             n = rival_adjustment_speed_per_year
    b = n * rival_target_ratio * kappa       h = n * rival_output_baseline_m_per_year

where ``kappa`` is the alliance's munitions output per point of core share,
``munitions_fraction_of_core`` times the armed members' GDP over 100 over
``alliance_round_cost_usd_k`` (1 in ``configs/richardson_base.toml``). The dock is exact while
the floors at zero and the ramp limits do not bind.

**Step size.** The Euler map ``z -> (I + dt*J) z + dt*c`` has the ODE's fixed point for every
``dt`` but is stable only under the Jury conditions (docs/THEORY.md §1.5, :func:`euler_stability`).
The model's step is fixed at a quarter, and its parameter ranges keep both adjustment speeds at most
4 per year (``m*dt <= 1`` and ``n*dt <= 1``). Then a stable ODE always gives a stable step: with
``M = m*dt``, ``N = n*dt`` in (0, 1] and ``P = a*b*dt**2 < M*N`` (ODE stability), the second Jury
condition ``(2 - M)*(2 - N) > P`` holds because ``(2 - M)*(2 - N) >= 1 >= M*N > P``, and the third,
``M*N - P < M + N``, because ``M*N <= min(M, N)``. So inside its ranges the model never shows a
spurious, step-size instability; :func:`euler_stability` detects and reports one for any
coefficients (e.g. Case I at ``dt`` = 0.35 or 1, which need speeds above the ranges), and
:func:`stability_report` (``python -m sim validate``) reports the classification of a config.

**Olson-Zeckhauser.** With ``anchor_mode = "public_good"`` a member's desired spending is
``beta*I_i - (1 - beta)*Q~_i`` (``free_riding_strength = 1 - beta``, floored at 0), the
Cobb-Douglas best response; partial adjustment at speed ``lambda`` is a damped Jacobi iteration
that converges to the Nash equilibrium of :func:`oz_nash` when ``lambda*dt`` is small enough.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from sim.core.data import Members
from sim.core.dynamics import DT, member_terms
from sim.core.params import Params
from sim.core.regimes import richardson_linearisation
from sim.validation.olson_zeckhauser import oz_iterate as oz_iterate
from sim.validation.olson_zeckhauser import oz_nash as oz_nash

# ---------------------------------------------------------------------------------------------
# Richardson: closed forms


def richardson_equilibrium(
    a: float, b: float, m: float, n: float, g: float, h: float
) -> tuple[float, float]:
    """Richardson's equilibrium ``x* = (n g + a h)/(m n - a b)``, ``y* = (m h + b g)/(m n - a b)``.

    Raises:
        ZeroDivisionError: when ``m n = a b`` (parallel optimal lines, no unique equilibrium).
    """
    det = m * n - a * b
    if det == 0:
        raise ZeroDivisionError("m*n = a*b: no unique equilibrium")
    return (n * g + a * h) / det, (m * h + b * g) / det


def richardson_jacobian(a: float, b: float, m: float, n: float) -> np.ndarray:
    """The Jacobian ``J = [[-m, a], [b, -n]]`` of Richardson's system."""
    return np.array([[-m, a], [b, -n]], dtype=float)


def richardson_eigenvalues(a: float, b: float, m: float, n: float) -> tuple[float, float]:
    """Eigenvalues ``-(m+n)/2 -+ sqrt((m-n)^2 + 4ab)/2`` of the Jacobian, smaller first."""
    root = math.sqrt((m - n) ** 2 + 4 * a * b)
    return -(m + n) / 2 - root / 2, -(m + n) / 2 + root / 2


def richardson_regime(a: float, b: float, m: float, n: float) -> str:
    """'stable' if ``m n > a b``, 'runaway' if ``m n < a b`` (a saddle), else 'neutral'."""
    det = m * n - a * b
    return "stable" if det > 0 else "runaway" if det < 0 else "neutral"


def richardson_solve(
    a: float,
    b: float,
    m: float,
    n: float,
    g: float,
    h: float,
    x0: float,
    y0: float,
    t_end: float,
    rtol: float = 1e-12,
    t_eval: np.ndarray | None = None,
):
    """Integrate Richardson's ODE with RK45 (scipy ``solve_ivp``); returns the solver result."""

    def rhs(_t, z):
        return [a * z[1] - m * z[0] + g, b * z[0] - n * z[1] + h]

    return solve_ivp(
        rhs, (0.0, t_end), [x0, y0], method="RK45", rtol=rtol, atol=rtol * 1e-2, t_eval=t_eval
    )


# ---------------------------------------------------------------------------------------------
# Richardson: discrete (Euler) dynamics and the step-size threshold


def euler_matrix(a: float, b: float, m: float, n: float, dt: float) -> np.ndarray:
    """The Euler step's matrix ``I + dt*J``."""
    return np.eye(2) + dt * richardson_jacobian(a, b, m, n)


@dataclass(frozen=True)
class EulerStability:
    """Stability of Richardson's system stepped by Euler with step ``dt``."""

    dt: float
    continuous: str  # richardson_regime of the ODE
    jury: tuple[float, float, float]  # 1+D-T, 1+D+T, 1-D (all > 0 <=> stable)
    spectral_radius: float
    dt_max: float  # largest stable step (0 if the ODE is not stable)

    @property
    def stable(self) -> bool:
        """True if the discrete iteration converges (all Jury conditions hold)."""
        return all(c > 0 for c in self.jury)

    def describe(self) -> str:
        """One line for reports."""
        verdict = "stable" if self.stable else "UNSTABLE"
        limit = f"{self.dt_max:.6g}" if math.isfinite(self.dt_max) else "any"
        return (
            f"Euler step dt = {self.dt:g}: {verdict} (spectral radius "
            f"{self.spectral_radius:.6g}; stable for dt < {limit}; ODE {self.continuous})"
        )


def euler_threshold(a: float, b: float, m: float, n: float) -> float:
    """The largest Euler step for which the iteration is stable (docs/THEORY.md §1.5).

    For a stable ODE (``m n > a b``) the step must satisfy
    ``4 - 2 dt (m+n) + dt^2 (m n - a b) > 0`` (below the smaller root of that quadratic) and
    ``dt (m n - a b) < m + n``. Returns 0 when the ODE itself is not stable, ``inf`` when no
    step is too large (a degenerate system with ``m = n = 0``).
    """
    det = m * n - a * b
    if det <= 0:
        return 0.0
    s = m + n
    if s <= 0:
        return math.inf
    disc = s * s - 4 * det  # of det*dt^2 - 2 s dt + 4 = 0, divided by 4
    root = (s - math.sqrt(disc)) / det if disc >= 0 else math.inf
    return min(root, s / det)


def euler_stability(a: float, b: float, m: float, n: float, dt: float = DT) -> EulerStability:
    """Classify the Euler iteration of Richardson's system with step ``dt`` (Jury conditions).

    Example: trincoll Case I (a=2, b=2, m=5, n=3) is stable at dt = 0.25 (radius 0.559) and
    0.3 (0.8708), unstable at 0.35 (1.1826) and 1 (5.236); the threshold is (8 - 2 sqrt 5)/11.
    """
    det = m * n - a * b
    jury = (dt * dt * det, 4 - 2 * dt * (m + n) + dt * dt * det, dt * (m + n - dt * det))
    radius = float(np.max(np.abs(np.linalg.eigvals(euler_matrix(a, b, m, n, dt)))))
    return EulerStability(
        dt, richardson_regime(a, b, m, n), jury, radius, euler_threshold(a, b, m, n)
    )


def euler_path(
    a: float,
    b: float,
    m: float,
    n: float,
    g: float,
    h: float,
    x0: float,
    y0: float,
    dt: float,
    steps: int,
) -> np.ndarray:
    """Iterate the Euler map ``steps`` times from (x0, y0); returns (steps + 1, 2).

    With ``dt = 1`` and per-step coefficients this is the discrete teaching model
    ``X' = X + a Y - m X + g`` (docs/THEORY.md §1.5).
    """
    out = np.empty((steps + 1, 2))
    x, y = float(x0), float(y0)
    out[0] = x, y
    for k in range(1, steps + 1):
        x, y = x + dt * (a * y - m * x + g), y + dt * (b * x - n * y + h)
        out[k] = x, y
    return out


# ---------------------------------------------------------------------------------------------
# Richardson: the model's two-party limit


@dataclass(frozen=True)
class RichardsonCoefficients:
    """Richardson's coefficients (per year) of a configuration's two-party limit."""

    a: float
    b: float
    m: float
    n: float
    g: float
    h: float
    exact: bool
    reasons: tuple[str, ...]  # why the mapping is only approximate ('' if exact)

    def euler(self, dt: float = DT) -> EulerStability:
        """Stability of the model's step (Euler with ``dt``) for these coefficients."""
        return euler_stability(self.a, self.b, self.m, self.n, dt)

    @property
    def regime(self) -> str:
        """'stable', 'runaway' or 'neutral' (``m n`` against ``a b``)."""
        return richardson_regime(self.a, self.b, self.m, self.n)


RICHARDSON_TERMS = ("threat", "pressure", "free_riding")
"""The member decision terms the two-party limit maps onto Richardson's coefficients."""


def two_party_reasons(params: Params, members: Members) -> list[str]:
    """What keeps a configuration from being exactly Richardson's two-party system."""
    p = params
    checks = [
        (members.n == 1, f"{members.n} members (the limit has one)"),
        (bool(members.armed.all()), "a member has no armed forces"),
        (
            p.threat_signal == "rival_output",
            f"threat_signal = {p.threat_signal!r} (the linear signal is 'rival_output')",
        ),
        (p.threat_memory == 0, f"threat_memory = {p.threat_memory} (must be 0)"),
        (p.anchor_mode == "fixed", f"anchor_mode = {p.anchor_mode!r} (must be 'fixed')"),
        (
            p.hegemon_pressure * float(members.pressure_response.max()) == 0,
            f"hegemon_pressure = {p.hegemon_pressure} (must be 0)",
        ),
        (p.noise_sd_pp == 0 and p.rival_noise_sd_pct == 0, "noise is on"),
        (not p.threat_shock_quarter or p.threat_shock_size == 0, "a threat shock is scheduled"),
        (p.gdp_growth_pct_per_year == 0, "member GDP grows"),
        (
            p.munitions_lead_first_quarters == 0 and p.munitions_lead_full_quarters == 0,
            "production lead times are not 0",
        ),
        (
            p.rival_round_cost_usd_k == 0,
            "the rival's budget can limit its output (rival_round_cost_usd_k > 0)",
        ),
        (
            not p.war_start_quarter or p.ceasefire_quarter == p.war_start_quarter,
            f"a war is scheduled (war_start_quarter = {p.war_start_quarter!r})",
        ),
        (p.rival_adequacy_ratio == 0, "the rival has a stock target (rival_adequacy_ratio > 0)"),
        (
            p.rival_munitions_lead_full_quarters == 0,
            "the rival's production lead times are not 0",
        ),
        (not members.pledges, "a national pledge binds as a commitment"),
        (
            not p.cap_shares_at_gdp,
            "the member's share is capped at 100% of GDP (cap_shares_at_gdp)",
        ),
    ]
    # the decision terms in force, as declared (sim.core.dynamics.member_terms): the limit has
    # threat (its a), free riding (damping) and pressure (0 above); any other term is extra
    checks += [
        (
            term.name in RICHARDSON_TERMS,
            f"the decision term {term.name!r} ({term.label}) is not in the two-party limit",
        )
        for term in member_terms()
    ]
    return [why for ok, why in checks if not ok]


def richardson_coefficients(params: Params, members: Members) -> RichardsonCoefficients:
    """Richardson's coefficients of a configuration (exact in its two-party limit).

    For several members the coefficients are those of the GDP-weighted aggregate member
    (exposure and threat multiplier weighted by GDP; free riding adds ``m *
    free_riding_strength`` of damping, as in ``sim.core.regimes.richardson_margin``), and ``exact``
    is False with the reasons.
    """
    p = params
    weights = members.gdp_usd_bn * members.armed
    weights = weights / weights.sum()
    exposure = float(np.sum(weights * members.exposure * members.threat_response))
    armed_gdp = float(np.sum(members.gdp_usd_bn * members.armed))
    kappa = p.munitions_fraction_of_core * armed_gdp / 100 / p.alliance_round_cost_usd_k
    linear = richardson_linearisation(
        p.adjustment_speed_per_year,
        p.threat_sensitivity_pp,
        p.rival_adjustment_speed_per_year,
        p.rival_target_ratio,
        free_riding_strength=p.free_riding_strength if members.n > 1 else 0.0,
        threat_gain=exposure,
        output_gain=kappa,
    )
    reasons = tuple(two_party_reasons(p, members))
    return RichardsonCoefficients(
        a=linear.a,
        b=linear.b,
        m=linear.m,
        n=linear.n,
        g=p.adjustment_speed_per_year * p.anchor_fixed_pct_gdp,
        h=p.rival_adjustment_speed_per_year * p.rival_output_baseline_m_per_year,
        exact=not reasons,
        reasons=reasons,
    )


def richardson_overrides(
    a: float, b: float, m: float, n: float, g: float, h: float, x0: float, y0: float
) -> dict[str, float]:
    """Parameter values that put the one-member limit on Richardson's (a, b, m, n, g, h).

    The member's initial share must be ``x0`` (in its member table) and the alliance's output
    per point of share 1 (``configs/richardson_base.toml``); the rival starts at ``y0``.
    """
    return {
        "adjustment_speed_per_year": m,
        "threat_sensitivity_pp": a / m,
        "anchor_fixed_pct_gdp": g / m,
        "rival_adjustment_speed_per_year": n,
        "rival_target_ratio": b / n,
        "rival_output_baseline_m_per_year": h / n,
        "rival_munitions_output_initial_m_per_year": y0,
    }


def stability_report(params: Params, members: Members) -> list[str]:
    """Lines describing a configuration's Richardson limit and its step-size stability."""
    c = richardson_coefficients(params, members)
    lines = [
        f"Richardson limit: a = {c.a:.6g}, b = {c.b:.6g}, m = {c.m:.6g}, n = {c.n:.6g}, "
        f"g = {c.g:.6g}, h = {c.h:.6g} per year: {c.regime} (m n - a b = "
        f"{c.m * c.n - c.a * c.b:.6g})"
    ]
    if not c.exact:
        more = f"; and {len(c.reasons) - 3} more" if len(c.reasons) > 3 else ""
        lines.append(
            "  (GDP-weighted aggregate, an approximation: not the exact two-party limit "
            "because " + "; ".join(c.reasons[:3]) + more + ")"
        )
    if params.threat_signal != "rival_output":
        lines.append(
            "  with threat_signal = 'log_ratio' the threat depends on the ratio of "
            "outputs only, and there is no runaway boundary (sim.core.regimes)"
        )
    e = c.euler(DT)
    lines.append("  " + e.describe())
    if c.regime == "stable" and not e.stable:
        lines.append(
            "  WARNING: the quarterly step is unstable although the continuous system "
            "is stable: results show a discretisation artefact"
        )
    return lines
