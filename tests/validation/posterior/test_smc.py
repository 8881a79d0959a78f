"""The ABC-SMC sampler (sim.validation.posterior.smc) and its priors (prior): it finds a posterior
that is known in closed form, is deterministic, keeps its budget, and the priors are what the
docs say."""

import dataclasses
import math

import numpy as np
import pytest

from sim.validation.posterior.prior import MEMBER_SD, REGION_SD, Prior
from sim.validation.posterior.smc import Posterior, SmcBudget, abc_smc
from sim.validation.search_space import Coordinate

OBSERVED = np.array([1.0, -2.0])
"""The toy's data: the mean of n = 25 draws of N(theta, 1) in each of two coordinates."""
N_DRAWS = 25
TOY_PRIOR = Prior((Coordinate("a", -10.0, 10.0), Coordinate("b", -10.0, 10.0)))


def toy_distance(seed: int):
    """Simulate the mean of 25 draws of N(theta, 1) and measure its distance to the data.

    With a flat prior wide enough, the posterior of theta given the observed mean is
    N(observed, 1 / 25): s.d. 0.2 in each coordinate, the target of the ABC as its tolerance
    shrinks.
    """
    rng = np.random.default_rng(seed)

    def distance(xs: np.ndarray) -> np.ndarray:
        simulated = xs + rng.normal(0.0, 1.0 / math.sqrt(N_DRAWS), xs.shape)
        return np.linalg.norm(simulated - OBSERVED, axis=1)

    return distance


BUDGET = SmcBudget(particles=500, generations=16, batch=256, max_evaluations=100_000)


@pytest.fixture(scope="module")
def toy() -> Posterior:
    return abc_smc(toy_distance(1), TOY_PRIOR, BUDGET, seed=3)


def test_it_finds_the_known_posterior(toy):
    # posterior N(observed, 0.2^2). The particles are equally weighted (ESS = N) but, moved by
    # Metropolis-Hastings steps, about 120 of the 500 are distinct and they are correlated: the
    # mean's Monte Carlo error is about 0.2 / sqrt(100) = 0.02, tolerance 0.05; the s.d. is
    # inflated by the final tolerance (about 0.065: variance 0.04 + tol^2 / 4 gives 0.203) and
    # estimated within ~10%: within 15%
    assert toy.ess == pytest.approx(500) and toy.generations[-1]["unique"] > 50
    assert toy.mean() == pytest.approx(OBSERVED, abs=0.05)
    assert toy.sd() == pytest.approx([0.2, 0.2], rel=0.15)
    # the 90% interval: +-1.645 s.d.; an s.d. off by 15% moves a bound by 0.05, the bound's
    # Monte Carlo error is about 0.04 (100 distinct particles), and the ABC's tails are a
    # little heavier than the normal's: within 0.15
    q05, q95 = toy.quantiles((0.05, 0.95))
    assert q05 == pytest.approx(OBSERVED - 1.645 * 0.2, abs=0.15)
    assert q95 == pytest.approx(OBSERVED + 1.645 * 0.2, abs=0.15)


def test_its_generations_tighten_and_its_particles_respect_them(toy):
    tolerances = [g["tolerance"] for g in toy.generations]
    assert tolerances[0] == math.inf and np.all(np.diff(tolerances[1:]) < 0)
    assert np.all(toy.distances <= toy.tolerance)
    assert toy.weights.sum() == pytest.approx(1.0) and np.all(toy.weights > 0)
    assert toy.evaluations == sum(g["evaluated"] for g in toy.generations)
    # the last generation is reported (its ESS is N), here when the moves' acceptance fell
    # below min_acceptance
    reported = [g["reported"] for g in toy.generations]
    assert reported == [False] * (len(reported) - 1) + [True] and len(reported) > 10
    for g in toy.generations[1:]:
        assert g["acceptance_rate"] == pytest.approx(g["accepted"] / g["evaluated"])
        assert g["proposals"] >= g["evaluated"]
        # each generation moves every particle 1 to max_moves times
        assert 500 <= g["evaluated"] <= BUDGET.max_moves * 500 and g["evaluated"] % 500 == 0


def test_same_seed_same_bytes():
    small = SmcBudget(particles=50, generations=3, batch=32)
    a = abc_smc(toy_distance(1), TOY_PRIOR, small, seed=7)
    b = abc_smc(toy_distance(1), TOY_PRIOR, small, seed=7)
    c = abc_smc(toy_distance(1), TOY_PRIOR, small, seed=8)
    assert a.samples.tobytes() == b.samples.tobytes()
    assert a.weights.tobytes() == b.weights.tobytes()
    assert a.samples.tobytes() != c.samples.tobytes()


def test_it_keeps_its_evaluation_budget():
    tight = SmcBudget(particles=50, generations=50, batch=32, max_evaluations=600)
    post = abc_smc(toy_distance(2), TOY_PRIOR, tight, seed=1)
    assert post.evaluations <= 600
    assert "budget" in post.stopped
    assert np.all(post.distances <= post.tolerance)  # the last finished generation is kept


def test_a_bad_budget_is_refused():
    with pytest.raises(ValueError, match="expected at least 2 particles"):
        abc_smc(toy_distance(1), TOY_PRIOR, SmcBudget(particles=1), seed=0)
    with pytest.raises(ValueError, match="a quantile in"):
        abc_smc(toy_distance(1), TOY_PRIOR, SmcBudget(quantile=1.0), seed=0)


