"""The posterior's CPU-independent arithmetic (sim.validation.posterior.exact), and the sampler
giving the same bits with another OpenBLAS kernel or without numpy's SIMD code."""

import functools
import math

import numpy as np
import pytest
from cpu_kinds import digest_of, other_cpu_settings

from sim.validation.posterior import exact

RNG = np.random.default_rng(5)
# Tolerances: the functions here and numpy's differ only in rounding. A product's sum of 5 terms of
# size up to about 10 carries at most 5 roundings of 1.1e-16 relative each (atol 1e-14, rtol
# 1e-13); a Cholesky factor or a solve of 6 rows compounds a few dozen (1e-12); the C library's
# exp and log are within 1 ulp (2.2e-16) of numpy's, on this machine the same function (1e-15);
# softplus and logsumexp add one more operation (1e-14).


def test_matmul_is_numpys_product_to_rounding_and_exact_on_integers():
    a, b = RNG.normal(size=(7, 5)), RNG.normal(size=(5, 3))
    assert np.allclose(exact.matmul(a, b), a @ b, rtol=1e-13, atol=1e-14)
    w = RNG.random(5)
    assert np.allclose(exact.matmul(w, b), w @ b, rtol=1e-13, atol=1e-14)
    assert np.allclose(exact.matmul(a, w), a @ w, rtol=1e-13, atol=1e-14)
    ints_a, ints_b = RNG.integers(-50, 50, (6, 4)), RNG.integers(-50, 50, (4, 2))
    assert np.array_equal(exact.matmul(ints_a, ints_b), ints_a @ ints_b)  # small integers: exact
    with pytest.raises(ValueError, match=r"\(7, 5\) and \(3, 3\)"):
        exact.matmul(a, np.eye(3))


def test_cholesky_and_the_triangular_solve_invert_each_other():
    m = RNG.normal(size=(6, 6))
    spd = m @ m.T + 6 * np.eye(6)
    low = exact.cholesky(spd)
    assert np.allclose(low, np.linalg.cholesky(spd), rtol=1e-12, atol=1e-13)
    assert np.array_equal(low, np.tril(low))
    assert np.allclose(low @ low.T, spd, rtol=1e-12, atol=1e-12)
    rhs = RNG.normal(size=(6, 9))
    assert np.allclose(low @ exact.solve_lower(low, rhs), rhs, rtol=1e-12, atol=1e-12)
    with pytest.raises(np.linalg.LinAlgError, match="pivot 1"):
        exact.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))  # eigenvalues 3 and -1


def test_transcendentals_match_numpy_and_its_limits():
    x = RNG.normal(scale=30.0, size=500)
    assert np.allclose(exact.exp(x), np.exp(x), rtol=1e-15, atol=0)
    pos = np.abs(x) + 1e-3
    assert np.allclose(exact.log(pos), np.log(pos), rtol=1e-15, atol=1e-300)
    assert np.allclose(exact.log1p(pos - 0.5), np.log1p(pos - 0.5), rtol=1e-15, atol=1e-300)
    assert np.allclose(exact.softplus(x), np.logaddexp(0.0, x), rtol=1e-14, atol=1e-300)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        edges = np.array([-np.inf, -1.0, 0.0, 1000.0, np.inf, np.nan, -2.0])
        for mine, numpys in ((exact.exp, np.exp), (exact.log, np.log), (exact.log1p, np.log1p)):
            assert np.array_equal(mine(edges), numpys(edges), equal_nan=True)
        assert np.array_equal(exact.softplus(edges), np.logaddexp(0.0, edges), equal_nan=True)


def test_logsumexp_matches_scipy_with_infinite_rows():
    from scipy.special import logsumexp

    x = RNG.normal(scale=50.0, size=(4, 30))
    x[1] = -np.inf  # every term zero: -inf
    x[2, 3] = np.inf  # one infinite term: inf
    with np.errstate(divide="ignore", invalid="ignore"):
        mine = exact.logsumexp(x, axis=1)
        assert np.allclose(mine, logsumexp(x, axis=1), rtol=1e-14)  # infinities equal by sign
        assert mine[1] == -np.inf and mine[2] == np.inf
        assert np.allclose(exact.logsumexp(x[[0, 3]].T, axis=0), logsumexp(x[[0, 3]], axis=1))
    assert exact.logsumexp(x[0]) == pytest.approx(float(logsumexp(x[0])), rel=1e-14)
    assert exact.logsumexp(np.array([math.log(2.0), math.log(3.0)])) == pytest.approx(math.log(5))


PROBE = """
import hashlib, sys
import numpy as np
from sim.validation.posterior.prior import Prior
from sim.validation.posterior.smc import SmcBudget, abc_smc
from sim.validation.search_space import Coordinate

prior = Prior((Coordinate("a", -10.0, 10.0), Coordinate("b", -10.0, 10.0),
               Coordinate("t:x", -2.5, 1.5, "member")))
observed = np.array([1.0, -2.0, 0.3])
rng = np.random.default_rng(1)

def distance(xs):
    d = xs + rng.normal(0.0, 0.2, xs.shape) - observed
    return np.sqrt(d[:, 0] ** 2 + d[:, 1] ** 2 + d[:, 2] ** 2)

budget = SmcBudget(particles=200, generations=5, batch=128, max_evaluations=20_000,
                   sampler=sys.argv[1])
post = abc_smc(distance, prior, budget, seed=3)
digest = hashlib.sha256()
for array in (post.samples, post.weights, post.distances, post.mean(), post.sd()):
    digest.update(np.ascontiguousarray(array).tobytes())
print(digest.hexdigest())
"""


@functools.cache
def own_digest(sampler: str) -> str:
    """The sampler's digest with the libraries' own choices for this CPU."""
    return digest_of(PROBE, sampler)


@pytest.mark.parametrize("sampler", ["mcmc", "pmc"])
@pytest.mark.parametrize("setting", sorted(other_cpu_settings()))
def test_the_sampler_gives_the_same_bits_on_another_cpus_kernels(sampler, setting):
    """With BLAS, LAPACK and numpy's exp and log of before, the OpenBLAS setting changed it."""
    assert digest_of(PROBE, sampler, **other_cpu_settings()[setting]) == own_digest(sampler)
