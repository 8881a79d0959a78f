"""``python -m sim report``: a report from real (tiny) sweeps, its numbers, and bad input.

The sweeps are run with the sweep engine (``sim.sweep.runner.run_sweep``) in this process, on a few
design points and replications, so that the whole file runs in well under a minute.
"""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sweep_util import CrashAfter

from sim.analysis import figure_maps
from sim.analysis import figures as figs
from sim.analysis.report import build_report
from sim.analysis.report_inputs import richardson_boundary
from sim.analysis.sensitivity import analyse_sweep
from sim.analysis.table_format import to_latex
from sim.analysis.tables import (
    paired_differences,
    regime_cells,
    series_bands,
    time_to_target,
)
from sim.cli import main
from sim.core.data import ROOT
from sim.core.errors import UserError
from sim.core.regimes import REGIMES
from sim.sweep.config import load_sweep_config
from sim.sweep.runner import run_sweep
from sim.sweep.store import load_sweep

HAGUE = (ROOT / "configs" / "hague.toml").as_posix()


def sweep_config(tmp_path, name, axes, *, design='method = "grid"', replications=3, extra=""):
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nscenario = "{HAGUE}"\nreplications = {replications}\n'
        f"root_seed = 7\nchunk_size = 4\n{extra}\n[design]\n{design}\n\n[axes]\n"
        f"{axes}\n"
    )
    return load_sweep_config(path)


def run(tmp_path, name, axes, **kw):
    out = tmp_path / name
    run_sweep(sweep_config(tmp_path, name, axes, **kw), out, workers=1, quiet=True)
    return out


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    """2 x 2 grid (hegemon pressure x rival ratio), 3 paired replications, members kept."""
    tmp = tmp_path_factory.mktemp("grid")
    return run(
        tmp,
        "grid",
        "hegemon_pressure = [0.2, 0.8]\nrival_target_ratio = [3.0, 10.0]",
        extra="[keep]\nmembers = true\n",
    )


@pytest.fixture(scope="module")
def grid_report(grid_sweep):
    warnings = []
    report = build_report(grid_sweep, warn=warnings.append)
    return report, warnings


def test_report_writes_every_figure_and_table(grid_report):
    report, warnings = grid_report
    assert warnings == []
    figures = {name for name, _, _ in report.figures}
    assert figures == {
        "outcomes",
        "paired_differences",
        "paired_over_time",
        "regime_map",
        "time_to_target",
    }
    for _, files, caption in report.figures:
        assert {f.suffix for f in files} == {".pdf", ".png"}
        assert caption
        pdf = next(f for f in files if f.suffix == ".pdf").read_bytes()
        # fonts embedded as TrueType (pdf.fonttype 42), never Type 3
        assert b"/FontFile2" in pdf and b"/Type3" not in pdf
    for _, files, _ in report.tables:
        assert {f.suffix for f in files} == {".csv", ".tex"}
        assert "\\toprule" in files[1].read_text()
    readme = (report.out / "README.md").read_text()
    assert "![regime_map](figures/regime_map.png)" in readme
    # the log-ratio threat of the Hague scenario: the caption says why there is no boundary
    regime_caption = dict((n, c) for n, _, c in report.figures)["regime_map"]
    assert "does not apply" in regime_caption


def test_report_numbers_agree_with_the_sweep(grid_sweep, grid_report):
    report, _ = grid_report
    summary = pd.read_parquet(grid_sweep / "summary")  # Parquet datasets, one file per chunk
    runs = pd.read_parquet(grid_sweep / "runs")
    regimes = pd.read_csv(report.out / "tables" / "regimes.csv")
    assert regimes["n"].sum() == len(summary) == 12  # 4 points x 3 replications
    assert set(regimes["modal"]) <= set(REGIMES)
    points = pd.read_csv(report.out / "tables" / "design_points.csv")
    merged = summary.merge(runs[["run_id", "point_id"]], on="run_id")
    expected = merged.groupby("point_id")["final_alliance_core_share_pct"].mean()
    np.testing.assert_allclose(points["final_alliance_core_share_pct_mean"], expected, rtol=1e-5)
    diffs = pd.read_csv(report.out / "tables" / "paired_differences.csv")
    assert set(diffs["arm"]) == {1, 2, 3} and diffs["paired"].all()
    core = diffs[diffs["outcome"] == "final_alliance_core_share_pct"]
    np.testing.assert_allclose(
        core["mean_difference"], (expected - expected[0]).iloc[1:].to_numpy(), rtol=1e-5
    )
    # common random numbers: the paired interval is narrower than the unpaired one
    assert ((core["ci_high"] - core["ci_low"]) / 2 < core["unpaired_half_width"]).all()
    ttt = pd.read_csv(report.out / "tables" / "time_to_target.csv")
    # one curve per level of --by (default the first axis), the other axis at point 0's value
    assert set(ttt["hegemon_pressure"]) == {0.2, 0.8} and set(ttt["n_runs"]) == {3}
    assert ttt["runs_core_3_5"].between(0, 1).all()


