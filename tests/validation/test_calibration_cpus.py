"""The calibration's numbers do not depend on the CPU it runs on.

A calibration follows its optimisers' path, which a last-bit difference in one loss sends
elsewhere: on a machine without AVX-512 the committed fit's search (made on one with it) ended
at loss 0.06808 instead of 0.06813, because the member multipliers were centred by a matrix
product, which OpenBLAS sums in an order chosen for the CPU. Two CPUs are emulated here by what
each library lets a process choose: OpenBLAS's kernel (``OPENBLAS_CORETYPE``) and numpy's SIMD
code (``NPY_DISABLE_CPU_FEATURES``), as ``tests/cpu_kinds.py`` sets them. With either, the
centred search vectors, the laggards' gap-closing rates and the losses must be the same bits as
with the machine's own choice.
"""

from __future__ import annotations

import numpy as np
import pytest
from cpu_kinds import digest_of, other_cpu_settings

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


@pytest.fixture(scope="module")
def own() -> str:
    """The digest with the libraries' own choices for this CPU."""
    return digest_of(PROBE)


@pytest.mark.parametrize("setting", sorted(other_cpu_settings()))
def test_another_cpus_kernels_give_the_same_bits(own: str, setting: str) -> None:
    """With the matrix product of before, the OpenBLAS setting changed the digest."""
    assert digest_of(PROBE, **other_cpu_settings()[setting]) == own


def test_centred_is_the_centring_matrix_product() -> None:
    """The exactly-summed centring is the matrix's product to rounding, and sums to zero."""
    from sim.core.config import load_scenario
    from sim.validation.objective import Budget, Objective

    params = load_scenario(ROOT / "configs" / "backcast_2014.toml").params
    obj = Objective(params, 3, Budget(n_runs=2))
    rng = np.random.default_rng(1)
    lo, hi = np.array(obj.bounds).T
    # values within the bounds (|x| <= 2.5 for a multiplier, 5 for a pooled value): one rounding
    # is at most 4.4e-16 there, and a group of n members adds n of them; 1e-14 and 1e-13 leave
    # room for a group of 20
    for x in lo + (hi - lo) * rng.random((50, len(lo))):
        centred = obj.space.centred(x)
        assert np.allclose(centred, obj.space.centering @ x, rtol=0, atol=1e-14)
        for idx in obj.space.groups:
            assert abs(centred[idx].sum()) < 1e-13  # log multipliers of a group sum to zero
        others = np.setdiff1d(np.arange(len(x)), np.concatenate(obj.space.groups))
        assert np.array_equal(centred[others], x[others])  # pooled and regions untouched
