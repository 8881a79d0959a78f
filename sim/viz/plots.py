"""The web page's time-series plots and headline numbers.

Each plot is a Vega-Lite chart of columns of the model's data collector (names from
``sim.core.metrics``), with calendar years on the x axis over the whole scenario and the reference
lines of the issue (the 2%, 3.5% and 5% lines, the rival's target ratio where it has one, the
air-defence goal).

Speed: Mesa's ``make_plot_component`` rebuilds and schema-validates an Altair chart (or draws a
matplotlib figure) for every plot every quarter; measured here, five such plots take
0.35-0.45 s (Altair) or 1.1-2 s (matplotlib) per quarter on the server alone, over the page's
300 ms budget. So each plot's chart is built and validated with Altair once per model
(:func:`chart_template`) and each quarter only its data (:func:`series`) goes to the browser,
where :class:`sim.viz.chart.LiveChart` swaps it into the drawn chart. Redraws follow Mesa's
``update_counter``, like Mesa's own plots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd
import solara

from sim.abm.model import AllianceModel
from sim.core.params import parse_quarter
from sim.core.targets import TARGET_LINES
from sim.viz.chart import LiveChart
from sim.viz.palette import REFERENCE, color_of

WIDTH, HEIGHT = 280, 262
"""A plot's first size in pixels (legend and axes included); the browser then fits its width to
its box (``LiveChart``), so the plots grow with the window."""
AIR_DEFENCE_GOAL = 5.0
"""Air-defence capability goal relative to the start: +400% (S31)."""
VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.2.0.json"
"""The Vega-Lite version the page's offline assets provide (solara-assets: vega-lite@5.2.0)."""
DATA = "series"


@dataclass(frozen=True)
class PlotSpec:
    """One plot: its title, the metric columns drawn (with legend labels) and its axis."""

    key: str
    title: str
    measures: dict[str, str]
    """Column of ``sim.core.metrics.ALLIANCE_COLUMNS`` -> legend label."""
    y_title: str
    rules: Callable[[AllianceModel], list[tuple[float, str]]]


PLOTS = (
    PlotSpec(
        "share",
        f"Alliance defence share vs the {', '.join(line.label for line in TARGET_LINES[:-1])} "
        f"and {TARGET_LINES[-1].label} lines",
        {
            "alliance_core_share_pct": "core",
            "alliance_total_share_pct": "core + related",
            "median_core_share_pct": "median member (core)",
        },
        "% of GDP",
        lambda m: [
            (line.value, f"{line.label} ({line.measure})" if line.counts_related else line.label)
            for line in TARGET_LINES
        ],
    ),
    PlotSpec(
        "members",
        "Members at or above each line",
        {line.count_column: f"{line.measure} >= {line.label}" for line in TARGET_LINES},
        "members",
        lambda m: [(float(m.members.n), f"all {m.members.n}")],
    ),
    PlotSpec(
        "munitions",
        "Munitions output",
        {"alliance_munitions_output": "alliance", "rival_munitions_output": "rival"},
        "M rounds / yr",
        lambda m: [],
    ),
    PlotSpec(
        "ratio",
        "Rival / alliance munitions output",
        {"munitions_ratio": "rival / alliance"},
        "ratio",
        lambda m: [(m.params.rival_target_ratio, "rival's target")] if rival_aims(m) else [],
    ),
    PlotSpec(
        "air",
        "Air-defence capability vs the +400% goal",
        {"air_defence_vs_2025": "capability"},
        "x start level",
        lambda m: [(1.0, "start"), (AIR_DEFENCE_GOAL, "goal +400%")],
    ),
)


def rival_aims(model: AllianceModel) -> bool:
    """Whether the rival has a target ratio it moves toward (the ratio plot's target line).

    Not when its target ratio is 0 (the default rival: its output follows its war and stocks)
    nor when it does not adjust its output at all (``rival_stops``: speed 0).
    """
    p = model.params
    return p.rival_target_ratio > 0 and p.rival_adjustment_speed_per_year > 0


