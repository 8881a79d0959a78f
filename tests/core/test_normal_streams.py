"""``sim.core.normal_streams``: numpy's numbers, bit for bit, from a compiled copy of its
``SeedSequence``, ``PCG64`` and ziggurat ``standard_normal``."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.dynamics import draw_shocks
from sim.core.normal_streams import normal_streams

EDGE_SEEDS = [0, 1, 2**32 - 1, 2**32, 2**32 + 7, 2**63 - 1]
"""Seeds at the edges of ``SeedSequence``'s 32-bit words: zero (one word, ``[0]``), the largest
one-word seed, the smallest two-word one, and the largest seed a run may have
(``sim.core.params.MAX_SEED``)."""


def numpy_streams(seeds, n_steps, n_members):
    """What the streams are defined as: numpy's own generator, one pair per seed."""
    member = np.empty((len(seeds), n_steps, n_members))
    rival = np.empty((len(seeds), n_steps))
    for r, seed in enumerate(seeds):
        children = np.random.SeedSequence(seed).spawn(2)
        member[r] = np.random.default_rng(children[0]).standard_normal((n_steps, n_members))
        rival[r] = np.random.default_rng(children[1]).standard_normal(n_steps)
    return member, rival


def test_the_streams_are_numpys_for_edge_and_random_seeds():
    random = np.random.default_rng(2026).integers(0, 2**63 - 1, 200, dtype=np.int64).tolist()
    seeds = EDGE_SEEDS + random
    member, rival = normal_streams(seeds, 43, 32)  # the default scenario's shape
    expected_member, expected_rival = numpy_streams(seeds, 43, 32)
    assert member.tobytes() == expected_member.tobytes()
    assert rival.tobytes() == expected_rival.tobytes()


def test_a_long_stream_takes_the_ziggurats_rare_branches_as_numpy_does():
    """About 1% of draws leave the ziggurat's fast path: a wedge test (with ``exp``) or, from
    the base layer, the tail (with ``log1p``), which gives every draw beyond the ziggurat's edge
    r = 3.654. The members' 400,000 draws (2 seeds x 1,000 x 200) give about 4,000 of the first
    and, by the normal's tail, 400,000 x P(|Z| > r) = 400,000 x 2.58e-4 = 103 of the second:
    at least 5 is far inside that (Poisson(103) falls below 5 with probability under 1e-35)."""
    member, rival = normal_streams([7, 2**40 + 3], 1000, 200)
    expected_member, expected_rival = numpy_streams([7, 2**40 + 3], 1000, 200)
    assert member.tobytes() == expected_member.tobytes()
    assert rival.tobytes() == expected_rival.tobytes()
    assert (np.abs(member) > 3.6541528853610087).sum() >= 5  # the tail was drawn from


def test_the_shocks_of_a_batch_are_these_streams():
    member, rival = draw_shocks([3, 1, 4], 5, 2)
    expected_member, expected_rival = numpy_streams([3, 1, 4], 5, 2)
    assert member.tobytes() == expected_member.tobytes()
    assert rival.tobytes() == expected_rival.tobytes()


def test_no_runs_and_no_steps_are_empty_and_a_negative_seed_is_refused():
    member, rival = normal_streams([], 43, 32)
    assert member.shape == (0, 43, 32) and rival.shape == (0, 43)
    member, rival = normal_streams([5], 0, 32)
    assert member.shape == (1, 0, 32) and rival.shape == (1, 0)
    with pytest.raises(ValueError, match="seed -1: expected 0 to 2\\*\\*63 - 1"):
        normal_streams([3, -1], 43, 32)
