"""Component tests of the web page, rendered with ``solara.render`` (no browser)."""

from __future__ import annotations

import csv
import json

import ipyvuetify as v
import pytest
import solara

from sim.abm.model import AllianceModel
from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.core.params import PARAM_FIELDS, Params, param_label, param_table, to_dict
from sim.viz import app
from sim.viz import controls as viz_controls
from sim.viz import members as viz_members
from sim.viz import plots as viz_plots
from sim.viz import rival as viz_rival


def texts(rc, cls: str) -> list[str]:
    """The text of every solara.Text with a CSS class."""
    return ["".join(map(str, w.children)) for w in rc.find(v.Html, class_=cls).widgets]


def alerts(rc, cls: str) -> list[str]:
    """The text of every solara.Error/Info/Warning with a CSS class."""
    return ["".join(map(str, w.children)) for w in rc.find(v.Alert, class_=cls).widgets]


def quarter(rc) -> str:
    return texts(rc, "viz-quarter")[0]


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def show_tab(rc, name: str) -> None:
    """What a click on one of the main area's tabs does (only the tab shown is drawn)."""
    rc.find(v.Tabs).widget.v_model = app.TABS.index(name)


def enter_text(rc, cls: str, text: str) -> None:
    """Type into an InputText and press Enter."""
    widget = rc.find(v.TextField, class_=cls).widget
    widget.v_model = text
    widget.fire_event("keyup.enter", None)


@pytest.fixture
def viz(monkeypatch):
    monkeypatch.delenv(app.ENV_CONFIG, raising=False)
    box, rc = solara.render(app.Page(), handle_error=False)
    yield rc
    rc.close()


# --- controls from the parameter table ------------------------------------------------------


def test_controls_are_the_table_rows_flagged_control():
    flagged = [r["name"] for r in param_table() if r["control"]]
    assert list(viz_controls.CONTROL_NAMES) == flagged
    assert set(flagged) == {
        "hegemon_pressure",
        "target_core_pct_gdp",
        "target_deadline_year",
        "rival_target_ratio",
        "threat_sensitivity_pp",
        "free_riding_strength",
        "adjustment_speed_per_year",
        "noise_sd_pp",
        "munitions_lead_first_quarters",
        "peer_conformity",
        "oil_price_usd_per_bbl",
        "sanctions_revenue_loss",
    }


def test_control_ranges_units_and_steps_come_from_metadata():
    for spec in viz_controls.CONTROLS:
        meta = PARAM_FIELDS[spec.name].metadata
        # the label is the table's words, the unit shown apart (issue 18: no name on the page)
        assert spec.unit == meta["unit"] and spec.label == param_label(spec.name)
        assert "_" not in spec.label and not spec.label.endswith(f"({meta['unit']})")
        assert spec.max == meta["max"]
        assert meta["min"] <= spec.min < meta["min"] + spec.step + 1e-12
        assert spec.step == (meta["step"] or 1)
        assert spec.kind == ("int" if PARAM_FIELDS[spec.name].type == "int" else "float")
        default = PARAM_FIELDS[spec.name].default
        assert spec.min <= default <= spec.max


def test_page_renders_one_slider_and_text_box_per_control(viz):
    sliders = viz.find(v.Slider).widgets
    ranges = {(w.min, w.max, w.step) for w in sliders}
    for spec in viz_controls.CONTROLS:
        assert (spec.min, spec.max, spec.step) in ranges
        boxes = viz.find(v.TextField, class_=f"viz-input-{spec.name}").widgets
        assert len(boxes) == 1
        assert boxes[0].v_model == spec.fmt(
            getattr(load_scenario(app.DEFAULT_CONFIG).params, spec.name)
        )
    viz.find(v.Html, children=[viz_controls.CONTROLS[0].label]).assert_single()
    assert len(sliders) == len(viz_controls.CONTROLS) + 1  # + the play interval


