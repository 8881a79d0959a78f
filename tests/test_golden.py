"""The golden baseline: the default scenario's outputs are exactly those in tests/golden/.

The baseline was written by ``scripts/refresh_golden.py --write`` from the committed code; a
refactoring must leave it byte-identical. When a change to the numbers is intended, rerun that
script with ``--write`` and commit the new baseline with the change.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
from conftest import import_script


@pytest.fixture(scope="module")
def refresh() -> ModuleType:
    """scripts/refresh_golden.py, imported as a module (tests/conftest.py)."""
    return import_script("refresh_golden")


@pytest.fixture(scope="module")
def outputs(refresh: ModuleType) -> dict[str, str]:
    """The default scenario's baseline files, recomputed now."""
    return refresh.golden_outputs()


def test_default_scenario_matches_the_golden_baseline(
    refresh: ModuleType, outputs: dict[str, str]
) -> None:
    problems = refresh.compare(refresh.GOLDEN, outputs)
    assert not problems, "\n".join([*problems, refresh.REFRESH_HINT])


def test_the_baseline_is_the_default_scenario(refresh: ModuleType) -> None:
    """The baseline holds the default scenario with its own seed (configs/hague.toml)."""
    import sim

    summary = json.loads((refresh.GOLDEN / "summary.json").read_text())
    scenario = sim.load_scenario(sim.DEFAULT_SCENARIO)
    assert (summary["scenario"], summary["seed"]) == (scenario.name, scenario.seed)


def test_a_changed_member_value_is_reported_with_its_column_quarter_and_member(
    refresh: ModuleType, outputs: dict[str, str]
) -> None:
    """The checker can fail: one changed cell is found and named."""
    lines = outputs["members.csv"].splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    row = 40  # an arbitrary member-quarter in the first year
    cells = lines[row].rstrip("\n").split(",")
    column = header.index("threat_pp")
    cells[column] = "0.5"
    changed = "".join([*lines[:row], ",".join(cells) + "\n", *lines[row + 1 :]])
    message = refresh.first_difference("members.csv", outputs["members.csv"], changed)
    quarter, iso3 = cells[header.index("quarter")], cells[header.index("iso3")]
    assert message is not None
    assert "'threat_pp'" in message and f"quarter {quarter}" in message
    assert f"iso3 {iso3}" in message and "now 0.5" in message


def test_a_changed_summary_value_is_reported_with_its_key(
    refresh: ModuleType, outputs: dict[str, str]
) -> None:
    summary = json.loads(outputs["summary.json"])
    summary["final"]["munitions_ratio"] += 1e-6
    message = refresh.first_difference(
        "summary.json", outputs["summary.json"], json.dumps(summary, indent=2) + "\n"
    )
    assert message is not None and "'final.munitions_ratio'" in message


def test_the_script_writes_nothing_without_write(
    refresh: ModuleType, outputs: dict[str, str], tmp_path: Path
) -> None:
    """compare() reports a missing baseline; write() puts every file there whole."""
    assert len(refresh.compare(tmp_path, outputs)) == len(refresh.FILES)
    assert list(tmp_path.iterdir()) == []
    refresh.write(tmp_path, outputs)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(refresh.FILES)
    assert refresh.compare(tmp_path, outputs) == []
