"""Faults injected on purpose, to test a sweep's resilience; the model itself is never touched.

The environment variable ``SIM_FAIL_RUN_IDS`` (:data:`FAULT_ENV`, read once by the sweep runner
in the main process and recorded in the manifest) lists run ids that fail on purpose: ``"3,17"``
makes those runs raise, ``"17:nan"`` gives run 17 NaN outputs, ``"17:kill"`` makes the worker
process running run 17's chunk kill itself (SIGKILL) the first time the chunk is submitted, and
``"17:kill-always"`` every time. ``sim.sweep.execution.run_chunk`` carries them out.
"""

from __future__ import annotations

import multiprocessing
import os
import signal

from sim.core.errors import UserError

FAULT_ENV = "SIM_FAIL_RUN_IDS"
FAULT_MODES = ("raise", "nan", "kill", "kill-always")
KILL_MODES = ("kill", "kill-always")


NEEDS_WORKERS = (
    f"{FAULT_ENV}: kill faults need worker processes (--workers 2 or more), not the sweep's own "
    "process"
)


class FaultError(UserError):
    """``SIM_FAIL_RUN_IDS`` is malformed, or asks for what this sweep cannot do."""


def parse_faults(text: str) -> dict[int, str]:
    """Parse ``SIM_FAIL_RUN_IDS`` (``"3,17:nan"``) into ``{run_id: mode}`` (``FAULT_MODES``).

    Raises:
        FaultError: for a malformed entry.
    """
    out: dict[int, str] = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        rid, _, mode = item.partition(":")
        mode = mode or "raise"
        if not rid.isdigit() or mode not in FAULT_MODES:
            raise FaultError(
                f"{FAULT_ENV}: entry {item!r}: expected RUN_ID or "
                "RUN_ID:MODE with MODE one of " + ", ".join(FAULT_MODES[1:])
            )
        out[int(rid)] = mode
    return out


def refuse_kills_in_process(faults: dict[int, str]) -> None:
    """Refuse kill faults for a sweep that runs its chunks in its own process (before any run).

    Raises:
        FaultError: when ``faults`` holds a kill mode.
    """
    if set(faults.values()) & set(KILL_MODES):
        raise FaultError(NEEDS_WORKERS)


def kill_worker() -> None:
    """The worker process running this chunk kills itself (SIGKILL).

    Raises:
        FaultError: in the sweep's own process (a serial sweep), which it would kill.
    """
    if multiprocessing.parent_process() is None:
        raise FaultError(NEEDS_WORKERS)
    os.kill(os.getpid(), signal.SIGKILL)