def test_check_converts_text_and_reports_bad_values():
    base = Params()
    good = viz_controls.check(
        base, {"hegemon_pressure": "0.8", "target_deadline_year": "2040", "seed": " 7 "}
    )
    assert good.ok
    assert good.kwargs()["rng"] == 7
    assert good.kwargs()["hegemon_pressure"] == 0.8
    assert good.kwargs()["target_deadline_year"] == 2040
    bad = viz_controls.check(
        base,
        {
            "hegemon_pressure": "lots",
            "target_core_pct_gdp": 12,
            "target_deadline_year": "2020",
            "seed": "-3",
        },
    )
    assert not bad.ok and bad.params is None
    assert set(bad.errors) == {
        "hegemon_pressure",
        "target_core_pct_gdp",
        "target_deadline_year",
        "seed",
    }
    assert "a number" in bad.errors["hegemon_pressure"]
    assert bad.errors["hegemon_pressure"].startswith("Not applied: US pressure = 'lots'")
    assert "<= 10.0" in bad.errors["target_core_pct_gdp"]
    assert "non-negative integer" in bad.errors["seed"]
    with pytest.raises(ValueError):
        bad.kwargs()


# --- stepping, resetting, messages ----------------------------------------------------------


def test_step_updates_the_quarter_and_headline(viz):
    assert quarter(viz) == "Quarter: 2025Q1"
    before = texts(viz, "viz-headline")
    for _ in range(4):
        button(viz, "Step").click()
    assert quarter(viz) == "Quarter: 2026Q1"
    assert texts(viz, "viz-headline") != before


def test_bad_seed_text_shows_a_message_not_an_exception(viz):
    enter_text(viz, "viz-input-seed", "forty-two")
    errors = alerts(viz, "viz-error")
    assert any("Seed not applied" in e and "forty-two" in e for e in errors)
    button(viz, "Step").click()
    button(viz, "Reset").click()  # restarts with the current values, not the bad seed
    assert quarter(viz) == "Quarter: 2025Q1"
    assert "seed 20250625;" in texts(viz, "viz-running")[0]
    enter_text(viz, "viz-input-seed", "7")
    assert not alerts(viz, "viz-error")
    button(viz, "Reset").click()
    assert "seed 7;" in texts(viz, "viz-running")[0]


def test_bad_typed_values_show_messages(viz):
    enter_text(viz, "viz-input-hegemon_pressure", "much")
    enter_text(viz, "viz-input-target_core_pct_gdp", "12")
    errors = " ".join(alerts(viz, "viz-error"))
    assert "US pressure = 'much'; expected a number" in errors
    assert "Core target = 12.0; expected a value <= 10.0" in errors
    button(viz, "Reset").click()
    assert texts(viz, "viz-running")[0].endswith("the scenario's parameters")


def test_moved_slider_takes_effect_at_reset(viz):
    spec = viz_controls.CONTROLS[viz_controls.CONTROL_NAMES.index("hegemon_pressure")]
    start = load_scenario(app.DEFAULT_CONFIG).params.hegemon_pressure
    slider = [w for w in viz.find(v.Slider).widgets if w.v_model == start and w.max == spec.max]
    slider[0].v_model = 0.8 if start < 0.6 else 0.2
    moved = f"{slider[0].v_model:g}"
    assert viz.find(v.TextField, class_="viz-input-hegemon_pressure").widget.v_model == moved
    assert viz.find(v.Alert, class_="viz-pending").widgets
    button(viz, "Step").click()
    button(viz, "Reset").click()
    assert quarter(viz) == "Quarter: 2025Q1"
    assert f"US pressure = {moved} (0-1)" in texts(viz, "viz-running")[0]
    assert not viz.find(v.Alert, class_="viz-pending").widgets


def test_slider_snapping_an_off_grid_value_is_not_a_change(viz):
    spec = viz_controls.CONTROLS[viz_controls.CONTROL_NAMES.index("hegemon_pressure")]
    enter_text(viz, "viz-input-hegemon_pressure", "0.4068")  # between two 0.05 steps
    button(viz, "Reset").click()
    assert "US pressure = 0.4068 (0-1)" in texts(viz, "viz-running")[0]
    [slider] = [
        w
        for w in viz.find(v.Slider).widgets
        if w.max == spec.max and abs(w.v_model - 0.4068) < 1e-9
    ]
    slider.v_model = 0.4  # what the browser's slider reports after snapping to its grid
    box = viz.find(v.TextField, class_="viz-input-hegemon_pressure").widget
    assert box.v_model == "0.4068"
    assert not viz.find(v.Alert, class_="viz-pending").widgets


def test_typed_value_takes_effect_at_reset(viz):
    enter_text(viz, "viz-input-rival_target_ratio", "12")
    button(viz, "Reset").click()
    assert "Rival's target ratio = 12 (ratio)" in texts(viz, "viz-running")[0]


