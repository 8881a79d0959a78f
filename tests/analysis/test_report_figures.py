"""The report's figures: labels not raw names, one colour per level, a true time-to-target curve.

On the small golden sweep (``tests/analysis/conftest.py``: US pressure [0.2, 0.8] x the rival's
target ratio [3, 10] x a ceasefire ["", 2026Q1], 3 paired replications). The words of each
figure are those :func:`sim.analysis.figures.figure_texts` read from the drawn figure.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from sim.analysis import figures as figs
from sim.analysis import tables as tabs
from sim.analysis.reached import reached_by_quarter
from sim.analysis.report_facets import facets
from sim.analysis.tables import OUTCOME_LABELS
from sim.core.params import PARAM_FIELDS
from sim.runs.figure import plt
from sim.sweep.store import load_sweep

SWEPT = ["hegemon_pressure", "rival_target_ratio", "ceasefire_quarter"]


def words(texts: dict) -> list[str]:
    """Every string of a figure's texts (title, panel titles, axis labels, ticks, legends)."""
    out = [texts["title"]]
    for ax in texts["axes"]:
        out += [ax["title"], ax["xlabel"], ax["ylabel"], *ax["yticklabels"]]
    for legend in texts["legends"]:
        out += [legend["title"], *legend["entries"]]
    return [" ".join(w.split()) for w in out if w]  # labels wrapped onto lines: one line


def test_figures_carry_labels_never_raw_names(golden_report):
    raw = [*PARAM_FIELDS, *OUTCOME_LABELS]
    assert set(golden_report.figure_texts) == {
        "outcomes",
        "paired_differences",
        "paired_over_time",
        "regime_map",
        "time_to_target",
    }
    for name, texts in golden_report.figure_texts.items():
        shown = " | ".join(words(texts))
        assert [n for n in raw if re.search(rf"\b{n}\b", shown)] == [], f"{name}: {shown}"
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", shown), f"{name}: snake_case in {shown}"
    fan = golden_report.figure_texts["outcomes"]
    assert fan["legends"][0]["title"] == "US pressure (0-1)"
    assert fan["legends"][0]["entries"] == ["0.2", "0.8"]  # one entry per level, not "50% of runs"
    assert "other axes at the reference point: Rival's target ratio = 3, Ceasefire = none" in (
        " ".join(fan["title"].split())
    )
    assert [a["ylabel"].replace("\n", " ") for a in fan["axes"]][0] == OUTCOME_LABELS[
        "alliance_core_share_pct"
    ]
    regime = golden_report.figure_texts["regime_map"]["axes"][0]
    assert (regime["xlabel"], regime["ylabel"]) == (
        "US pressure (0-1)",
        "Rival's target ratio (ratio)",
    )
    paired = golden_report.figure_texts["paired_differences"]["axes"][0]
    assert paired["ylabel"] == "US pressure, Rival's target ratio, Ceasefire"
    assert "0.2, 3, 2026Q1" in paired["yticklabels"]


def test_bands_and_swatches_have_their_levels_colour(golden_sweep):
    result = load_sweep(golden_sweep)
    frame = result.summary.merge(result.runs, on="run_id")
    f = facets(frame, result.design, SWEPT, "rival_target_ratio", 0, "grid")
    assert f.levels == [3.0, 10.0] and f.point_of_level == {3.0: 0, 10.0: 2}
    bands = {
        "alliance_core_share_pct": tabs.series_bands(
            result.alliance, "alliance_core_share_pct", f.arm_of_run
        )
    }
    fig = figs.fan_figure(bands, f.drawn, f.colours, f.title)
    ax = fig.axes[0]
    band_colours = [to_rgb(c.get_facecolor()[0]) for c in ax.collections]
    swatches = [to_rgb(h.get_facecolor()) for h in fig.legends[0].legend_handles]
    expected = [to_rgb(f.colours[level]) for level in f.levels]
    assert band_colours == expected and swatches == expected  # not grey swatches, blue bands
    medians = {to_rgb(line.get_color()) for line in ax.lines if line.get_linestyle() == "-"}
    assert set(expected) <= medians
    plt.close(fig)
    # the same level keeps its colour whatever is held fixed (another reference point)
    other = facets(frame, result.design, SWEPT, "rival_target_ratio", 5, "grid")
    assert other.colours == f.colours and other.point_of_level == {3.0: 5, 10.0: 7}


def test_time_to_target_rises_to_the_share_of_runs_that_reached_the_line(golden_sweep):
    result = load_sweep(golden_sweep)
    frame = result.summary.merge(result.runs, on="run_id")
    f = facets(frame, result.design, SWEPT, "hegemon_pressure", 0, "grid")
    quarters = sorted(result.alliance["quarter"].unique())
    curve = reached_by_quarter(frame, quarters, f.arm_of_run)
    # derived here from the runs' own series: a run reached 3.5% core if its alliance core
    # share was ever at or above 3.5 (the stored float32 series, within its rounding)
    peak = result.alliance.groupby("run_id")["alliance_core_share_pct"].max()
    reached = peak >= 3.5 - 1e-6
    finals = {}
    for level, group in curve.groupby("arm"):
        values = group.sort_values("quarter")["runs_core_3_5"].to_numpy()
        assert np.all(np.diff(values) >= 0), level  # non-decreasing
        runs = f.arm_of_run[f.arm_of_run == level].index
        assert values[-1] == reached.loc[runs].mean()
        assert len(group) == len(quarters) and group["n_runs"].iloc[0] == len(runs) == 3
        finals[level] = values[-1]
    assert max(finals.values()) > 0  # some runs did reach it: the test can tell
    texts = figs.figure_texts(
        figs.time_to_target_figure(
            curve, tabs.time_to_target(result.alliance, 32, f.arm_of_run), f.drawn, f.colours,
            f.title,
        )
    )  # fmt: skip
    # the legend states the share that reached each line by the end (the rest never did)
    entries = texts["legends"][0]["entries"]
    assert [e.split(":")[0] for e in entries] == [f.labels[lv] for lv in finals]
    shown = [float(e.split(": ")[1].split("%")[0]) for e in entries]
    assert shown == pytest.approx([100 * v for v in finals.values()], abs=0.5)
    assert all(e.endswith(" / 0%") for e in entries)  # no run reached 5% core + related
    plt.close("all")


def test_the_curve_counts_a_run_from_its_first_quarter_at_the_line():
    frame = pd.DataFrame(
        {
            "run_id": [0, 1, 2, 3],
            "first_quarter_alliance_at_or_above_3_5pct": ["2025Q2", "2026Q1", "", ""],
            "first_quarter_alliance_at_or_above_5pct": ["", "", "", "2025Q1"],
        }
    )
    quarters = ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    curve = reached_by_quarter(frame, quarters).set_index("quarter")
    assert curve["runs_core_3_5"].tolist() == [0.0, 0.25, 0.25, 0.25, 0.5]  # 2 of 4 ever
    assert curve["runs_total_5"].tolist() == [0.25] * 5
    assert curve.loc["2025Q1", "year"] == 2025.25  # the end of the quarter
