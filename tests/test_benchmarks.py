"""The arithmetic of the benchmarks (experiments/benchmarks/): targets, costs, process sampling.

The benchmarks themselves measure and are run by hand (``make bench``,
``experiments/benchmarks/million.py``); here their helpers get given numbers, worked out by
hand in each test, so that a wrong ratio, window or estimate fails. One test samples a real
two-process tree (about 1.5 s) to check the sampler and ``kill_tree``.
"""

import json
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCH = Path(__file__).resolve().parents[1] / "experiments" / "benchmarks"
sys.path.insert(0, str(BENCH))

import costs  # noqa: E402
import engines  # noqa: E402
import million  # noqa: E402
import million_report  # noqa: E402
import phases  # noqa: E402
import targets  # noqa: E402
from proctree import ProcessTrace, TreeSampler, kill_tree, role  # noqa: E402

# --- targets ---------------------------------------------------------------------------------


def test_rate_and_spread() -> None:
    assert targets.rate(6000, 4.0) == 1500.0
    assert targets.spread([3.0, 1.0, 2.0]) == (2.0, 1.0, 3.0)
    assert targets.spread([4.0, 1.0]) == (2.5, 1.0, 4.0)  # median of an even count: the mean
    with pytest.raises(ValueError, match="seconds > 0"):
        targets.rate(10, 0.0)
    with pytest.raises(ValueError, match="no measurements"):
        targets.spread([])


def test_end_to_end_seconds_adds_start_up_to_the_runs_at_the_steady_rate() -> None:
    # 1.0 s start-up + 6,000 runs at 12.8 runs/s = 1.0 + 468.75 s
    assert targets.end_to_end_seconds(1.0, 12.8, 6000) == pytest.approx(469.75)


def test_speed_checks_ratios_and_verdicts() -> None:
    # the "before" run of docs/PERFORMANCE.md, rounded: kernel 3,700 runs/s, sweep 1,612 and
    # 1,131 runs/s, 6,000 runs in 3.72 s against 470 s for mesa.batch_run
    found = {c.label: c for c in targets.speed_checks(3700, 1612, 1131, 3.72, 470)}
    one = found["sweep, 1 worker / kernel, 1 CPU"]
    assert one.value == pytest.approx(1612 / 3700) and one.goal == 0.70 and one.verdict == "MISS"
    assert found["sweep, 2 workers / kernel, 1 CPU"].value == pytest.approx(1131 / 3700)
    looser = found["sweep, 2 workers / sweep, 1 worker (looser reading)"]
    assert looser.value == pytest.approx(1131 / 1612) and not looser.met
    mesa = found["mesa.batch_run time / sweep time, 1 worker"]
    assert mesa.value == pytest.approx(470 / 3.72) and mesa.goal == 300 and not mesa.met
    # on the goals exactly: 700 of 1,000 runs/s is 0.70, 1,700 is 1.7x, 300 s against 1 s
    assert all(c.met for c in targets.speed_checks(1000, 700, 1700, 1.0, 300.0)[:2])
    assert targets.speed_checks(1000, 700, 1700, 1.0, 300.0)[3].verdict == "PASS"


def test_large_checks_and_the_pair_of_kernels() -> None:
    sizes = {"large_runs": 60000}
    one, two = targets.large_checks(4000, 3000, 6000, sizes)
    # 3,000 of 4,000 runs/s is 0.75 (>= 0.70); 6,000 is 1.5x (< 1.7x)
    assert one.label.endswith("60,000 runs") and one.value == pytest.approx(0.75) and one.met
    assert two.value == pytest.approx(1.5) and two.verdict == "MISS"
    # two kernels of 30,000 runs each, in 6 s and 7.5 s: 5,000 + 4,000 runs/s, so 60,000 runs
    # at 9,000 runs/s take 6.67 s
    assert targets.pair_seconds(60000, [6.0, 7.5]) == pytest.approx(60000 / 9000)
    with pytest.raises(ValueError, match="expected positive seconds"):
        targets.pair_seconds(60000, [6.0, 0.0])