def test_scenario_picker_loads_the_config(viz):
    select = viz.find(v.Select, class_="viz-scenario").widget
    values = [item.get("value") for item in select.items]
    assert "hague.toml" in values and "hegemon_strong.toml" in values
    button(viz, "Step").click()
    select.v_model = "hegemon_strong.toml"
    strong = load_scenario(ROOT / "configs" / "hegemon_strong.toml")
    assert quarter(viz) == "Quarter: 2025Q1"
    running = texts(viz, "viz-running")[0]
    assert running == f"Running: Hegemon strong, seed {strong.seed}; the scenario's parameters"
    box = viz.find(v.TextField, class_="viz-input-hegemon_pressure").widget
    assert box.v_model == f"{strong.params.hegemon_pressure:g}"


def test_env_config_opens_that_scenario_and_a_bad_one_says_so(monkeypatch):
    monkeypatch.setenv(app.ENV_CONFIG, str(ROOT / "configs" / "rival_ratio_12.toml"))
    _, rc = solara.render(app.Page(), handle_error=False)
    assert texts(rc, "viz-running")[0].startswith("Running: Rival ratio 12,")
    rc.close()
    monkeypatch.setenv(app.ENV_CONFIG, "configs/missing.toml")
    _, rc = solara.render(app.Page(), handle_error=False)
    assert any("Could not open" in t for t in alerts(rc, "viz-error"))
    assert texts(rc, "viz-running")[0].startswith("Running: Hague,")
    rc.close()


def test_two_pages_have_their_own_models(viz):
    _, other = solara.render(app.Page(), handle_error=False)
    for _ in range(3):
        button(viz, "Step").click()
    assert quarter(viz) == "Quarter: 2025Q4"
    assert quarter(other) == "Quarter: 2025Q1"
    other.close()


def step_number(rc) -> int:
    return int(texts(rc, "viz-step")[0].split()[1])


def tick(clock) -> None:
    """What the browser's play timer does once the last quarter is shown."""
    clock.request += 1


def test_play_steps_on_each_clock_tick_until_paused_and_stops_at_the_end(viz):
    clock = viz.find(app.PlayClock).widget
    assert not clock.playing and clock.interval == app.PLAY_INTERVAL_MS
    [interval] = [w for w in viz.find(v.Slider).widgets if w.max == 2000]
    interval.v_model = 100
    assert viz.find(app.PlayClock).widget.interval == 100
    tick(clock)  # not playing: a stray tick does nothing
    assert step_number(viz) == 0
    button(viz, "Play").click()
    clock = viz.find(app.PlayClock).widget
    assert clock.playing and button(viz, "Step").disabled
    acks = []
    for _ in range(3):  # what the browser's timer does, once the previous quarter is shown
        tick(clock)
        acks.append(clock.ack)
    assert step_number(viz) == 3 and len(set(acks)) == 3
    button(viz, "Pause").click()
    assert not viz.find(app.PlayClock).widget.playing
    tick(clock)
    assert step_number(viz) == 3
    button(viz, "Play").click()
    for _ in range(60):
        tick(viz.find(app.PlayClock).widget)
    assert quarter(viz) == "Quarter: 2035Q4" and "end of scenario" in texts(viz, "viz-step")[0]
    assert not viz.find(app.PlayClock).widget.playing and button(viz, "Play").disabled
    button(viz, "Reset").click()
    assert quarter(viz) == "Quarter: 2025Q1" and not button(viz, "Step").disabled


def test_step_is_disabled_at_the_end_of_the_scenario(viz):
    for _ in range(60):
        step = button(viz, "Step")
        if step.disabled:
            break
        step.click()
    assert quarter(viz) == "Quarter: 2035Q4"
    assert "end of scenario" in texts(viz, "viz-step")[0]
    assert button(viz, "Play").disabled


# --- members ---------------------------------------------------------------------------------


def test_selecting_a_tile_shows_the_members_explanation(viz):
    show_tab(viz, "Members")
    assert viz.find(
        v.Html, children=["Click a tile to see a member's numbers and its last decision."]
    ).widgets
    tiles = viz.find(viz_members.TilesWidget).widget
    assert {t["iso3"] for t in tiles.tiles} >= {"POL", "USA", "ISL"}
    tiles.selected = "POL"  # what a click on the POL tile does in the browser
    explain = texts(viz, "viz-explain")[0]
    assert explain.startswith("Poland (POL) in 2025Q1:")
    assert "threat" in explain and "free riding" in explain and "pressure" in explain
    button(viz, "Step").click()
    assert texts(viz, "viz-explain")[0].startswith("Poland (POL) in 2025Q2:")


