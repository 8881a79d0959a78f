"""The hindcast's outputs: the files, their contents, the same bytes twice, nothing half-written.

The scores come from real scoring of the baselines (and of a forecast that is the record, named
``model``) on a small synthetic record, so every file holds what a hindcast would write.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.runs.figure import OKABE_ITO
from sim.validation.hindcast.baselines import baseline_forecasts
from sim.validation.hindcast.forecast import Forecast
from sim.validation.hindcast.output import FILES, method_colour, to_latex, write_outputs
from sim.validation.hindcast.record import PanelRecord
from sim.validation.hindcast.scores import SUMMARY_COLUMNS, score, summarise

YEARS = tuple(range(2014, 2022))


def record() -> PanelRecord:
    """Ten allies with noisy drifting shares around 2%, 2014-2021."""
    rng = np.random.default_rng(11)
    shares = 1.8 + rng.normal(0, 0.3, size=10) + rng.normal(0.03, 0.1, size=(8, 10)).cumsum(0)
    iso3 = tuple(f"M{j:02d}" for j in range(10))
    return PanelRecord(iso3, YEARS, shares, np.full(10, 1949), np.ones(10, dtype=bool), "synthetic")


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    """The baselines' scores from origins 2017 and 2018, then a perfect ``model``."""
    rec = record()
    tables = []
    for origin in (2017, 2018):
        years = tuple(y for y in (origin + 1, origin + 2) if y <= rec.last_year)
        truth = np.stack([rec.year(y) for y in years])[None].repeat(5, axis=0)
        forecasts = baseline_forecasts(rec, origin, (1, 2), n_samples=50)
        forecasts.append(Forecast("model", origin, years, rec.iso3, truth))
        tables += [score(f, rec) for f in forecasts]
    return pd.concat(tables, ignore_index=True)


@pytest.fixture(scope="module")
def written(scores: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The files of one call into a fresh folder (created by the call)."""
    return write_outputs(scores, tmp_path_factory.mktemp("hindcast") / "out")


def test_every_file_is_written_and_nothing_else(written: list[Path]) -> None:
    out = written[0].parent
    assert [p.name for p in written] == list(FILES)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)  # no temporary file left
    assert written[3].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert written[4].read_bytes()[:5] == b"%PDF-"


def test_tables_hold_the_scores_and_their_summary(
    written: list[Path], scores: pd.DataFrame
) -> None:
    pd.testing.assert_frame_equal(pd.read_parquet(written[0]), scores)
    pd.testing.assert_frame_equal(pd.read_csv(written[1]), scores, check_dtype=False)
    summary = pd.read_csv(written[2], dtype={"horizon": str})
    pd.testing.assert_frame_equal(summary, summarise(scores), check_dtype=False)
    # the model first: the perfect forecast's pooled RMSE is 0
    assert summary["method"].iloc[0] == "model" and summary["rmse_pp"].iloc[0] == 0


def test_latex_table(written: list[Path], scores: pd.DataFrame) -> None:
    tex = written[5].read_text()
    assert tex == to_latex(summarise(scores))
    lines = tex.splitlines()
    for rule in ("\\toprule", "\\midrule", "\\bottomrule"):
        assert rule in lines
    header = lines[lines.index("\\toprule") + 1]
    assert header.startswith("Method & Horizon & Origins & Member-years & RMSE (pp)")
    body = lines[lines.index("\\toprule") + 3 :]
    assert body[0].startswith("\\textbf{Model} & 1 & 2 & 20 & 0.000 & ")  # 2 origins x 10
    assert "Partial adjustment" in tex and "Linear trend" in tex
    assert "partial_adjustment" not in tex and "rmse_pp" not in tex and "{,}" not in tex
    # 4 methods: 4 blocks, a rule between two blocks, 3 rows each (horizons 1, 2 and all)
    assert lines.count("\\midrule") == 1 + 3
    assert len([line for line in body if line.endswith(r"\\")]) == 4 * 3


def test_numbers_are_rounded_in_the_table() -> None:
    # pp scores to 3 decimals, shares and counts to 2, whole numbers as they are
    values = ["trend", "1", 8, 1232, 0.123456, 0.1, 0.2, 0.51234, 0.9, 1.23456, -0.5, 0.875]
    row = to_latex(pd.DataFrame([values], columns=list(SUMMARY_COLUMNS))).splitlines()[5]
    assert row == (
        "Linear trend & 1 & 8 & 1232 & 0.123 & 0.100 & 0.200 & 0.51 & 0.90 & 1.23 & -0.50 & 0.88 "
        "\\\\"
    )


def test_same_scores_same_bytes_replacing_old_files(
    written: list[Path], scores: pd.DataFrame, tmp_path: Path
) -> None:
    (tmp_path / "scores.csv").write_text("old\n")
    again = write_outputs(scores, tmp_path)
    for a, b in zip(written, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)


def test_writes_nothing_on_error(scores: pd.DataFrame, tmp_path: Path) -> None:
    (tmp_path / "scores.csv").write_text("old\n")
    broken = scores.drop(columns="count_in_90")
    with pytest.raises(KeyError, match="count_in_90"):
        write_outputs(broken, tmp_path / "new")
    assert not (tmp_path / "new").exists()  # the error came before any file
    with pytest.raises(KeyError):
        write_outputs(broken, tmp_path)
    assert (tmp_path / "scores.csv").read_text() == "old\n"  # the old file untouched


def test_method_colours_are_fixed() -> None:
    order = ["model", "persistence", "extra", "trend", "partial_adjustment"]
    assert method_colour("model", order) == OKABE_ITO[0]  # the model black, always
    assert method_colour("trend", order) == method_colour("trend", ["trend"])
    assert method_colour("extra", order) not in [method_colour(m, order) for m in order[:2]]
