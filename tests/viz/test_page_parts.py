"""Unit tests of the web page's parts added for issue 18 (no browser).

The palette, the scenario picker's groups, the parameter inputs by group, the member card's
terms and commitments, the exports (CSV, Parquet, the settings as a config) and run-to-end.
"""

from __future__ import annotations

import io
import tomllib

import ipyvuetify as v
import pandas as pd
import pytest
import solara

from sim.abm.model import AllianceModel
from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.core.dynamics import member_terms
from sim.core.param_labels import GROUPS
from sim.core.params import STRUCTURAL, param_table, to_dict
from sim.viz import app, export, member_card, palette, param_inputs, plots, scenarios
from sim.viz.controls import check

CONFIGS = ROOT / "configs"


def model_of(name: str, **changes) -> AllianceModel:
    sc = load_scenario(CONFIGS / f"{name}.toml")
    return AllianceModel(rng=sc.seed, **{**to_dict(sc.params), **changes})


@pytest.fixture
def viz(monkeypatch):
    monkeypatch.delenv(app.ENV_CONFIG, raising=False)
    _, rc = solara.render(app.Page(), handle_error=False)
    yield rc
    rc.close()


def running(rc) -> str:
    return "".join(map(str, rc.find(v.Html, class_="viz-running").widget.children))


# --- one colour per quantity ------------------------------------------------------------------


def test_every_plotted_quantity_has_its_own_colour_on_every_plot():
    model = model_of("hague")
    colours = palette.QUANTITY_COLORS
    assert len(set(colours.values())) == len(colours)  # no colour means two things
    assert palette.REFERENCE not in colours.values() and palette.SELECTED not in colours.values()
    for spec, template in plots.make_templates(model):
        [encoding] = [
            layer["encoding"] for layer in template["layer"] if "color" in layer.get("encoding", {})
        ]
        scale = encoding["color"]["scale"]
        assert scale["range"] == [colours[c] for c in spec.measures]  # the palette's, by column
        assert scale["domain"] == list(spec.measures.values())
    with pytest.raises(KeyError, match="QUANTITY_COLORS"):
        palette.color_of("no_such_column")


def test_no_rival_target_line_where_the_rival_has_no_target():
    # configs/rival_stops.toml: the rival's adjustment speed is 0 (it never moves toward any
    # ratio); hague.toml: its target ratio is 0; rival_ratio_4.toml aims for 4:1
    ratio = next(s for s in plots.PLOTS if s.key == "ratio")
    assert ratio.rules(model_of("rival_stops")) == []
    assert ratio.rules(model_of("rival_stops", rival_target_ratio=4.0)) == []
    assert ratio.rules(model_of("hague")) == []
    assert ratio.rules(model_of("rival_ratio_4")) == [(4.0, "rival's target")]


# --- scenario groups --------------------------------------------------------------------------


def test_scenarios_are_grouped_by_what_they_are_and_fragments_are_not_offered():
    entries = {e[2]: e[0] for e in scenarios.shipped_entries()}
    assert "behaviour.toml" not in entries  # sets no quarters: a fragment others inherit
    assert not any("data" in e[3].split("/")[-2:-1] for e in scenarios.shipped_entries())
    assert entries["hague.toml"] == entries["rival_stops.toml"] == scenarios.FORWARD
    assert entries["backcast_2014.toml"] == scenarios.BACKCAST  # starts 2014Q3, before 2025Q1
    for name in ("richardson_case1", "richardson_coldwar", "oz_nash", "oz_nato"):
        assert entries[f"{name}.toml"] == scenarios.DOCKING  # anchor_mode fixed / public_good
    hague = load_scenario(CONFIGS / "hague.toml")
    assert scenarios.scenario_kind(load_scenario(CONFIGS / "behaviour.toml"), 2025.0) == (
        scenarios.FRAGMENT
    )
    assert scenarios.scenario_kind(hague, 2025.0) == scenarios.FORWARD
    items = scenarios.picker_items(scenarios.shipped_entries())
    headers = [i["header"] for i in items if "header" in i]
    assert headers == list(scenarios.GROUPS.values())
    assert {"text": "US retrenchment", "value": "us_retrenchment.toml"} in items
    assert all("_" not in i.get("text", "") for i in items)


# --- every parameter settable, by group --------------------------------------------------------


def test_every_parameter_has_an_input_in_its_group_common_ones_first():
    rows = param_table()
    assert len(param_inputs.INPUTS) == len(rows)  # an input for every row of the table
    grouped = [s.name for _, specs in param_inputs.GROUPED for s in specs]
    common = [r["name"] for r in rows if r["control"]]
    assert sorted(grouped + common) == sorted(r["name"] for r in rows)  # each exactly once
    order = [g for g, _ in param_inputs.GROUPED]
    assert order == [g for g in GROUPS if g in order]
    kinds = {s.name: s.kind for s in param_inputs.INPUTS}
    assert kinds["use_pledges"] == "bool" and kinds["anchor_mode"] == "choice"
    assert kinds["members_file"] == "str" and kinds["threat_memory"] == "float"
    spec = next(s for s in param_inputs.INPUTS if s.name == "threat_memory")
    assert spec.hint.startswith(f"{spec.min:g} to {spec.max:g}") and spec.doc
    assert next(s for s in param_inputs.INPUTS if s.name == "start_quarter").structural
    assert set(STRUCTURAL) <= {s.name for s in param_inputs.INPUTS}