def test_the_scale_check_takes_the_faster_kernel() -> None:
    # kernels of 5,000 and 5,500 runs/s around a sweep of 9,400: 9,400 / 5,500 = 1.709 (PASS),
    # where the slower kernel would have given 1.88
    check = targets.scale_check([5000.0, 5500.0], 9400.0, 600000)
    assert check.value == pytest.approx(9400 / 5500) and check.met
    assert check.label.endswith("600,000 runs")
    assert not targets.scale_check([5000.0, 5600.0], 9400.0, 600000).met  # 1.679
    with pytest.raises(ValueError, match="no kernel"):
        targets.scale_check([], 9400.0, 600000)


def test_reach_is_the_floor_then_the_runs_at_the_kernels_rate() -> None:
    floor = targets.Floor(start_s=0.5, one_cpu=1.0, two_cpus=2.0)
    # one worker, 6,000 runs at 9,000 runs/s: 0.5 + 0.667 s, so at most 0.667 / 1.167 = 4/7
    assert targets.least_seconds(floor, 9000, 6000, 1) == pytest.approx(0.5 + 6000 / 9000)
    assert targets.reach(floor, 9000, 6000, 1) == pytest.approx(4 / 7)
    # two workers: 0.5 + 0.333 s, so at most 0.667 / 0.833 = 0.8, short of 1.7
    assert targets.reach(floor, 9000, 6000, 2) == pytest.approx(0.8)
    # 60,000 runs on two: 0.5 + 3.333 s, so 6.667 / 3.833 = 1.739, within 1.7's reach
    assert targets.reach(floor, 9000, 60000, 2) == pytest.approx(
        60000 / 9000 / (0.5 + 60000 / 18000)
    )
    # two kernels at once 2.1x one: 0.5 + 60,000 / 18,900 s
    faster = targets.Floor(start_s=0.5, two_cpus=2.1)
    assert targets.reach(faster, 9000, 60000, 2) == pytest.approx(
        60000 / 9000 / (0.5 + 60000 / 18900)
    )
    with pytest.raises(ValueError, match="expected 1 or 2 workers"):
        floor.cpus(3)
    with pytest.raises(ValueError, match="expected both positive"):
        targets.reach(floor, 0.0, 6000, 1)


def test_a_miss_is_out_of_reach_only_when_the_bound_is_short_of_the_goal() -> None:
    floor = targets.Floor(start_s=0.5)
    # kernel 9,000 runs/s; sweeps at 4,000 (1 worker) and 5,000 (2 workers) runs/s on 6,000
    # runs in 1.5 s; mesa.batch_run 400 s: 400 / 1.5 = 267x, at most 400 / 1.167 = 343x
    found = {c.label: c for c in targets.speed_checks(9000, 4000, 5000, 1.5, 400.0, floor, 6000)}
    one = found["sweep, 1 worker / kernel, 1 CPU"]
    assert one.reach == pytest.approx(4 / 7) and one.out_of_reach
    assert one.verdict == "MISS, out of reach"
    two = found["sweep, 2 workers / kernel, 1 CPU"]
    assert two.reach == pytest.approx(0.8) and two.verdict == "MISS, out of reach"
    assert found["sweep, 2 workers / sweep, 1 worker (looser reading)"].reach is None
    mesa = found["mesa.batch_run time / sweep time, 1 worker"]
    assert mesa.reach == pytest.approx(400 / (0.5 + 6000 / 9000))
    assert mesa.verdict == "MISS" and not mesa.out_of_reach  # 343x could reach 300x
    # without a floor no check is bounded, as before
    assert all(c.reach is None for c in targets.speed_checks(9000, 4000, 5000, 1.5, 400.0))
    # a pass stays a pass, and a difference (at_most) is never "out of reach"
    assert targets.Check("x", 0.8, 0.7, reach=0.75).verdict == "PASS"
    assert not targets.Check("d", 2e-6, 1e-6, at_most=True, reach=0.0).out_of_reach
    # the large sweep and the scale sweep (against the faster kernel, 10,000 runs/s)
    _, large_two = targets.large_checks(9000, 7000, 12000, {"large_runs": 60000}, floor)
    assert large_two.reach == pytest.approx(60000 / 9000 / (0.5 + 60000 / 18000))
    assert large_two.verdict == "MISS"  # 1.33x measured, 1.74x within reach
    scale = targets.scale_check([9000.0, 10000.0], 16000.0, 600000, floor)
    assert scale.reach == pytest.approx(60 / (0.5 + 30))


