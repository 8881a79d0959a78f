"""Running code in a fresh interpreter as on another kind of CPU, for the CPU-independence tests.

What a process may choose for itself stands for another CPU: OpenBLAS's kernel
(``OPENBLAS_CORETYPE=Prescott``: SSE3 and no FMA, which every x86-64 CPU runs) and numpy without
its SIMD code above its baseline (``NPY_DISABLE_CPU_FEATURES``). Code that gives the same bits
under each as under the machine's own choice does not depend on those choices.

Only CPUs below this one can be stood for: numpy's code for features this CPU lacks (AVX-512 on
a machine without it) cannot run here. Against those the code relies on avoiding what numpy
dispatches by CPU (its ``exp``, ``log`` and ``pow`` of float64 arrays) and BLAS, which these
settings show only as far as they reach.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

from sim.core.data import ROOT


def other_cpu_settings() -> dict[str, dict[str, str]]:
    """The environments that stand for other CPUs on this machine, by name (may be empty)."""
    from numpy._core import _multiarray_umath as umath

    settings = {}
    if platform.machine().lower() in ("x86_64", "amd64"):  # OpenBLAS's names of x86-64 kernels
        settings["openblas-prescott"] = {"OPENBLAS_CORETYPE": "Prescott"}
    # numpy's own record of its SIMD targets (what NPY_DISABLE_CPU_FEATURES names); a numpy
    # without it gives no numpy setting rather than an error
    baseline = set(getattr(umath, "__cpu_baseline__", ()))
    targets = " ".join(f for f in getattr(umath, "__cpu_dispatch__", ()) if f not in baseline)
    if targets:
        settings["numpy-baseline"] = {"NPY_DISABLE_CPU_FEATURES": targets}
    return settings


def digest_of(code: str, *args: str, **env: str) -> str:
    """What ``code`` prints (a digest of its numbers) in a fresh interpreter with ``env`` added.

    Raises:
        AssertionError: the interpreter failed (its stderr is the message).
    """
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
