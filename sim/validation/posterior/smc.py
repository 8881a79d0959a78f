"""ABC-SMC: a likelihood-free posterior of the calibration's parameters, over the batched ensemble.

This module owns :func:`abc_smc`, the sampler behind ``python -m sim calibrate CONFIG --method
abc``: approximate Bayesian computation by sequential Monte Carlo with the tolerance set from
the last population (its :attr:`SmcBudget.quantile` of the distances: Del Moral, Doucet & Jasra
2012). Particles move on the unbounded scale: each coordinate as ``logit((x - lo) / (hi - lo))``
(``Prior.to_unbounded``), where the prior's density carries the Jacobian, so that no proposal
falls outside the bounds and a posterior piled against a bound is not cut by them.

1. Generation 0 draws :attr:`SmcBudget.particles` vectors from the prior
   (``sim.validation.posterior.prior``), each with weight 1/N.
2. Each later generation sets its tolerance to the quantile of the last population's distances
   and, by default (``sampler="mcmc"``, Drovandi & Pettitt 2011, Biometrics 67: 225-233),
   resamples the particles within it to N and moves every one by Metropolis-Hastings steps
   whose target is the prior restricted to the tolerance (:func:`_mcmc_generation`): the
   weights stay equal. The alternative, ``sampler="pmc"`` (population Monte Carlo, Beaumont,
   Cornuet, Marin & Robert 2009, Biometrika 96: 983-990; :func:`_generation`), proposes from
   Gaussian kernels of twice the population's covariance and weights each accepted proposal by
   the prior over the kernels' mixture, truncated at sqrt(N) times the mean weight (Ionides
   2008). On the calibration's 13 coordinates its weights collapsed (effective sample sizes of
   3-56 of 400; at some of the hindcast's origins no generation after the prior's kept a tenth
   of the particles, and with a kernel of 2.38^2/D the population's covariance the ESS fell to
   1-7), which is why the default moves particles instead of weighting them. (Filippi et al.'s
   optimal local covariances, 2013, were tried too: the weights collapsed to an ESS of 1-2.)
3. It stops after :attr:`SmcBudget.generations`, when a generation's acceptance rate (of the
   moves, or of the proposals) falls below :attr:`SmcBudget.min_acceptance`, or when the next
   generation would pass :attr:`SmcBudget.max_evaluations`. It reports the last generation
   whose effective sample size reached :attr:`SmcBudget.min_ess` of the particles (with equal
   weights, the last; ``generations.csv`` also counts the distinct particles, ``unique``).

**Why not pyabc.** pyabc (0.13) simulates one particle per call of the model; here a call of
the ensemble evaluates a batch of candidates at once (``Objective.batch``: S candidates x R
replications in one compiled call, about 3 ms a candidate at 10 replications against 11-13 ms
one at a time), which is what lets the full posterior finish within the issue's ten minutes. The
sampler is short and deterministic (same seed, same bytes, whichever BLAS kernel or numpy SIMD
code the CPU selects: its arithmetic is ``sim.validation.posterior.exact``'s) and tested on a
problem whose posterior is known (``tests/validation/posterior/test_smc.py``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.validation.posterior import exact
from sim.validation.posterior.prior import Prior

Distance = Callable[[np.ndarray], np.ndarray]
"""A function of search vectors (S, D) returning their distances to the data (S,)."""


@dataclass(frozen=True)
class SmcBudget:
    """How large and how long the sampler runs."""

    particles: int = 400
    """Particles per population (N)."""
    generations: int = 20
    """The most generations after the prior's."""
    quantile: float = 0.5
    """The next tolerance is this quantile of the last population's distances."""
    min_acceptance: float = 0.01
    """Stop after a generation accepting fewer of its proposals than this."""
    min_ess: float = 0.1
    """The posterior reported is the last generation whose effective sample size reached this
    share of the particles: a later one whose weights sit on a handful of particles would give
    intervals from a handful of points (the sampler goes on: an early generation's low ESS
    recovers as the kernels follow the particles)."""
    max_evaluations: int = 120_000
    """Stop before a generation would pass this many distance evaluations in all."""
    batch: int = 128
    """Proposals evaluated per call of the distance."""
    sampler: str = "mcmc"
    """``"mcmc"``: each generation resamples the particles within the new tolerance and moves
    them by Metropolis-Hastings steps (:func:`_mcmc_generation`; equal weights); ``"pmc"``:
    population Monte Carlo with importance weights (:func:`_generation`)."""
    kernel_scale: float | None = None
    """The kernel's covariance as a multiple of the population's (None: 2 for ``pmc``,
    Beaumont et al.; 2.38^2 / D for ``mcmc``, Roberts, Gelman & Gilks 1997)."""
    max_moves: int = 10
    """The most Metropolis-Hastings steps per particle in a generation (``mcmc``)."""
    truncate_weights: bool = True
    """``pmc``: cap the importance weights at sqrt(N) times their mean (:func:`truncated`)."""


