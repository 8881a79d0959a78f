"""The calibration's numbers do not depend on the CPU it runs on.

A calibration follows its optimisers' path, which a last-bit difference in one loss sends
elsewhere: on a machine without AVX-512 the committed fit's search (made on one with it) ended
at loss 0.06808 instead of 0.06813, because the member multipliers were centred by a matrix
product, which OpenBLAS sums in an order chosen for the CPU. Two CPUs are emulated here by what
each library lets a process choose: OpenBLAS's kernel (``OPENBLAS_CORETYPE``) and numpy's SIMD
code (``NPY_DISABLE_CPU_FEATURES``). With either, the centred search vectors, the laggards'
gap-closing rates and the losses must be the same bits as with the machine's own choice.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import numpy as np
import pytest

from sim.core.data import ROOT

PROBE = """
import hashlib
import numpy as np
from sim.core.config import load_scenario
from sim.core.data import ROOT
from sim.validation import backcast
from sim.validation.objective import Budget, Objective

obj = Objective(load_scenario(ROOT / "configs" / "backcast_2014.toml").params, 3, Budget(n_runs=2))
rng = np.random.default_rng(0)
lo, hi = np.array(obj.bounds).T
xs = lo + (hi - lo) * rng.random((400, len(lo)))  # member multipliers far from centred
digest = hashlib.sha256()
for x in xs:
    digest.update(obj.space.centred(x).tobytes())
digest.update(backcast.gap_closing_rate(rng.random(4000) * 2, rng.random(4000) * 2.5).tobytes())
digest.update(np.array([obj(x) for x in xs[:2]]).tobytes())
digest.update(obj.distances(xs[2:4]).tobytes())
print(digest.hexdigest())
"""


def probe(**env: str) -> str:
    """The digest of the probe's numbers in a fresh interpreter with ``env`` added."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def numpy_dispatched_features() -> str:
    """numpy's SIMD targets above its baseline, which ``NPY_DISABLE_CPU_FEATURES`` may turn off."""
    from numpy._core import _multiarray_umath as umath

    baseline = set(umath.__cpu_baseline__)
    return " ".join(f for f in umath.__cpu_dispatch__ if f not in baseline)


@pytest.fixture(scope="module")
def own() -> str:
    """The digest with the libraries' own choices for this CPU."""
    return probe()


@pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64"),
    reason="OPENBLAS_CORETYPE names x86-64 kernels",
)
def test_openblas_kernel_of_another_cpu_gives_the_same_bits(own: str) -> None:
    """Prescott (SSE3, no FMA) is a kernel every x86-64 CPU can run, unlike this one's own."""
    assert probe(OPENBLAS_CORETYPE="Prescott") == own


def test_numpy_without_its_simd_targets_gives_the_same_bits(own: str) -> None:
    features = numpy_dispatched_features()
    if not features:
        pytest.skip("this numpy dispatches no SIMD code above its baseline")
    assert probe(NPY_DISABLE_CPU_FEATURES=features) == own


def test_centred_is_the_centring_matrix_product() -> None:
    """The exactly-summed centring is the matrix's product to rounding, and sums to zero."""
    from sim.core.config import load_scenario
    from sim.validation.objective import Budget, Objective

    params = load_scenario(ROOT / "configs" / "backcast_2014.toml").params
    obj = Objective(params, 3, Budget(n_runs=2))
    rng = np.random.default_rng(1)
    lo, hi = np.array(obj.bounds).T
    for x in lo + (hi - lo) * rng.random((50, len(lo))):
        centred = obj.space.centred(x)
        assert np.allclose(centred, obj.space.centering @ x, rtol=0, atol=1e-14)
        for idx in obj.space.groups:
            assert abs(centred[idx].sum()) < 1e-13  # log multipliers of a group sum to zero
        others = np.setdiff1d(np.arange(len(x)), np.concatenate(obj.space.groups))
        assert np.array_equal(centred[others], x[others])  # pooled and regions untouched