def test_the_bench_reads_its_floor_at_its_most_favourable_to_a_sweep() -> None:
    import bench

    # three rounds' start-ups; two large rounds: kernel 6.0 and 6.6 s, two kernels at once 3.0
    # and 3.2 s (2.0x and 2.06x), the tuned kernel 6.3 and 6.0 s (0.95x and 1.1x)
    times = {
        "floor": [0.52, 0.48, 0.61],
        "kernel_large": [6.0, 6.6],
        "kernel_pair": [3.0, 3.2],
        "kernel_tuned": [6.3, 6.0],
    }
    floor = bench.floor({"times": times})
    assert floor.start_s == 0.48  # the fastest start-up
    assert floor.one_cpu == pytest.approx(6.6 / 6.0)  # the larger tuned gain, 1.1x
    assert floor.two_cpus == pytest.approx(6.6 / 3.2)  # the larger pair gain, 2.06x
    # the tuned kernel slower in every round: one worker still counts one kernel
    times["kernel_tuned"] = [6.3, 6.9]
    assert bench.floor({"times": times}).one_cpu == 1.0
    assert bench.floor({"times": {}}) is None  # a result measured before the floor


def test_calibration_checks_speed_up_and_same_fit() -> None:
    before = targets.Before(seconds=187.5, cpu_s=186.8, loss=0.09, evaluations=1, commit="x")
    # the same fit is the committed one (0.07 here), not the before's loss of another model
    fast, same = targets.calibration_checks(187.5 / 4, 0.07 + 5e-7, before, fit=0.07)
    assert fast.value == pytest.approx(4.0) and fast.met  # exactly 4x faster passes
    assert same.at_most and same.value == pytest.approx(5e-7) and same.met
    slow, other = targets.calibration_checks(100.0, 0.07 - 2e-6, before, fit=0.07)
    assert slow.value == pytest.approx(1.875) and slow.verdict == "MISS"
    assert other.value == pytest.approx(2e-6) and other.verdict == "MISS"
    only_speed = targets.calibration_checks(100.0, 0.07, before, fit=None)
    assert [c.label for c in only_speed] == ["calibration speed-up over before"]