def test_figures_and_tables_are_byte_for_byte_reproducible(grid_sweep, grid_report, tmp_path):
    report, _ = grid_report
    stem = tmp_path / "again" / "regime_map"
    result = load_sweep(grid_sweep)
    frame = result.summary.merge(result.runs, on="run_id")
    cells, edges = regime_cells(frame, "hegemon_pressure", "rival_target_ratio")
    figs.save(
        figure_maps.regime_map_figure(cells, edges, "hegemon_pressure", "rival_target_ratio"), stem
    )
    first = report.out / "figures" / "regime_map.pdf"
    assert stem.with_suffix(".pdf").read_bytes() == first.read_bytes()  # no creation date
    again = pd.read_csv(report.out / "tables" / "regimes.csv")
    pd.testing.assert_frame_equal(again, cells, check_dtype=False)


def test_one_point_sweep_has_no_regime_map_and_old_files_go(tmp_path):
    out = run(tmp_path, "one", "hegemon_pressure = [0.5]", replications=2)
    build_report(out, warn=lambda m: None)  # an earlier report, with a file gone stale
    stale = out / "report" / "figures" / "stale.png"
    stale.write_bytes(b"")
    report = build_report(out, warn=lambda m: None)
    assert "regime_map" not in {n for n, _, _ in report.figures}
    assert "No regime map: every run lies in one cell" in report.notes[0]
    assert "## Notes" in (report.out / "README.md").read_text()
    assert not stale.exists()


def test_richardson_boundary_is_drawn_where_it_applies(tmp_path):
    # behaviour fixed here (not inherited from configs/behaviour.toml, which calibration
    # refits): default free riding, no regional multipliers, so kappa is about 0.08
    out = run(
        tmp_path,
        "linear",
        "rival_target_ratio = [2.0, 12.0]\nthreat_sensitivity_pp = [0.5, 3.0]",
        replications=1,
        extra='[set]\nthreat_signal = "rival_output"\nfree_riding_strength = 0.1\n'
        'region_behaviour_file = ""\n',
    )
    result = load_sweep(out)
    edges = {"x": np.array([1.0, 13.0]), "y": np.array([0.25, 3.25])}
    mesh, note = richardson_boundary(
        result.runs, result.alliance, "rival_target_ratio", "threat_sensitivity_pp", edges
    )
    assert mesh is not None and "Dashed: Richardson's boundary" in note
    # the margin is (1 + fr) - kappa * ratio * sensitivity (times the speeds), kappa from the
    # data (about 0.08, tests/core/test_regimes.py): stable at (2, 0.5), runaway at (12, 3)
    x, y, margin = mesh
    assert margin[0, 0] > 0 and margin[-1, -1] < 0
    # an axis outside the Richardson parameters: not drawn, and the caption says so
    mesh, note = richardson_boundary(
        result.runs, result.alliance, "rival_target_ratio", "hegemon_pressure", edges
    )
    assert mesh is None and "is not drawn" in note
    runs = result.runs.assign(threat_signal="log_ratio")
    mesh, note = richardson_boundary(
        runs, result.alliance, "rival_target_ratio", "threat_sensitivity_pp", edges
    )
    assert mesh is None and "does not apply" in note


def test_sobol_sweep_gets_indices_in_its_report(tmp_path):
    out = run(
        tmp_path,
        "sobol",
        "hegemon_pressure = { min = 0.1, max = 0.9 }\n"
        "rival_target_ratio = { min = 2.0, max = 8.0 }",
        design='method = "sobol"\nsamples = 8',
        replications=2,
    )
    report = build_report(out, warn=lambda m: None)
    assert "sensitivity" in {n for n, _, _ in report.figures}
    # sampled points are not arms: no paired comparison with point 0
    assert "paired_differences" not in {n for n, _, _ in report.figures}
    assert any("No paired differences" in n for n in report.notes)
    table = pd.read_csv(report.out / "tables" / "sensitivity.csv")
    assert set(table["parameter"]) == {"hegemon_pressure", "rival_target_ratio"}
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(table.columns)