@dataclass
class Posterior:
    """The last population: the particles, their weights and distances, and how it was reached.

    Attributes:
        samples: (N, D) the particles of the generation reported (``generations``).
        weights: (N,) importance weights, summing to 1.
        distances: (N,) each particle's distance.
        tolerance: the last generation's tolerance (inf for the prior's).
        generations: one row per generation: ``generation``, ``tolerance``, ``proposals``,
            ``evaluated`` (every proposal is evaluated: the unbounded scale keeps them within
            the bounds), ``accepted``, ``acceptance_rate`` (accepted / evaluated), ``ess``
            (effective sample size, 1 / sum of squared weights), ``seconds``, ``reported``
            (True for the generation whose population this is).
        evaluations: distance evaluations in all.
        stopped: why the sampler stopped.
    """

    samples: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    tolerance: float
    generations: list[dict] = field(default_factory=list)
    evaluations: int = 0
    stopped: str = ""
    unbounded: np.ndarray | None = None
    """(N, D) the particles on the sampler's unbounded scale (``Prior.to_unbounded``)."""

    @property
    def ess(self) -> float:
        """The effective sample size of the weights."""
        return float(1.0 / np.sum(self.weights**2))

    def mean(self) -> np.ndarray:
        """The weighted mean of each coordinate."""
        return exact.matmul(self.weights, self.samples)

    def sd(self) -> np.ndarray:
        """The weighted standard deviation of each coordinate."""
        centred = self.samples - self.mean()
        return np.sqrt(exact.matmul(self.weights, centred**2))

    def quantiles(self, levels: tuple[float, ...]) -> np.ndarray:
        """Weighted quantiles (len(levels), D): the inverse of each coordinate's weighted CDF."""
        out = np.empty((len(levels), self.samples.shape[1]))
        for j in range(self.samples.shape[1]):
            order = np.argsort(self.samples[:, j], kind="stable")
            cdf = np.cumsum(self.weights[order])
            picks = np.searchsorted(cdf, np.asarray(levels) * cdf[-1], side="left")
            out[:, j] = self.samples[order, j][np.minimum(picks, len(order) - 1)]
        return out


def abc_smc(
    distance: Distance,
    prior: Prior,
    budget: SmcBudget,
    seed: int,
    progress: Callable[[str], None] | None = None,
) -> Posterior:
    """Sample the ABC posterior of ``prior`` given ``distance`` (see the module's docstring).

    Args:
        distance: the distance of search vectors to the data (deterministic: common random
            numbers inside).
        prior: the prior over the search vector.
        budget: population size and stopping rules.
        seed: seeds the sampler's own draws (numpy ``default_rng``).
        progress: called with a line of text after each generation.

    Raises:
        ValueError: for fewer than 2 particles, a quantile outside (0, 1), a batch below 1 or
            an unknown sampler.
    """
    _check(budget)
    say = progress or (lambda _line: None)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    n = budget.particles
    samples = prior.sample(n, rng)
    distances = np.asarray(distance(samples), dtype=float)
    post = Posterior(samples, np.full(n, 1.0 / n), distances, np.inf, evaluations=n)
    post.unbounded = prior.to_unbounded(samples)
    post.generations.append(_row(0, np.inf, (n, n, n), post, t0))
    say(_line(post.generations[-1]))
    reported = _snapshot(post, 0)
    for g in range(1, budget.generations + 1):
        if post.evaluations + n > budget.max_evaluations:
            post.stopped = f"the evaluation budget ({budget.max_evaluations}) would be passed"
            break
        tolerance = float(np.quantile(post.distances, budget.quantile))
        step = _mcmc_generation if budget.sampler == "mcmc" else _generation
        found = step(distance, prior, budget, post, tolerance, rng)
        if found is None:
            post.stopped = f"generation {g} ran out of the evaluation budget"
            break
        unbounded, distances, weights, counts = found
        post.unbounded, post.distances, post.weights = unbounded, distances, weights
        post.samples = prior.from_unbounded(unbounded)
        post.tolerance = tolerance
        post.generations.append(_row(g, tolerance, counts, post, t0))
        say(_line(post.generations[-1]))
        if post.ess >= budget.min_ess * n:
            reported = _snapshot(post, g)
        rate = post.generations[-1]["acceptance_rate"]
        if rate < budget.min_acceptance:
            post.stopped = f"acceptance {rate:.4f} below {budget.min_acceptance}"
            break
    else:
        post.stopped = f"{budget.generations} generations"
    return _report(post, reported, budget)


