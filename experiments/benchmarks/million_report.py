"""The results of ``million.py``: per-process memory, per-chunk costs, the estimate, the tables.

:func:`summarise` turns the sampled sessions into numbers (with ``costs``), :func:`write` saves
them as JSON (RSS over time included, thinned to at most :data:`MAX_POINTS` samples per process)
and Markdown, and :func:`markdown` gives the tables docs/PERFORMANCE.md quotes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

import costs
from proctree import ProcessTrace

MAX_POINTS = 240
"""Samples kept per process in the JSON's RSS-over-time series."""
MB = 2**20


def _first_time(progress: list[tuple[float, int]], count: int) -> float:
    return next(t for t, c in progress if c >= count)


def process_rows(session: int, s: dict[str, Any], window: tuple[float, float] | None) -> list[dict]:
    """One row per process of a session: role, peak RSS, CPU seconds, growth, RSS over time."""
    rows = []
    for trace in s["sampler"].traces.values():
        growth = None
        if window is not None:
            try:
                growth = costs.peak_growth(trace.times, trace.rss, *window) / MB
            except ValueError:
                growth = None
        step = max(1, len(trace.times) // MAX_POINTS)
        rows.append(
            {
                "session": session,
                "pid": trace.pid,
                "role": trace.role,
                "peak_rss_mb": max(trace.rss) / MB,
                "cpu_s": trace.cpu[-1],
                "growth_mb": growth,
                "series": {
                    "t": [round(t, 2) for t in trace.times[::step]],
                    "rss_mb": [round(r / MB, 1) for r in trace.rss[::step]],
                },
            }
        )
    return rows


def total_peak(traces: list[ProcessTrace]) -> float:
    """The largest sum of every process's RSS at one sample (MB)."""
    sums: dict[float, int] = {}
    for trace in traces:
        for t, r in zip(trace.times, trace.rss, strict=True):
            sums[t] = sums.get(t, 0) + r
    return max(sums.values(), default=0) / MB


def session_costs(
    s: dict[str, Any], runs: int, total_files: int, idle_cpu_per_s: float = 0.0
) -> dict[str, float]:
    """A session's costs per chunk in its steady window, its start-up and its tail (seconds).

    A chunk is one file of ``alliance/``; the sweep's ``total_files`` chunks share its runs.
    The start-up is the time to the first chunk file less one chunk's worker time. A scheduler
    and nannies running apart cost ``idle_cpu_per_s`` with no work at all (measured before the
    sweep); only what they spend beyond that is counted per chunk.
    """
    sampler, progress = s["sampler"], s["sampler"].progress
    t_lo, t_hi, n_lo, n_hi = costs.steady_window(progress)
    chunks = n_hi - n_lo
    cpu: dict[str, float] = {}
    for trace in sampler.traces.values():
        if len(trace.times) < 2:
            continue
        used = costs.value_at(trace.times, trace.cpu, t_hi) - costs.value_at(
            trace.times, trace.cpu, t_lo
        )
        cpu[trace.role] = cpu.get(trace.role, 0.0) + used
    worker = cpu.get("worker", 0.0) / chunks
    runs_per_chunk = runs / total_files
    first = _first_time(progress, s["files_at_start"] + 1)
    return {
        "window_s": t_hi - t_lo,
        "window_chunks": chunks,
        "window_runs_per_s": chunks * runs_per_chunk / (t_hi - t_lo),
        "runs_per_chunk": runs_per_chunk,
        "worker_s_per_chunk": worker,
        "client_s_per_chunk": cpu.get("client", 0.0) / chunks,
        "scheduler_s_per_chunk": max(
            0.0,
            cpu.get("scheduler", 0.0) + cpu.get("nannies", 0.0) - idle_cpu_per_s * (t_hi - t_lo),
        )
        / chunks,
        "scheduler_idle_cpu_per_s": idle_cpu_per_s,
        "startup_s": max(0.0, first - worker),
        "tail_s": s["wall_s"] - _first_time(progress, progress[-1][1]),
        "window": (t_lo, t_hi),
    }


def summarise(
    args: argparse.Namespace,
    command: list[str],
    sessions: list[dict[str, Any]],
    check: dict[str, Any],
    disk: dict[str, int],
    idle_cpu_per_s: float = 0.0,
) -> dict[str, Any]:
    """Everything ``million.py`` reports, as plain data."""
    runs, last = args.runs, sessions[-1]
    total_files = last["files_at_end"]
    try:
        c = session_costs(last, runs, total_files, idle_cpu_per_s)
    except (ValueError, StopIteration, ZeroDivisionError):
        c = None
    procs = []
    for k, s in enumerate(sessions, 1):
        window = c["window"] if c is not None and s is last else None
        procs += process_rows(k, s, window)
    result: dict[str, Any] = {
        "runs": runs,
        "workers": args.workers,
        "separate_scheduler": bool(getattr(args, "separate_scheduler", False)),
        "command": " ".join(["python", *command[1:]]),
        "sessions": [
            {k: v for k, v in s.items() if k != "sampler"}
            | {"total_peak_rss_mb": total_peak(list(s["sampler"].traces.values()))}
            for s in sessions
        ],
        "wall_s": sum(s["wall_s"] for s in sessions),
        "check": check,
        "disk": disk | {"bytes_per_run": disk["bytes"] / runs},
        "processes": procs,
        "costs": c,
        "estimates": [],
    }
    if c is not None:
        for cores in sorted({args.workers, args.cores}):
            e = costs.cluster_estimate(
                total_files,
                c["worker_s_per_chunk"],
                c["client_s_per_chunk"],
                c["startup_s"],
                c["tail_s"],
                disk["bytes"] / total_files,
                cores,
                c["scheduler_s_per_chunk"],
            )
            result["estimates"].append(dataclasses.asdict(e))
    return result


def write(result: dict[str, Any], stem: Path) -> None:
    """Write the JSON (``<stem>.json``) and the Markdown (``<stem>.md``)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(result) + "\n", encoding="utf-8")


def _sessions_text(result: dict[str, Any]) -> str:
    parts = []
    for k, s in enumerate(result["sessions"], 1):
        victims = "client" if result.get("separate_scheduler") else "client and cluster"
        what = f"killed (kill -9, {victims})" if s["killed"] else "to the end"
        parts.append(
            f"session {k}: {s['wall_s']:.1f} s, {what}, chunk files {s['files_at_start']:,} -> "
            f"{s['files_at_end']:,}"
        )
    return "; ".join(parts)


def markdown(result: dict[str, Any]) -> str:
    """The tables: the sweep, every process's memory, the per-chunk costs and the estimates."""
    r, d, ch = result, result["disk"], result["check"]
    lines = [
        f"`{r['command']}`",
        "",
        "| measure | value |",
        "|---|---|",
        f"| runs | {r['runs']:,} (10 x 10 grid x {r['runs'] // 100:,} replications), "
        "alliance series kept |",
        f"| wall time | {r['wall_s']:.1f} s ({_sessions_text(r)}) |",
        f"| runs/s, end to end | {r['runs'] / r['wall_s']:,.0f} |",
        f"| result | complete {ch['complete']}, {ch['runs_done']:,} runs done, "
        f"{ch['runs_failed']} failed, sha256 verified in {ch['sha256_check_s']:.1f} s; "
        f"{ch.get('runs_compared', 0)} runs recomputed with sim.simulate, columns differing: "
        f"{ch.get('columns_differing') or 'none'} |",
        f"| disk | {d['bytes'] / 1e6:,.1f} MB in {d['files']:,} files "
        f"({d['allocated_bytes'] / 1e6:,.1f} MB allocated): "
        f"**{d['bytes_per_run']:,.0f} bytes per run**, of which alliance series "
        f"{d['alliance_bytes'] / r['runs']:,.0f} |",
    ]
    for k, s in enumerate(r["sessions"], 1):
        lines.append(f"| peak RSS, all processes, session {k} | {s['total_peak_rss_mb']:,.0f} MB |")
    lines += [
        "",
        "| session | process | peak RSS MB | growth MB (2nd half peak - 1st half) | CPU s |",
        "|---:|---|---:|---:|---:|",
    ]
    for p in sorted(r["processes"], key=lambda p: (p["session"], p["role"], p["pid"])):
        g = "" if p["growth_mb"] is None else f"{p['growth_mb']:+.1f}"
        lines.append(
            f"| {p['session']} | {p['role']} ({p['pid']}) | {p['peak_rss_mb']:,.0f} | {g} | "
            f"{p['cpu_s']:,.1f} |"
        )
    c = r["costs"]
    if c is None:
        lines.append("\n(too few chunk files for a steady window: no per-chunk costs)")
        return "\n".join(lines)
    per_chunk = c["runs_per_chunk"]
    apart = r.get("separate_scheduler", False)
    client = (
        f"the client alone {c['client_s_per_chunk'] * 1e3:.1f} CPU ms, the scheduler and nannies "
        f"(processes apart) {c.get('scheduler_s_per_chunk', 0.0) * 1e3:.1f} CPU ms beyond their "
        f"{c.get('scheduler_idle_cpu_per_s', 0.0):.3f} CPU s per second when idle"
        if apart
        else f"the client (scheduler and nannies included) {c['client_s_per_chunk'] * 1e3:.1f} "
        "CPU ms"
    )
    lines += [
        "",
        f"Steady window of the last session (10%-90% of its chunk files): {c['window_s']:.1f} s, "
        f"{c['window_chunks']} chunks of {per_chunk:,.0f} runs, {c['window_runs_per_s']:,.0f} "
        f"runs/s. Per chunk: workers {c['worker_s_per_chunk']:.2f} CPU s "
        f"({c['worker_s_per_chunk'] / per_chunk * 1e3:.3f} ms a run), {client}. Start-up "
        f"{c['startup_s']:.1f} s (to the first chunk file, less one chunk's work); after the "
        f"last chunk file {c['tail_s']:.1f} s.",
        "",
        "| worker cores | chunks | expected wall | client busy | scheduler busy "
        "| write rate MB/s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for e in r["estimates"]:
        sched = f"{e['scheduler_busy']:.0%}" if apart else "(in the client)"
        lines.append(
            f"| {e['cores']} | {e['chunks']:,} | {e['seconds']:,.1f} s | {e['client_busy']:.0%} "
            f"| {sched} | {e['write_mb_s']:,.1f} |"
        )
    if len(r["sessions"]) == 1:
        lines.append(f"\n(measured: {r['wall_s']:.1f} s on {r['workers']} workers)")
    return "\n".join(lines)
