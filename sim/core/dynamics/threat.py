"""Process 1, threat perception, and the threat term of a member's decision.

Each member's threat signal is its exposure times the rival's output relative to the alliance's
(log of the ratio over a reference, or the rival's output level), plus any scheduled shock;
perception is smoothed with memory. The threat term is the sensitivity times the perceived
threat times the member's regional multiplier (``Members.threat_response``, 1 without a region
table).
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics import param_index as P
from sim.core.dynamics.air_defence import threat_relief
from sim.core.dynamics.jit import fmax, inlined
from sim.core.dynamics.state import EPS, RIVAL_OUTPUT_SIGNAL
from sim.core.dynamics.terms import Term


@inlined
def threat_level(st, p, r: int, rival_output: float, alliance_output: float, k: int) -> float:
    """Run r's threat signal before exposure at row k; row 0 leaves out the start shock.

    The start shock (``start_threat_shock_size``) is in force from the first step but not in the
    initial state, so the anchors (set so that the initial shares are rest points) do not absorb
    it: the members respond to it. A member's signal is its exposure times this level.
    """
    if st.threat_signal == RIVAL_OUTPUT_SIGNAL:
        base = rival_output
    else:
        ratio = rival_output / fmax(alliance_output, EPS)
        relative = fmax(ratio, EPS) / p[r, P.threat_reference_ratio]
        base = fmax(0.0, np.log(relative))
    shock = p[r, P.threat_shock_size] * st.shock_on[k]
    if k > 0:
        shock = shock + p[r, P.start_threat_shock_size]
    return base + shock


@inlined
def perceive_threat(st, p, c, s, new, r: int, k: int, alliance_output: float) -> None:
    """Process 1: run r's smoothed threat perception after quarter k's signal (``new.threat``).

    A member's signal is its exposure times the level, plus the threat it carries from a
    backcast (``c.threat_carried``, 0 without one), relieved by its air-defence capability
    (``sim.core.dynamics.air_defence.threat_relief``, 1 at the start).

    The perceived threat does not fall below zero. Without a backcast the signal never does; with
    one, the carried part is negative where the backcast's smoothed threat lags the scenario's
    first signal, and a signal that collapses (a war that stops in the first quarter: the
    rival's output falls from nine times the allies' to parity within three years) would take
    the perception below zero, which the threat invariant refuses. Where the perception stays
    at or above zero (every run that broke no invariant before) nothing changes, bit for bit.
    """
    level = threat_level(st, p, r, s.rival_output[r], alliance_output, k + 1)
    memory = p[r, P.threat_memory]
    relieved = p[r, P.air_defence_threat_relief] > 0.0  # else the loop stays a plain one
    for i in range(st.exposure.shape[0]):
        signal = st.exposure[i] * level + c.threat_carried[r, i]
        if relieved:
            signal = signal / threat_relief(p, r, s.air_defence[r, i])
        perceived = memory * s.threat[r, i] + (1 - memory) * signal
        new.threat[r, i] = 0.0 if perceived < 0.0 else perceived  # NaN stays NaN


@inlined
def threat_term(x, r: int, out: np.ndarray) -> None:
    """The threat term of run r's members (pp of GDP).

    Sensitivity x perceived threat x regional multiplier.
    """
    sensitivity = x.p[r, P.threat_sensitivity_pp]
    threat, armed, response = x.threat[r], x.static.armed, x.c.threat_response[r]
    for i in range(out.shape[0]):
        out[i] = sensitivity * threat[i] * armed[i] * response[i]


THREAT = Term(
    name="threat",
    label="Threat",
    unit="pp of GDP",
    sign=1,
    doc="core share added for the perceived threat from the rival",
    kernel=threat_term,
    anchored=True,
)
"""The threat term (absorbed into the anchor at the start: the initial shares are rest points)."""