def test_the_rival_card_explains_its_output_every_quarter(viz):
    show_tab(viz, "Rival")
    # issue 16 item 6: the rival is an agent with a card (budget, output, stocks, pipeline) and
    # the explanation of its last decision, redrawn each quarter
    explain = texts(viz, "viz-rival-explain")[0]
    assert explain.startswith("The rival in 2025Q1:")
    assert "its war consumes 7.00M rounds a year" in explain  # configs/hague.toml
    assert "reserves $37.5 bn" in explain  # configs/hague.toml, rival_reserves_initial_usd_bn
    button(viz, "Step").click()
    assert texts(viz, "viz-rival-explain")[0].startswith("The rival in 2025Q2:")
    scenario = load_scenario(app.DEFAULT_CONFIG)
    facts = dict(viz_rival.rival_facts(AllianceModel(rng=1, **to_dict(scenario.params)).rival))
    assert {"Capacity online", "In the pipeline", "Stock", "Reserves", "Debt"} <= set(facts)
    assert facts["Reserves"] == "37.5 US$ bn"


def test_tile_map_places_every_member_once():
    with (ROOT / "seeds" / "nato_members.csv").open(newline="", encoding="utf-8") as fh:
        members = {row["iso3"] for row in csv.DictReader(fh)}
    assert len(members) == 32
    assert set(viz_members.TILE_GRID) == members
    assert len(set(viz_members.TILE_GRID.values())) == 32


def test_tiles_are_coloured_by_share_and_follow_the_model(viz):
    show_tab(viz, "Members")
    widget = viz.find(viz_members.TilesWidget).widget
    before = {t["iso3"]: t for t in widget.tiles}
    assert before["ISL"]["label"] == "n/a" and before["ISL"]["color"] == viz_members.UNARMED
    scenario = load_scenario(app.DEFAULT_CONFIG)
    model = AllianceModel(rng=scenario.seed, **to_dict(scenario.params))
    pol = next(a for a in model.member_agents if a.iso3 == "POL")
    assert before["POL"]["label"] == f"{pol.core_share_pct:.1f}"
    assert before["POL"]["color"] == viz_members.share_color(pol.core_share_pct)
    assert (before["POL"]["row"], before["POL"]["col"]) == (3, 7)
    for _ in range(8):
        button(viz, "Step").click()
    after = {t["iso3"]: t for t in viz.find(viz_members.TilesWidget).widget.tiles}
    assert any(after[k]["label"] != before[k]["label"] for k in after)


def test_tile_colours_are_sequential_and_readable():
    light, dark = viz_members.share_color(0.0), viz_members.share_color(9.0)
    assert light != dark and dark == viz_members.share_color(viz_members.SCALE_MAX)
    assert viz_members.text_color(0.0) == "#000" and viz_members.text_color(6.0) == "#fff"


def test_member_table_is_sorted_by_share(viz):
    show_tab(viz, "Table")
    table = viz.find(v.DataTable).widget
    assert table.sort_by == ["core_share_pct"] and table.sort_desc == [True]
    shares = [row["core_share_pct"] for row in table.items]
    assert len(shares) == 32 and shares == sorted(shares, reverse=True)
    assert all(h.get("value") for h in table.headers)


# --- plots ------------------------------------------------------------------------------------


def test_plots_hold_the_issue_measures_and_lines():
    scenario = load_scenario(app.DEFAULT_CONFIG)
    model = AllianceModel(rng=1, **to_dict(scenario.params))
    for _ in range(3):
        model.step()
    measures = {c for spec in viz_plots.PLOTS for c in spec.measures}
    assert {
        "alliance_core_share_pct",
        "members_at_or_above_2pct",
        "members_at_or_above_3_5pct",
        "members_at_or_above_5pct",
        "alliance_munitions_output",
        "rival_munitions_output",
        "munitions_ratio",
        "air_defence_vs_2025",
    } <= measures
    for spec, template in viz_plots.make_templates(model):
        assert template["$schema"] == viz_plots.VEGA_LITE_SCHEMA
        assert json.dumps({"name": viz_plots.DATA}) in json.dumps(template)
        records = viz_plots.series(model, spec)
        assert len(records) == 4 * len(spec.measures)
        assert records[-1]["quarter"] == model.quarter
    lines = {value for spec in viz_plots.PLOTS for value, _ in spec.rules(model)}
    assert {2.0, 3.5, 5.0} <= lines
    # the default rival has no target ratio (issue 16: the ratio comes out): no line is drawn
    assert scenario.params.rival_target_ratio == 0.0 and 0.0 not in lines
    aiming = AllianceModel(rng=1, **{**to_dict(scenario.params), "rival_target_ratio": 4.0})
    assert 4.0 in {value for spec in viz_plots.PLOTS for value, _ in spec.rules(aiming)}


