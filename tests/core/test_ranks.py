"""The compiled ranking (sim.core.dynamics.ranks) gives scipy's average ranks exactly: the GDP ranks
and the burden rank correlation rest on it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import rankdata

from sim.core.dynamics.ranks import average_ranks, ranks_by_order, resort_order


def test_ties_get_the_mean_of_the_ranks_they_span():
    # 1.0 is rank 1; the three 2.0 span ranks 2-4 (mean 3); 5.0 is rank 5; by hand
    assert average_ranks(np.array([2.0, 1.0, 2.0, 5.0, 2.0])).tolist() == [3, 1, 3, 5, 3]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    arrays(
        float,
        st.tuples(st.integers(1, 6), st.integers(1, 40)),
        # few distinct values, so that ties are common
        elements=st.sampled_from([0.0, 0.5, 1.0, 2.0, 2.0000000000000004, 3.5, -1.0, 1e300]),
    )
)
def test_equal_to_scipy_bit_for_bit(x):
    assert np.array_equal(average_ranks(x), rankdata(x, axis=1))
    assert np.array_equal(average_ranks(x[0]), rankdata(x[0]))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    arrays(float, st.integers(1, 80), elements=st.sampled_from([0.0, 0.5, 2.0, 3.5, -1.0, 1e300])),
    st.randoms(use_true_random=False),
)
def test_a_sort_started_from_any_earlier_order_gives_the_same_values_and_ranks(x, rng):
    # The record keeps each run's order from quarter to quarter (resort_order starts from it): from
    # any permutation, with ties common and past the merge sort's 64 members, the values in order
    # are numpy's sorted values and the averaged ranks scipy's, so the recorded median, Gini and
    # rank correlation do not depend on the order started from
    order = np.arange(x.size, dtype=np.int64)
    rng.shuffle(order)
    resort_order(x, order)
    assert sorted(order.tolist()) == list(range(x.size))
    assert np.array_equal(x[order], np.sort(x))
    out = np.empty(x.size)
    ranks_by_order(x, order, out)
    assert np.array_equal(out, rankdata(x))


def test_the_recorded_rank_correlation_is_scipys_spearman():
    # The compiled resort_order/ranks_by_order inside the step (sim.core.dynamics.record): each
    # quarter's burden_rank_correlation is Spearman's rho between the armed members' core shares
    # and their GDP, as scipy computes it (tolerance: the two sum the products in different orders)
    from scipy.stats import spearmanr

    from sim.core import metrics
    from sim.core.config import load_scenario
    from sim.core.data import ROOT
    from sim.core.ensemble import simulate
    from sim.core.members import members_of

    params = load_scenario(ROOT / "configs" / "hague.toml").params
    members = members_of(params)
    t = simulate([params, params], [1, 2], members=members, keep_members=True)
    armed = members.armed
    rho = t.alliance[..., metrics.ALLIANCE_COLUMNS.index("burden_rank_correlation")]
    core = t.members[..., metrics.MEMBER_COLUMNS.index("core_share_pct")]
    for r in range(2):
        for q in range(0, len(t.quarters), 7):
            want = spearmanr(core[r, q, armed], members.gdp_usd_bn[armed]).statistic
            assert rho[r, q] == pytest.approx(want, abs=1e-12)
