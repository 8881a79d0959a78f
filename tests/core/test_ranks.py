"""The compiled ranking (sim.core.dynamics.ranks) gives scipy's average ranks exactly: the GDP ranks
and the burden rank correlation rest on it."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import rankdata

from sim.core.dynamics.ranks import average_ranks


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