def test_morris_sweep_gets_indices(tmp_path):
    out = run(
        tmp_path,
        "morris",
        "hegemon_pressure = { min = 0.1, max = 0.9 }\n"
        "rival_target_ratio = { min = 2.0, max = 8.0 }",
        design='method = "morris"\nsamples = 4\nlevels = 4',
        replications=2,
    )
    sens = analyse_sweep(load_sweep(out))
    assert sens.method == "morris" and sens.n_points == 12  # 4 trajectories x (2 + 1) points
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(sens.table.columns)
    # the rival's ratio target moves the peak ratio far more than the pressure does
    peak = sens.table[sens.table["outcome"] == "peak_munitions_ratio"].set_index("parameter")
    assert peak.loc["rival_target_ratio", "mu_star"] > peak.loc["hegemon_pressure", "mu_star"]


# --- Bad input ------------------------------------------------------------------------------


def test_not_a_sweep_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
    run_dir = tmp_path / "run"
    assert main(["run", HAGUE, "--out", str(run_dir)]) == 0
    capsys.readouterr()
    assert main(["report", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert "not a sweep folder" in err and "'run'" in err and "Traceback" not in err
    # a sweep folder whose tables are missing, or not Parquet: one message naming the folder
    broken = tmp_path / "broken"
    broken.mkdir()
    manifest = {"kind": "sweep", "layout": 2, "n_runs": 1, "chunk_size": 1, "complete": False}
    (broken / "manifest.json").write_text(json.dumps(manifest))
    assert main(["report", str(broken)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {broken}")
    for name in ("design.parquet", "runs/chunk-000000.parquet", "summary/chunk-000000.parquet"):
        (broken / name).parent.mkdir(exist_ok=True)
        (broken / name).write_text("not parquet")
    assert main(["report", str(broken)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {broken}")


def test_cli_error_has_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "report", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


def test_axis_not_swept_lists_the_swept_axes(grid_sweep, tmp_path, capsys):
    code = main(
        [
            "report",
            str(grid_sweep),
            "--out",
            str(tmp_path / "r"),
            "--axes",
            "hegemon_pressure",
            "noise_sd_pp",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "'noise_sd_pp' was not swept" in err
    assert "hegemon_pressure, rival_target_ratio" in err
    with pytest.raises(UserError, match="two different axes"):
        build_report(grid_sweep, tmp_path / "r2", ["hegemon_pressure", "hegemon_pressure"])


def test_incomplete_sweep_with_failed_runs_reports_what_it_has(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SIM_FAIL_RUN_IDS", "1")  # sim.sweep.execution's fault injection
    config = sweep_config(tmp_path, "partial", "hegemon_pressure = [0.2, 0.5, 0.8]")
    out = tmp_path / "partial"
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_sweep(config, out, executor=CrashAfter(1), quiet=True)  # 1 chunk of 4 runs of 9
    assert main(["report", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: the sweep is incomplete: 4 of 9 runs done" in err
    assert "warning: 1 runs failed" in err
    readme = (out / "report" / "README.md").read_text()
    assert "incomplete" in readme and "regime_map" in readme
    regimes = pd.read_csv(out / "report" / "tables" / "regimes.csv")
    assert regimes["n"].sum() == 3  # runs 0, 2, 3 of the first chunk


# --- The computations on constructed data -----------------------------------------------------


def alliance_frame(values_by_run, column="alliance_core_share_pct", quarters=None):
    quarters = quarters or [f"2025Q{q}" for q in range(1, 5)] + ["2026Q1"]
    rows = []
    for run_id, values in values_by_run.items():
        for quarter, v in zip(quarters, values, strict=True):
            rows.append({"run_id": run_id, "quarter": quarter, column: v})
    return pd.DataFrame(rows)


def test_series_bands_are_quantiles_across_runs():
    frame = alliance_frame({r: [float(r)] * 5 for r in range(101)})  # values 0..100
    bands = series_bands(frame, "alliance_core_share_pct")
    first = bands.iloc[0]
    assert (first["q05"], first["q25"], first["q50"], first["q75"], first["q95"]) == (
        5.0,
        25.0,
        50.0,
        75.0,
        95.0,
    )  # linear interpolation of 0..100 hits the integers
    assert first["year"] == 2025.0 and bands.iloc[-1]["year"] == 2026.0


def test_paired_differences_by_replication():
    # arm "b" = arm "a" + 1 + noise that cancels in pairs; the paired interval follows the t law
    a = np.array([1.0, 5.0, 3.0, 7.0])
    b = a + 1.0 + np.array([0.1, -0.1, 0.2, -0.2])
    frame = pd.DataFrame(
        {
            "arm": ["a"] * 4 + ["b"] * 4,
            "replication": [0, 1, 2, 3] * 2,
            "seed": [10, 11, 12, 13] * 2,
            "y": np.concatenate([a, b]),
        }
    )
    row = paired_differences(frame, ["y"], "a").iloc[0]
    d = b - a
    half = stats.t.ppf(0.975, 3) * d.std(ddof=1) / 2  # sqrt(4) = 2
    assert row["paired"] and row["n_pairs"] == 4
    assert row["mean_difference"] == pytest.approx(1.0)
    assert row["ci_high"] - row["mean_difference"] == pytest.approx(half)
    assert row["unpaired_half_width"] > 10 * half  # the spread between replications is large


def test_time_to_target_counts_first_passage_and_members():
    quarters = ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q4"]
    core = {
        0: [3.0, 3.6, 3.4, 3.4, 3.4],  # reached 3.5 in 2025Q2, then fell: counts as reached
        1: [3.0, 3.0, 3.0, 3.0, 3.5],
    }  # reached at 2026Q4
    frame = alliance_frame(core, quarters=quarters)
    frame["alliance_total_share_pct"] = frame["alliance_core_share_pct"] + 1.0
    frame["members_at_or_above_3_5pct"] = [0, 8, 8, 16, 16, 0, 0, 0, 0, 32]
    frame["members_at_or_above_5pct"] = 0
    ttt = time_to_target(frame, n_members=32).set_index("year")
    assert ttt.loc[2025, "runs_core_3_5"] == 0.5 and ttt.loc[2026, "runs_core_3_5"] == 1.0
    # core + 1 never reaches 5% (at most 4.6)
    assert ttt.loc[2025, "runs_total_5"] == 0.0 and ttt.loc[2026, "runs_total_5"] == 0.0
    # end of 2025: 16 of 32 and 0 of 32 members -> mean 0.25; end of 2026: 0.5 and 1.0
    assert ttt.loc[2025, "members_core_3_5"] == 0.25
    assert ttt.loc[2026, "members_core_3_5"] == 0.75


def test_regime_cells_take_the_mode_with_ties_in_regime_order():
    frame = pd.DataFrame(
        {
            "x": [1, 1, 1, 2, 2],
            "y": [0, 0, 0, 0, 0],
            "regime": ["settles", "settles", "escalates", "builds_up", "settles"],
        }
    )
    cells, edges = regime_cells(frame, "x", "y")
    assert list(cells["modal"]) == ["settles", "settles"]  # the 1-1 tie goes to settles
    assert list(cells["modal_share"]) == [2 / 3, 0.5]
    np.testing.assert_allclose(edges["x"], [0.5, 1.5, 2.5])


def test_latex_escapes_and_formats():
    frame = pd.DataFrame({"name_x": ["a_b", "50%"], "value": [1234.5, 2.0], "n": [3, 4]})
    tex = to_latex(frame, "caption")
    assert "name x & value & n" in tex  # headers in words
    assert to_latex(pd.DataFrame({"P(<=2:1)": [0.5]})).count("\\textless{}") == 1
    assert "a\\_b & 1{,}234 & 3" in tex and "50\\% & 2 & 4" in tex
    assert tex.startswith("% caption\n\\begin{tabular}{lrr}")


def test_latex_writes_years_as_years_and_shares_to_two_decimals():
    # issue 18: years were printed 2{,}025 and shares rounded to integers ("3 ... 2.6 ... 3")
    frame = pd.DataFrame({"year": [2025, 2035], "core_share_pct": [3.0, 12.345], "runs": [1234, 5]})
    tex = to_latex(frame)
    assert "year & core share (\\%) & runs" in tex
    assert "2025 & 3.00 & 1{,}234" in tex and "2035 & 12.35 & 5" in tex
    floats = to_latex(pd.DataFrame({"first_year": [2031.0], "origin": [2016]}))
    assert "2031 & 2016" in floats


def test_a_design_too_large_for_latex_gets_its_points_as_csv_only(
    grid_sweep, tmp_path, monkeypatch
):
    from sim.analysis import report_sections

    # the grid's 4 points against a limit of 3 (the shipped limit is 500 points)
    monkeypatch.setattr(report_sections, "MAX_LATEX_POINTS", 3)
    report = build_report(grid_sweep, tmp_path / "report", warn=lambda _: None)
    tables = report.out / "tables"
    assert (tables / "design_points.csv").is_file()
    assert not (tables / "design_points.tex").exists()
    assert len(pd.read_csv(tables / "design_points.csv")) == 4  # every point, in the CSV
    assert (tables / "regimes.tex").is_file()  # the other tables keep their LaTeX
    note = "design_points: 4 design points, more than a LaTeX table shows (at most 3): CSV only."
    assert note in report.notes and note in (report.out / "README.md").read_text()