def _check(budget: SmcBudget) -> None:
    """Refuse a budget the sampler cannot run (see :func:`abc_smc`)."""
    if budget.sampler not in ("mcmc", "pmc"):
        raise ValueError(f"sampler {budget.sampler!r}: expected mcmc or pmc")
    if budget.particles < 2 or not 0.0 < budget.quantile < 1.0 or budget.batch < 1:
        raise ValueError(
            f"{budget}: expected at least 2 particles, a quantile in (0, 1) and a batch of 1+"
        )


def _generation(
    distance: Distance,
    prior: Prior,
    budget: SmcBudget,
    post: Posterior,
    tolerance: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int] | None:
    """One generation's N accepted particles, their distances and weights, proposals, evaluated.

    None when the evaluation budget runs out first.
    """
    n, dim = post.unbounded.shape
    scale = budget.kernel_scale if budget.kernel_scale is not None else 2.0
    factor = kernel_factor(post.unbounded, post.weights, scale)
    kept_z, kept_d, proposals, evaluated = [], [], 0, 0
    while sum(len(d) for d in kept_d) < n:
        if post.evaluations + budget.batch > budget.max_evaluations:
            return None
        parents = rng.choice(n, size=budget.batch, p=post.weights)
        moved = post.unbounded[parents] + exact.matmul(
            rng.standard_normal((budget.batch, dim)), factor.T
        )
        d = np.asarray(distance(prior.from_unbounded(moved)), dtype=float)
        proposals += budget.batch
        post.evaluations += budget.batch
        evaluated += budget.batch
        kept_z.append(moved[d <= tolerance])
        kept_d.append(d[d <= tolerance])
    unbounded = np.concatenate(kept_z)[:n]
    distances = np.concatenate(kept_d)[:n]
    log_w = prior.log_density_unbounded(unbounded) - _mixture_log_density(
        unbounded, post.unbounded, post.weights, factor
    )
    weights = exact.exp(log_w - exact.logsumexp(log_w))
    if budget.truncate_weights:
        weights = truncated(weights)
    return unbounded, distances, weights / weights.sum(), (proposals, evaluated, n)


def _mcmc_generation(
    distance: Distance,
    prior: Prior,
    budget: SmcBudget,
    post: Posterior,
    tolerance: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int, int]] | None:
    """One generation by resampling and Metropolis-Hastings moves (Drovandi & Pettitt 2011).

    The particles within the new tolerance are resampled to N (equal weights), then every
    particle takes Metropolis-Hastings steps whose target is the prior restricted to the
    tolerance: a Gaussian random walk on the unbounded scale (covariance ``kernel_scale`` times
    the kept particles'), accepted when its distance is within the tolerance and with the
    prior's ratio. The first step's acceptance rate p sets the steps, ceil(log 0.01 / log(1 - p))
    (each particle then moves at least once with probability 0.99), at most ``max_moves``.

    Returns:
        (particles, distances, weights, (proposals, evaluated, accepted)), or None when the
        evaluation budget runs out before the first step.
    """
    n, dim = post.unbounded.shape
    alive = np.flatnonzero(post.distances <= tolerance)
    picks = alive[rng.choice(len(alive), size=n)]
    z, d = post.unbounded[picks].copy(), post.distances[picks].copy()
    scale = budget.kernel_scale if budget.kernel_scale is not None else 2.38**2 / dim
    factor = kernel_factor(post.unbounded[alive], np.full(len(alive), 1.0 / len(alive)), scale)
    log_p = prior.log_density_unbounded(z)
    evaluated = accepted = 0
    steps = 1
    while evaluated < steps * n:
        if post.evaluations + n > budget.max_evaluations:
            if evaluated == 0:
                return None
            break
        moved = z + exact.matmul(rng.standard_normal((n, dim)), factor.T)
        d_new = np.asarray(distance(prior.from_unbounded(moved)), dtype=float)
        log_new = prior.log_density_unbounded(moved)
        ok = (d_new <= tolerance) & (exact.log(rng.random(n)) < log_new - log_p)
        z[ok], d[ok], log_p[ok] = moved[ok], d_new[ok], log_new[ok]
        post.evaluations += n
        evaluated += n
        accepted += int(ok.sum())
        if evaluated == n:
            p = ok.mean()
            steps = budget.max_moves
            if p > 0:
                steps = math.ceil(math.log(0.01) / math.log1p(-min(p, 0.99)))
            steps = min(max(steps, 1), budget.max_moves)
    return z, d, np.full(n, 1.0 / n), (evaluated, evaluated, accepted)


