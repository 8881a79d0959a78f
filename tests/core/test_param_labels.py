"""Every parameter has a readable label and a web-page group (sim.core.param_labels)."""

from __future__ import annotations

from sim.core.param_labels import GROUPS, LABELS
from sim.core.params import PARAM_FIELDS, param_group, param_label, param_table


def test_every_parameter_has_one_label_and_a_known_group():
    assert set(LABELS) == set(PARAM_FIELDS)
    labels = [label for label, _ in LABELS.values()]
    assert len(set(labels)) == len(labels), "two parameters would read the same"
    assert {group for _, group in LABELS.values()} <= set(GROUPS)
    for name, (label, _) in LABELS.items():
        assert label != name and "_" not in label, name


def test_label_with_unit_and_fallback_for_other_columns():
    unit = PARAM_FIELDS["hegemon_pressure"].metadata["unit"]
    assert param_label("hegemon_pressure") == "US pressure"
    assert param_label("hegemon_pressure", unit=True) == f"US pressure ({unit})"
    assert param_label("replication") == "replication"
    assert param_label("final_core_share") == "final core share"
    assert param_group("oil_price_usd_per_bbl") == "The rival's budget and economy"


def test_parameter_table_rows_carry_label_and_group():
    rows = {r["name"]: r for r in param_table()}
    assert rows["threat_sensitivity_pp"]["label"] == "Threat sensitivity"
    assert rows["threat_sensitivity_pp"]["group"] == "Threat"
