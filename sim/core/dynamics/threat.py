"""Process 1, threat perception, and the threat term of a member's decision.

Each member's threat signal is its exposure times the rival's output relative to the alliance's
(log of the ratio over a reference, or the rival's output level), plus any scheduled shock;
perception is smoothed with memory. The threat term is the sensitivity times the perceived
threat times the member's regional multiplier (``Members.threat_response``, 1 without a region
table).
"""

from __future__ import annotations

import numpy as np

from sim.core.dynamics.arrays import ParamArrays
from sim.core.dynamics.state import EPS, State, Static
from sim.core.dynamics.terms import Term, TermInputs


def threat_signal(
    static: Static,
    p: ParamArrays,
    rival_output: np.ndarray,
    alliance_output: np.ndarray,
    k: int,
) -> np.ndarray:
    """Each member's threat signal at row k (R, N); row 0 leaves out the start shock.

    The start shock (``start_threat_shock_size``) is in force from the first step but not in the
    initial state, so the anchors (set so that the initial shares are rest points) do not absorb
    it: the members respond to it.
    """
    if static.threat_signal == "rival_output":
        base = rival_output[:, None]
    else:
        ratio = rival_output / np.maximum(alliance_output, EPS)
        relative = np.maximum(ratio[:, None], EPS) / p.threat_reference_ratio
        base = np.maximum(0.0, np.log(relative))
    shock = p.threat_shock_size * static.shock_on[k]
    if k > 0:
        shock = shock + p.start_threat_shock_size
    return static.members.exposure[None, :] * (base + shock)


def perceive_threat(static: Static, p: ParamArrays, s: State) -> np.ndarray:
    """Process 1: smoothed threat perception after this quarter's signal (R, N)."""
    signal = threat_signal(static, p, s.rival_output, s.alliance_output, s.k + 1)
    return p.threat_memory * s.threat + (1 - p.threat_memory) * signal


def threat_term(inputs: TermInputs) -> np.ndarray:
    """The threat term (R, N), pp of GDP: sensitivity x perceived threat x regional multiplier."""
    m = inputs.static.members
    return (
        inputs.p.threat_sensitivity_pp
        * inputs.threat
        * m.armed[None, :]
        * m.threat_response[None, :]
    )


THREAT = Term(
    name="threat",
    label="Threat",
    unit="pp of GDP",
    sign=1,
    doc="core share added for the perceived threat from the rival",
    function=threat_term,
    anchored=True,
)
"""The threat term (absorbed into the anchor at the start: the initial shares are rest points)."""