def truncated(weights: np.ndarray) -> np.ndarray:
    """Importance weights capped at sqrt(N) times their mean, renormalised (Ionides 2008).

    Truncated importance sampling (Ionides, J. Comput. Graph. Stat. 17: 295-311) bounds the
    variance that a few heavy weights add, at the price of a bias that vanishes as N grows:
    no particle carries more than sqrt(N) / N of the mass, so one proposal from the far tail
    of the kernel mixture cannot take a generation's whole weight.
    """
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    cap = np.sqrt(len(w)) / len(w)
    capped = np.zeros(len(w), dtype=bool)
    while True:  # the uncapped share what the capped leave, in proportion; at most N rounds
        free = ~capped
        out = np.where(capped, cap, w * (1.0 - cap * capped.sum()) / w[free].sum())
        over = free & (out > cap)
        if not over.any():
            return out
        capped |= over


def kernel_factor(samples: np.ndarray, weights: np.ndarray, scale: float = 2.0) -> np.ndarray:
    """The Cholesky factor (D, D) of the kernel: twice the population's weighted covariance.

    Beaumont et al. (2009) show twice the covariance minimises the Kullback-Leibler divergence
    of the proposal from the target under normality. A ridge of 1e-9 times each coordinate's
    spread keeps a factor when the population has collapsed along a coordinate.
    """
    centred = samples - exact.matmul(weights, samples)
    cov = scale * exact.matmul((centred * weights[:, None]).T, centred)
    return exact.cholesky(cov + 1e-9 * np.diag(np.maximum(np.diag(cov), 1e-12)))


def _mixture_log_density(
    x: np.ndarray, centres: np.ndarray, weights: np.ndarray, factor: np.ndarray
) -> np.ndarray:
    """The log of sum_j w_j N(x; c_j, L L^T) for each row of ``x`` (the proposal's density)."""
    dim = x.shape[1]
    diff = x[:, None, :] - centres[None, :, :]  # (M, N, D)
    y = exact.solve_lower(factor, diff.reshape(-1, dim).T)
    quad = np.zeros(y.shape[1])
    for row in y:  # the squares summed coordinate by coordinate, in order
        quad += row**2
    quad = quad.reshape(len(x), len(centres))
    log_norm = math.fsum(exact.log(np.diag(factor)).tolist()) + 0.5 * dim * math.log(2 * math.pi)
    return exact.logsumexp(-0.5 * quad - log_norm + exact.log(weights)[None, :], axis=1)


def _snapshot(post: Posterior, generation: int) -> tuple:
    """What :func:`_report` needs to restore a generation's population."""
    return (generation, post.samples, post.unbounded, post.weights, post.distances, post.tolerance)


def _report(post: Posterior, reported: tuple, budget: SmcBudget) -> Posterior:
    """The posterior to report: the last generation whose ESS reached :attr:`SmcBudget.min_ess`.

    A later generation whose weights degenerated (a few particles carry them) would give
    intervals from a handful of points; the one reported is marked in ``generations``.
    """
    g, post.samples, post.unbounded, post.weights, post.distances, post.tolerance = reported
    for row in post.generations:
        row["reported"] = row["generation"] == g
    last = post.generations[-1]["generation"]
    if g != last:
        post.stopped += (
            f"; generation {g} is reported, the last whose ESS reached "
            f"{budget.min_ess:g} x {budget.particles}"
        )
    return post


def _row(
    g: int, tolerance: float, counts: tuple[int, int, int], post: Posterior, t0: float
) -> dict:
    """A generation's row of :attr:`Posterior.generations` (counts: proposals, evaluated, kept)."""
    proposals, evaluated, accepted = counts
    return {
        "generation": g,
        "tolerance": tolerance,
        "proposals": proposals,
        "evaluated": evaluated,
        "accepted": accepted,
        "acceptance_rate": accepted / evaluated,
        "ess": post.ess,
        "unique": len(np.unique(post.samples, axis=0)),
        "seconds": round(time.perf_counter() - t0, 2),
    }


def _line(row: dict) -> str:
    """A generation's row as a line of progress."""
    return (
        f"generation {row['generation']}: tolerance {row['tolerance']:.5g}, "
        f"acceptance {row['acceptance_rate']:.3f} ({row['evaluated']} evaluated of "
        f"{row['proposals']} proposals), "
        f"ESS {row['ess']:.0f}, {row['seconds']:.0f} s"
    )