def test_the_committed_fit_is_the_validations_recalibration(tmp_path: Path) -> None:
    headline = json.loads(targets.HEADLINE.read_text())
    assert targets.committed_fit("full") == headline["recalibration"]["loss"]
    assert targets.committed_fit("smoke") is None  # no smoke-budget fit is committed
    path = tmp_path / "headline.json"
    path.write_text(json.dumps({"recalibration": {"loss": 0.5}}))
    assert targets.committed_fit("full", path) == 0.5
    path.write_text(json.dumps({"share_rmse_pp": 0.2}))  # run_all.py without --recalibrate
    assert targets.committed_fit("full", path) is None
    path.write_text(json.dumps({"recalibration": {"loss": "low"}}))
    with pytest.raises(ValueError, match="recalibration.loss is 'low', expected a number"):
        targets.committed_fit("full", path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not readable JSON"):
        targets.committed_fit("full", path)


def test_recorded_before_numbers_are_consistent() -> None:
    for budget in ("full", "smoke"):
        b = targets.CALIBRATION_BEFORE[budget]
        assert b.seconds > 0 and b.cpu_s > 0 and b.loss > 0 and b.evaluations > 0
    # the full budget searches far longer and reaches a lower loss than the smoke one
    full, smoke = targets.CALIBRATION_BEFORE["full"], targets.CALIBRATION_BEFORE["smoke"]
    assert full.evaluations > 100 * smoke.evaluations and full.loss < smoke.loss


def test_sweep_config_needs_a_multiple_of_the_grid(tmp_path: Path) -> None:
    path = engines.write_sweep_config(tmp_path, 6000)
    assert "replications = 60\n" in path.read_text()  # 6,000 runs on the 100-point grid
    with pytest.raises(ValueError, match="--runs 6050: expected a positive multiple of 100"):
        engines.write_sweep_config(tmp_path, 6050)


# --- phases ----------------------------------------------------------------------------------


def _stamps(chunks: list[tuple[float, float, float, float, float]]) -> dict:
    keys = ("start", "end", "simulation", "tables", "files")
    return {
        "start": 10.02,
        "entry": 10.2,
        "chunks": [dict(zip(keys, c, strict=True)) for c in chunks],
    }


def test_phases_split_launch_to_exit() -> None:
    # Launch at 10.0, the child's first line at 10.02, the sweep entered at 10.2, two chunks
    # (10.25-10.6 and 10.6-10.95, given out of order) with 0.30 + 0.02 + 0.02 s of steps each,
    # exit at 11.0: interpreter 0.02, imports 0.18, plan 0.05, simulation 0.6, tables and files
    # 0.04 each, the chunks' rest (10.95 - 10.25) - 0.68 = 0.02, finish 0.05; 1.0 s in all.
    stamps = _stamps([(10.6, 10.95, 0.3, 0.02, 0.02), (10.25, 10.6, 0.3, 0.02, 0.02)])
    got = phases.phase_seconds(10.0, 11.0, stamps)
    want = {"interpreter": 0.02, "imports": 0.18, "plan": 0.05, "simulation": 0.6}
    want |= {"tables": 0.04, "files": 0.04, "chunk rest": 0.02, "finish": 0.05}
    assert list(got) == [name for name, _ in phases.PHASES]
    assert got == pytest.approx(want)
    assert sum(got.values()) == pytest.approx(1.0)


def test_phases_refuse_no_chunk_or_stamps_out_of_order() -> None:
    with pytest.raises(ValueError, match="no chunk"):
        phases.phase_seconds(10.0, 11.0, _stamps([]))
    late = _stamps([(10.1, 10.5, 0.3, 0.0, 0.0)])  # a chunk before the sweep was entered
    with pytest.raises(ValueError, match="out of order"):
        phases.phase_seconds(10.0, 11.0, late)


def test_the_goal_is_the_runs_at_70_percent_of_the_kernels_rate() -> None:
    # 6,000 runs against a kernel of 10,000 runs/s: 6,000 / 7,000 = 0.857 s at most
    assert phases.goal_seconds(6000, 10_000.0) == pytest.approx(6000 / 7000)


def test_the_stamped_sweep_stamps_each_chunk_and_its_steps(tmp_path: Path) -> None:
    # The child wraps sim.sweep's functions by name: a renamed one would leave its step at
    # zero or no chunk stamped. A 100-run sweep (one design point's replications each) is cut
    # into chunks; each must be stamped, with time in each of its steps.
    config = engines.write_sweep_config(tmp_path, 100)
    out, stamps_path = tmp_path / "sweep", tmp_path / "stamps.json"
    launch = time.perf_counter()
    subprocess.run(
        [sys.executable, str(phases.CHILD), str(config), str(out), str(stamps_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    got = phases.phase_seconds(launch, time.perf_counter(), json.loads(stamps_path.read_text()))
    stamps = json.loads(stamps_path.read_text())
    assert len(stamps["chunks"]) == len(list((out / "runs").glob("chunk-*.parquet")))
    for chunk in stamps["chunks"]:
        steps = chunk["simulation"] + chunk["tables"] + chunk["files"]
        assert min(chunk["simulation"], chunk["tables"], chunk["files"]) > 0
        assert steps <= chunk["end"] - chunk["start"]
    assert min(got.values()) >= 0


ORPHAN_SCRIPT = """
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[2])
import engines

adopted = engines.adopt_orphans() if sys.argv[1] == "adopt" else False
burn = "import time\\nt = time.process_time()\\nwhile time.process_time() - t < 1.0: pass"
leave = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {burn!r}])"
ran = engines._run([sys.executable, "-c", leave], cwd=Path.cwd())
print(adopted, ran.cpu_s)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="a child subreaper is Linux's")
def test_a_commands_orphans_count_their_cpu_once_adopted(tmp_path: Path) -> None:
    # A command that starts a process burning 1.0 CPU s and exits at once, as a sweep leaves
    # its fork server and workers: adopted, the orphan's second counts; not adopted, it does
    # not (the command itself takes well under a second of CPU).
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN_SCRIPT)

    def cpu(mode: str) -> tuple[str, float]:
        out = subprocess.run(
            [sys.executable, str(script), mode, str(BENCH)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.split()
        return out[0], float(out[1])

    adopted, with_orphan = cpu("adopt")
    assert adopted == "True" and with_orphan >= 1.0
    _, without = cpu("no")
    assert without < 1.0


# --- costs -----------------------------------------------------------------------------------


def test_value_at_interpolates_and_is_flat_outside() -> None:
    assert costs.value_at([0, 1, 2], [0, 10, 30], 1.5) == 20.0  # halfway from 10 to 30
    assert costs.value_at([0, 1, 2], [0, 10, 30], 5.0) == 30.0
    assert costs.value_at([0, 1, 2], [0, 10, 30], -1.0) == 0.0
    with pytest.raises(ValueError, match="3 times and 2 values"):
        costs.value_at([0, 1, 2], [0, 1], 1.0)


def test_steady_window_from_10_to_90_percent_of_the_new_files() -> None:
    progress = [(0, 0), (1, 0), (2, 1), (3, 3), (4, 5), (5, 8), (6, 10)]
    # 10 new files: the window opens at the first count >= 1 (t=2) and closes at >= 9 (t=6)
    assert costs.steady_window(progress) == (2, 6, 1, 10)
    # a resumed session starting at 20 files, 10 new: >= 21 at t=2, >= 29 at t=6
    resumed = [(t, c + 20) for t, c in progress]
    assert costs.steady_window(resumed) == (2, 6, 21, 30)
    with pytest.raises(ValueError, match="1 new files"):
        costs.steady_window([(0, 0), (1, 1)])


def test_peak_growth_is_zero_when_bounded_and_the_rise_when_growing() -> None:
    times = list(range(8))
    sawtooth = [100, 150, 100, 150, 100, 150, 100, 150]
    assert costs.peak_growth(times, sawtooth, 0, 7) == 0.0
    growing = [100, 110, 120, 130, 140, 150, 160, 170]
    # first half [0, 3.5): peak 130; second half [3.5, 7]: peak 170
    assert costs.peak_growth(times, growing, 0, 7) == 40.0
    with pytest.raises(ValueError, match="no samples"):
        costs.peak_growth([0.0], [1], 0, 7)


def test_cluster_estimate_counts_waves_of_chunks_and_the_client() -> None:
    # 148 chunks of 2 s on 64 cores: 3 waves (64 + 64 + 20), 6 s, not 148 x 2 / 64 = 4.6 s
    free = costs.cluster_estimate(148, 2.0, 0.005, 3.0, 0.5, 12_000_000, 64)
    assert free.seconds == pytest.approx(3.0 + 3 * 2.0 + 0.5)
    assert free.client_busy == pytest.approx(148 * 0.005 / 6.0)  # 0.74 s of 6 s
    assert free.write_mb_s == pytest.approx(148 * 12.0 / 6.0)  # 148 chunks of 12 MB in 6 s
    # a client needing 50 ms a chunk is the limit: 148 x 0.05 = 7.4 s > 6 s of the workers
    bound = costs.cluster_estimate(148, 2.0, 0.05, 3.0, 0.5, 12_000_000, 64)
    assert bound.seconds == pytest.approx(3.0 + 7.4 + 0.5) and bound.client_busy == 1.0
    # on 2 cores: 74 waves of 2 s
    assert costs.cluster_estimate(148, 2.0, 0.005, 3.0, 0.5, 1, 2).seconds == pytest.approx(151.5)
    with pytest.raises(ValueError, match="0 cores"):
        costs.cluster_estimate(10, 2.0, 0.0, 1.0, 0.0, 1.0, 0)


def test_cluster_estimate_a_scheduler_apart_is_a_third_limit() -> None:
    # the same 148 chunks (3 waves of 2 s on 64 cores); a scheduler at 10 ms a chunk is busy
    # 1.48 of the 6 s, and one at 60 ms (8.88 s) sets the pace instead of the workers
    easy = costs.cluster_estimate(148, 2.0, 0.005, 3.0, 0.5, 1, 64, scheduler_s_per_chunk=0.01)
    assert easy.seconds == pytest.approx(9.5) and easy.scheduler_busy == pytest.approx(1.48 / 6)
    slow = costs.cluster_estimate(148, 2.0, 0.005, 3.0, 0.5, 1, 64, scheduler_s_per_chunk=0.06)
    assert slow.seconds == pytest.approx(3.0 + 8.88 + 0.5) and slow.scheduler_busy == 1.0
    assert slow.client_busy == pytest.approx(0.74 / 8.88)
    # inside the client (the default): no third limit
    assert costs.cluster_estimate(148, 2.0, 0.005, 3.0, 0.5, 1, 64).scheduler_busy == 0.0


# --- the million-run report ------------------------------------------------------------------


def _trace(pid: int, kind: str, cpu_per_s: float) -> ProcessTrace:
    times = [float(t) for t in range(12)]
    return ProcessTrace(pid, kind, times, [100 * 2**20] * 12, [cpu_per_s * t for t in times])


def test_session_costs_per_chunk_in_the_steady_window() -> None:
    # 10 chunk files of 1,000 runs, one a second from t=1; two workers each busy 1 CPU s per
    # second, the client 0.1; the process exits at t=11.5
    progress = [(float(t), min(t, 10)) for t in range(12)]
    traces = {1: _trace(1, "client", 0.1), 2: _trace(2, "worker", 1.0), 3: _trace(3, "worker", 1.0)}
    session = {
        "sampler": SimpleNamespace(traces=traces, progress=progress),
        "files_at_start": 0,
        "wall_s": 11.5,
    }
    c = million_report.session_costs(session, 10_000, 10)
    # window: first count >= 1 at t=1, >= 9 at t=9: 8 s and 8 chunks (8,000 runs)
    assert c["window_s"] == 8.0 and c["window_chunks"] == 8 and c["runs_per_chunk"] == 1000
    assert c["window_runs_per_s"] == pytest.approx(1000.0)
    assert c["worker_s_per_chunk"] == pytest.approx(2 * 8.0 / 8)  # 2 CPU s a chunk
    assert c["client_s_per_chunk"] == pytest.approx(0.8 / 8)  # 0.1 CPU s a chunk
    # first file at t=1, less one chunk's 2 s of work: no start-up left; last file at t=10
    assert c["startup_s"] == 0.0 and c["tail_s"] == 1.5
    assert c["scheduler_s_per_chunk"] == 0.0  # no scheduler apart


def test_session_costs_count_a_scheduler_apart_beyond_its_idle_rate() -> None:
    # as above, plus a scheduler at 0.07 CPU s per second and nannies at 0.01, which cost
    # 0.05 per second together when idle: (0.08 - 0.05) x 8 s / 8 chunks = 0.03 s a chunk
    progress = [(float(t), min(t, 10)) for t in range(12)]
    traces = {
        1: _trace(1, "client", 0.1),
        2: _trace(2, "worker", 1.0),
        3: _trace(3, "scheduler", 0.07),
        4: _trace(4, "nannies", 0.01),
    }
    session = {
        "sampler": SimpleNamespace(traces=traces, progress=progress),
        "files_at_start": 0,
        "wall_s": 11.5,
    }
    c = million_report.session_costs(session, 10_000, 10, idle_cpu_per_s=0.05)
    assert c["scheduler_s_per_chunk"] == pytest.approx(0.03)
    assert c["client_s_per_chunk"] == pytest.approx(0.1)  # the client alone, as before
    # busier when idle than while running (noise): never a negative cost
    quiet = million_report.session_costs(session, 10_000, 10, idle_cpu_per_s=0.5)
    assert quiet["scheduler_s_per_chunk"] == 0.0


def test_total_peak_sums_processes_sampled_together() -> None:
    a = ProcessTrace(1, "client", [0.0, 0.5, 1.0], [10 * 2**20, 30 * 2**20, 20 * 2**20], [0] * 3)
    b = ProcessTrace(2, "worker", [0.5, 1.0], [5 * 2**20, 40 * 2**20], [0, 0])
    assert million_report.total_peak([a, b]) == 60.0  # 20 + 40 MB at t=1.0, not 30 + 40


def test_same_compares_at_the_stored_type() -> None:
    import numpy as np
    import pandas as pd

    fresh = pd.Series([0.1, 3.5, 1e-9])  # float64
    assert million.same(fresh.astype(np.float32), fresh)  # stored float32: equal once rounded
    assert not million.same(fresh.astype(np.float32), fresh + 1e-6)  # 1e-6 survives float32
    assert million.same(pd.Series([1, 2], dtype="category"), pd.Series([1.0, 2.0]))
    assert million.same(pd.Series(["2025Q1"], dtype="category"), pd.Series(["2025Q1"]))
    assert not million.same(pd.Series(["2025Q1"]), pd.Series(["2025Q2"]))


# --- sampling a process tree -----------------------------------------------------------------


def test_role_from_command_line() -> None:
    assert role(["python", "-m", "sim", "sweep"], is_root=True) == "client"
    tracker = ["python", "-c", "from multiprocessing.resource_tracker import main;main(9)"]
    assert role(tracker, is_root=False) == "resource tracker"
    spawn = ["python", "-c", "from multiprocessing.spawn import spawn_main; spawn_main()"]
    assert role(spawn, is_root=False) == "worker"
    # a fork server's children keep its command line: the root's child is the server
    server = ["python", "-c", "from multiprocessing.forkserver import main; main(3, 4, [])"]
    assert role(server, is_root=False) == "fork server"
    assert role(server, is_root=False, parent_is_root=False) == "worker"
    assert role(["sleep", "1"], is_root=False) == "other"
    # a cluster started apart: its roots are sampled under the role they are given
    assert role(["python", "-m", "dask", "scheduler"], True, "scheduler") == "scheduler"


def test_sampler_follows_children_and_kill_tree_kills_them() -> None:
    child = "import time; x = bytearray(60_000_000); time.sleep(30)"  # 60 MB held for 30 s
    parent = f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}]);"
    proc = subprocess.Popen([sys.executable, "-c", parent + " time.sleep(30)"])
    sampler = TreeSampler(proc.pid, interval=0.05).start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        kids = [t for t in sampler.traces.values() if t.role == "other"]
        if kids and max(kids[0].rss) > 60_000_000:
            break
        time.sleep(0.05)
    killed = kill_tree(proc.pid)
    sampler.stop()
    assert proc.wait(timeout=10) == -9
    roles = sorted(t.role for t in sampler.traces.values())
    assert roles == ["client", "other"] and len(killed) == 2
    (kid,) = [t for t in sampler.traces.values() if t.role == "other"]
    assert max(kid.rss) > 60_000_000  # the child's bytearray is seen
    assert all(not Path(f"/proc/{pid}").exists() for pid in killed)