def test_check_validates_any_parameter_files_and_structure():
    base = load_scenario(CONFIGS / "hague.toml").params
    good = check(base, {"threat_memory": "0.5", "use_pledges": False, "seed": "3"})
    assert good.ok and good.params.threat_memory == 0.5 and good.params.use_pledges is False
    bad = check(base, {"threat_memory": "lots", "anchor_mode": "magic", "seed": "3"})
    assert bad.errors["threat_memory"].startswith("Not applied: Threat memory = 'lots'")
    assert "Anchor rule" in bad.errors["anchor_mode"]
    path = check(base, {"members_file": "/etc/passwd", "seed": "3"})
    assert "a file under seeds/ or configs/" in path.errors["members_file"]
    # hague.toml starts from the 2014-2024 backcast: a later first quarter cannot follow it
    late = check(base, {"start_quarter": "2027Q1", "seed": "3"})
    assert not late.ok and "ends in 2024Q4" in " ".join(late.errors.values())


def test_a_parameter_set_from_its_group_changes_the_run_at_reset(viz):
    group = next(i for i, (g, _) in enumerate(param_inputs.GROUPED) if g == "Threat")
    panels = viz.find(v.ExpansionPanels, class_="viz-groups").widget
    assert not viz.find(v.TextField, class_="viz-input-threat_memory").widgets  # closed
    panels.v_model = [group]
    box = viz.find(v.TextField, class_="viz-input-threat_memory").widget
    box.v_model = "0.9"
    box.fire_event("keyup.enter", None)
    viz.find(v.Btn, children=["Reset"]).widget.click()
    assert "changed: Threat memory = 0.9 (" in running(viz)


# --- member card -------------------------------------------------------------------------------


def test_member_card_terms_add_up_and_show_the_anchor_and_commitments():
    model = model_of("hague")
    for _ in range(4):
        model.step()
    esp = next(a for a in model.member_agents if a.iso3 == "ESP")
    rows = member_card.decision_rows(esp)
    keys = [r[0] for r in rows]
    assert keys[0] == member_card.ANCHOR and keys[-1] == member_card.DESIRED
    assert keys[1:-1] == [t.column for t in member_terms()]  # no retrenchment in hague
    assert sum(r[2] for r in rows[:-1]) == pytest.approx(rows[-1][2], abs=1e-9)
    commitments = dict(member_card.commitment_rows(esp))
    assert commitments["Exemption"].startswith("commits to 2.1% core by 2035")  # seeds/pledges
    assert commitments["Guideline floor"].startswith("2% kept")  # hague: guideline_floor_pct 2
    gbr = next(a for a in model.member_agents if a.iso3 == "GBR")
    pledges = [t for k, t in member_card.commitment_rows(gbr) if k == "National pledge"]
    assert pledges == ["2.5% core by 2027", "3% core by 2034"]  # seeds/pledges.csv
    history = member_card.term_history(model, esp)
    assert all(len(h) == 5 for h in history.values())  # the start and 4 quarters
    html = member_card.decision_table(esp, history)
    assert html.count("<svg class='viz-spark'") == len(rows)


def test_selected_member_card_on_the_page(viz):
    viz.find(v.Tabs).widget.v_model = app.TABS.index("Members")
    from sim.viz.members import TilesWidget

    viz.find(TilesWidget).widget.selected = "ESP"
    from solara.widgets.widgets import HTML

    [table] = [w for w in viz.find(HTML).widgets if w.attributes.get("class") == "viz-commitments"]
    assert "commits to 2.1% core by 2035" in table.unsafe_innerHTML  # seeds/pledges.csv


# --- export and run to end ---------------------------------------------------------------------


def test_settings_toml_round_trips_to_the_same_params_and_seed(tmp_path):
    sc = load_scenario(CONFIGS / "hague.toml")
    model = AllianceModel(
        rng=7, **{**to_dict(sc.params), "threat_memory": 0.123456789, "use_pledges": False}
    )
    text = export.settings_toml(sc, model)
    path = tmp_path / "saved.toml"
    path.write_text(text)
    again = load_scenario(path)
    assert again.params == model.params and again.seed == 7
    assert again.name == "hague_custom" and "threat_memory" in again.description
    assert "inherits" not in tomllib.loads(text)  # self-contained
    from sim.cli import main

    assert main(["validate", str(path)]) == 0  # what `sim run` checks before running


def test_series_export_as_csv_and_parquet():
    model = model_of("hague")
    model.step()
    alliance = pd.read_csv(io.BytesIO(export.series_bytes(model, "alliance", "csv")))
    assert list(alliance["quarter"]) == ["2025Q1", "2025Q2"]
    members = pd.read_parquet(io.BytesIO(export.series_bytes(model, "members", "parquet")))
    pd.testing.assert_frame_equal(members, model.member_frame())
    assert len(members) == 2 * 32


def test_run_to_end_reaches_the_last_quarter(viz):
    viz.find(v.Btn, children=["Run to end"]).widget.click()
    quarter = "".join(map(str, viz.find(v.Html, class_="viz-quarter").widget.children))
    assert quarter == "Quarter: 2035Q4"  # configs/hague.toml end_quarter
    assert viz.find(v.Btn, children=["Run to end"]).widget.disabled