def chart_template(spec: PlotSpec, model: AllianceModel) -> dict[str, Any]:
    """The Vega-Lite spec of one plot for one model, without its data (built once per model)."""
    t0 = parse_quarter(model.params.start_quarter)
    t1 = t0 + model.static.n_steps / 4
    labels = list(spec.measures.values())
    lines = (
        alt.Chart(alt.NamedData(name=DATA))
        .mark_line()
        .encode(
            x=alt.X(
                "year:Q",
                title=None,
                scale=alt.Scale(domain=[t0, t1], nice=False),
                axis=alt.Axis(format="d", tickMinStep=1),
            ),
            y=alt.Y("value:Q", title=spec.y_title, scale=alt.Scale(zero=True)),
            color=alt.Color(
                "measure:N",
                scale=alt.Scale(domain=labels, range=[color_of(c) for c in spec.measures]),
                legend=alt.Legend(
                    orient="bottom", title=None, columns=2 if len(labels) > 2 else len(labels)
                ),
            ),
            tooltip=[
                alt.Tooltip("quarter:N"),
                alt.Tooltip("measure:N"),
                alt.Tooltip("value:Q", format=".3f"),
            ],
        )
    )
    layers: list[alt.Chart] = [lines]
    rules = spec.rules(model)
    if rules:
        ref = pd.DataFrame(
            {"y": [r[0] for r in rules], "label": [r[1] for r in rules], "x": [t0] * len(rules)}
        )
        layers.append(alt.Chart(ref).mark_rule(strokeDash=[4, 3], color=REFERENCE).encode(y="y:Q"))
        layers.append(
            alt.Chart(ref)
            .mark_text(align="left", baseline="bottom", dx=3, dy=-1, color=REFERENCE, fontSize=10)
            .encode(x="x:Q", y="y:Q", text="label:N")
        )
    chart = alt.layer(*layers).properties(
        title=alt.TitleParams(spec.title, fontSize=12, anchor="start"),
        width=WIDTH,
        height=HEIGHT,
        autosize=alt.AutoSizeParams(type="fit", contains="padding"),
    )
    template = chart.to_dict()
    template["$schema"] = VEGA_LITE_SCHEMA
    return template


def series(model: AllianceModel, spec: PlotSpec) -> list[dict[str, Any]]:
    """The plot's data so far, long format: one record per quarter and measure."""
    t0 = parse_quarter(model.params.start_quarter)
    data = model.datacollector.model_vars
    quarters = data["quarter"]
    records = []
    for column, label in spec.measures.items():
        for k, (quarter, value) in enumerate(zip(quarters, data[column], strict=True)):
            records.append(
                {"year": t0 + k / 4, "quarter": quarter, "measure": label, "value": float(value)}
            )
    return records


def make_templates(model: AllianceModel) -> list[tuple[PlotSpec, dict[str, Any]]]:
    """The chart templates of all plots for one model."""
    return [(spec, chart_template(spec, model)) for spec in PLOTS]


@solara.component
def Plots(model: AllianceModel, tick: int):
    """All plots, each in a box of class ``viz-plot`` (the browser test looks inside them).

    Args:
        model: the session's model.
        tick: Mesa's ``update_counter`` value; a new value redraws the plots.
    """
    templates = solara.use_memo(lambda: make_templates(model), [model])
    with solara.Div(classes=["viz-plots"]):
        for spec, template in templates:
            with solara.Div(classes=["viz-plot", f"viz-plot-{spec.key}"]):
                LiveChart.element(spec=template, values=series(model, spec), dataset=DATA)


def headline(model: AllianceModel) -> list[tuple[str, str]]:
    """The current values shown above the plots: (label, formatted value)."""
    a = model.alliance_values
    n = model.members.n
    return [
        ("Alliance core share", f"{a['alliance_core_share_pct']:.2f}% of GDP"),
        ("Core + related", f"{a['alliance_total_share_pct']:.2f}%"),
        (
            f"Members >= {' / '.join(line.label for line in TARGET_LINES)}",
            " / ".join(f"{a[line.count_column]:.0f}" for line in TARGET_LINES) + f" of {n}",
        ),
        (
            "Munitions (M rounds/yr)",
            f"alliance {a['alliance_munitions_output']:.2f}, "
            f"rival {a['rival_munitions_output']:.2f}",
        ),
        ("Rival / alliance", f"{a['munitions_ratio']:.2f} : 1"),
        ("Air defence", f"{100 * (a['air_defence_vs_2025'] - 1):+.0f}% (goal +400%)"),
    ]


@solara.component
def Status(model: AllianceModel, tick: int):
    """The quarter shown and the headline numbers (``tick``: Mesa's update counter)."""
    k, n = model.state.k, model.static.n_steps
    end = "" if model.running else " (end of scenario)"
    with solara.Row(gap="24px", style={"flex-wrap": "wrap", "align-items": "baseline"}):
        solara.Text(
            f"Quarter: {model.quarter}",
            classes=["viz-quarter"],
            style={"font-size": "1.4em", "font-weight": "600"},
        )
        solara.Text(f"step {k} of {n}{end}", classes=["viz-step"])
        for label, value in headline(model):
            with solara.Column(gap="0px"):
                solara.Text(label, style={"font-size": "0.75em", "color": "#555"})
                solara.Text(value, classes=["viz-headline"], style={"font-weight": "500"})