def test_page_has_five_plots_whose_data_follow_the_model(viz):
    from sim.viz.chart import LiveChart

    charts = viz.find(LiveChart).widgets
    assert len(charts) == len(viz_plots.PLOTS) == 5
    specs = [c.spec for c in charts]
    pairs = list(zip(charts, viz_plots.PLOTS, strict=True))
    assert all(len(c.values) == len(s.measures) for c, s in pairs)
    button(viz, "Step").click()
    charts = viz.find(LiveChart).widgets
    pairs = list(zip(charts, viz_plots.PLOTS, strict=True))
    assert all(len(c.values) == 2 * len(s.measures) for c, s in pairs)
    assert [c.spec for c in charts] == specs  # only the data change


# --- untrusted input from the browser and rapid clicks ----------------------------------------


@pytest.mark.parametrize(
    "crafted",
    [
        "/etc/passwd",
        "../../x.toml",
        "missing.toml",
        str(ROOT / "seeds" / "nato_members.csv"),
        5,
        None,
    ],
)
def test_scenario_picker_opens_only_its_own_entries(viz, crafted):
    show_tab(viz, "Members")
    button(viz, "Step").click()
    running = texts(viz, "viz-running")[0]
    model_before = viz.find(viz_members.TilesWidget).widget.tiles
    viz.find(v.Select, class_="viz-scenario").widget.v_model = crafted  # a crafted message
    [error] = alerts(viz, "viz-error")
    assert error == f"Could not open {crafted!r}: expected one of the scenarios in the list"
    assert "Traceback" not in error and "File " not in error
    assert quarter(viz) == "Quarter: 2025Q2" and texts(viz, "viz-running")[0] == running
    assert viz.find(viz_members.TilesWidget).widget.tiles == model_before  # the same model
    select = viz.find(v.Select, class_="viz-scenario").widget
    assert select.v_model == "hague.toml"  # the picker shows the running scenario again
    select.v_model = "hegemon_strong.toml"  # the session is alive: a real pick still works
    assert texts(viz, "viz-running")[0].startswith("Running: Hegemon strong,")
    assert not alerts(viz, "viz-error")


def test_rapid_step_clicks_are_drawn_in_batches(monkeypatch, tmp_path):
    # A scenario of 243 steps (2025Q1-2085Q4), so 200 clicks stay inside it.
    config = tmp_path / "long.toml"
    config.write_text('inherits = "hague.toml"\n[params]\nend_quarter = "2085Q4"\n')
    monkeypatch.setenv(app.ENV_CONFIG, str(config))
    _, rc = solara.render(app.Page(), handle_error=False)
    from sim.viz.chart import LiveChart

    chart = rc.find(LiveChart).widgets[0]  # the share plot: 3 measures per quarter
    draws = []
    chart.observe(lambda change: draws.append(len(change["new"])), "values")
    clock = rc.find(app.PlayClock).widget
    clock.shown = clock.ack  # what the browser does once the page is drawn
    step = button(rc, "Step")
    for click in range(1, 201):
        step.click()
        if click % 25 == 0:  # the browser has drawn an update meanwhile and says so
            clock.shown = clock.ack
    clock.shown = clock.ack
    assert step_number(rc) == 200  # every click is one quarter: none lost, none counted twice
    assert rc.find(LiveChart).widgets[0].values[-1]["quarter"] == "2075Q1"  # 2025Q1 + 200
    # Drawn at the first click and then once per report: 1 + 200 / 25 = 9 draws, not 200.
    assert len(draws) == 9
    assert draws[-1] == 3 * 201  # the last draw holds all 201 quarters of the share plot
    rc.close()


def test_without_a_report_from_a_browser_every_click_is_drawn(viz):
    from sim.viz.chart import LiveChart

    draws = []
    viz.find(LiveChart).widgets[0].observe(lambda change: draws.append(1), "values")
    for _ in range(3):
        button(viz, "Step").click()
    assert len(draws) == 3 and quarter(viz) == "Quarter: 2025Q4"