def test_the_priors_are_what_the_docs_say():
    # pooled: uniform over the search bounds; multipliers: N(0, sd) on the log scale truncated
    # to the log bounds (-2.5, 1.5), sd 0.31 for a region (sqrt(0.06 / (310 x 0.002))) and 1.0
    # for a member (sim.validation.loss.MEMBER_PRIOR_WEIGHT)
    assert REGION_SD == pytest.approx(math.sqrt(0.06 / (310 * 0.002)), abs=0.005)
    assert MEMBER_SD == 1.0
    coords = (
        Coordinate("hegemon_pressure", 0.0, 1.0),
        Coordinate("threat_multiplier:nordic", -2.5, 1.5, "region"),
        Coordinate("threat_multiplier:POL", -2.5, 1.5, "member"),
    )
    prior = Prior(coords)
    draws = prior.sample(40_000, np.random.default_rng(0))
    assert prior.inside(draws).all()
    mean, sd = prior.moments()
    assert mean[0] == pytest.approx(0.5) and sd[0] == pytest.approx(1 / math.sqrt(12))
    assert sd[1] == pytest.approx(REGION_SD, rel=0.01)  # +-8 s.d.: truncation is negligible
    assert sd[2] < MEMBER_SD  # truncated at -2.5 and 1.5 s.d.
    assert draws.std(axis=0) == pytest.approx(sd, rel=0.02)
    outside = np.array([[1.2, 0.0, 0.0], [0.5, 0.0, 1.6]])
    assert np.all(prior.log_density(outside) == -np.inf)
    # uniform density 1 on [0, 1]; the normal's log density at 0 after truncation
    inside = prior.log_density(np.array([[0.3, 0.0, 0.0]]))[0]
    assert np.isfinite(inside)


def test_the_unbounded_scale_round_trips_and_carries_the_jacobian():
    coords = (
        Coordinate("adjustment_speed_per_year", 0.05, 4.0),
        Coordinate("threat_multiplier:nordic", -2.5, 1.5, "region"),
    )
    prior = Prior(coords)
    x = prior.sample(1000, np.random.default_rng(1))
    z = prior.to_unbounded(x)
    assert prior.from_unbounded(z) == pytest.approx(x, rel=1e-9, abs=1e-12)
    assert prior.inside(prior.from_unbounded(z * 50.0)).all()  # any real z maps inside
    # the density on z is the density on x times |dx/dz|, by finite differences per coordinate
    h = 1e-6
    for j in range(2):
        step = np.zeros(2)
        step[j] = h
        dx = (prior.from_unbounded(z[:5] + step) - prior.from_unbounded(z[:5] - step))[:, j]
        jacobian_j = np.log(dx / (2 * h))
        other = np.log(
            (prior.from_unbounded(z[:5] + step[::-1]) - prior.from_unbounded(z[:5] - step[::-1]))[
                :, 1 - j
            ]
            / (2 * h)
        )
        expected = prior.log_density(x[:5]) + jacobian_j + other
        assert prior.log_density_unbounded(z[:5]) == pytest.approx(expected, rel=1e-6)


def test_the_last_generation_with_enough_ess_is_reported():
    # population Monte Carlo: ESS reaches N only with equal weights: with min_ess 0.999 no
    # generation after the prior's (weights = prior / mixture, never all equal) qualifies, so
    # the prior's population is reported while the sampler still runs its generations
    budget = SmcBudget(particles=50, generations=3, batch=32, min_ess=0.999, sampler="pmc")
    post = abc_smc(toy_distance(1), TOY_PRIOR, budget, seed=7)
    assert [g["reported"] for g in post.generations] == [True, False, False, False]
    assert all(g["ess"] < 0.999 * 50 for g in post.generations[1:])
    assert post.tolerance == math.inf and post.weights == pytest.approx(np.full(50, 1 / 50))
    assert "generation 0 is reported" in post.stopped


def test_truncated_weights_cap_each_particle_and_keep_the_rest_in_proportion():
    from sim.validation.posterior.smc import truncated

    # one heavy particle among 100: capped at sqrt(100) x the mean = 0.1 (Ionides 2008), the
    # others share the remaining 0.9 in their old proportions
    w = np.r_[1000.0, np.arange(1.0, 100.0)]
    t = truncated(w)
    assert t.sum() == pytest.approx(1.0) and t.max() == pytest.approx(0.1)
    assert t[1:] / t[1:].sum() == pytest.approx(w[1:] / w[1:].sum())
    even = np.full(50, 0.02)  # nothing above the cap: unchanged
    assert np.array_equal(truncated(even), even / even.sum())


def test_population_monte_carlo_finds_the_known_posterior_too():
    # the other sampler (importance weights, truncated): the same posterior within the same
    # tolerances, from an effective sample size of at least a tenth of the particles
    post = abc_smc(toy_distance(1), TOY_PRIOR, dataclasses.replace(BUDGET, sampler="pmc"), 3)
    assert post.ess > 50
    assert post.mean() == pytest.approx(OBSERVED, abs=0.05)
    assert post.sd() == pytest.approx([0.2, 0.2], rel=0.15)
