"""A run's summary in words: what ``sim run`` prints after a run (``--json`` prints the JSON).

This module owns :func:`summary_lines`: the 2035 outcome against the target (met or missed, and
when), the members at each line, the munitions ratio and its peak, the extra spending and the
arms-race regime with its meaning, each in one line, from the run's ``summary.json``
(``sim.core.summary.summary_dict``).
"""

from __future__ import annotations

from typing import Any

from sim.core.regimes import REGIME_LABELS, REGIME_MEANINGS
from sim.core.targets import TARGET_LINES


def summary_lines(summary: dict[str, Any], target_core_pct: float) -> list[str]:
    """The run's summary in readable lines (see the module)."""
    final, lines, end = summary["final"], summary["lines"], summary["end"]
    core = final["alliance_core_share_pct"]
    verdict = "met" if core >= target_core_pct - 1e-9 else "missed"
    out = [
        f"{summary['scenario']} (seed {summary['seed']}), {summary['start']}-{end}:",
        f"  alliance core share in {end}: {core:.2f}% against the {target_core_pct:g}% target: "
        f"{verdict}",
    ]
    for line in TARGET_LINES:
        entry = lines[line.label]
        first = entry["alliance_first_quarter"]
        when = f"the alliance first at it in {first}" if first else "the alliance never at it"
        out.append(
            f"  {line.label} line ({entry['measure']}): {entry['members_final']} of "
            f"{entry['members_total']} members at or above it in {end}; {when}"
        )
    peak = summary["peak_munitions_ratio"]
    out.append(
        f"  munitions output ratio (rival / allies): {final['munitions_ratio']:.2f} in {end}, "
        f"peak {peak['value']:.2f} in {peak['quarter']}"
    )
    extra = summary["cumulative_extra_spending_usd_bn"]
    out.append(f"  extra defence spending since the start: US${extra:,.0f} bn")
    regime = summary["regime"]
    out.append(f"  regime: {REGIME_LABELS.get(regime, regime)}: {REGIME_MEANINGS.get(regime, '')}")
    if summary["status"] != "ok":
        out.append(f"  status: {summary['status']}")
    return out


__all__ = ["summary_lines"]
