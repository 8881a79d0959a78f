"""``sim.sweep.arrow_arrays``: arrays built from buffers equal ``pyarrow.array``'s, or refuse."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sim.sweep.arrow_arrays import array, strings, taken

CASES = [
    (np.array([3, -1, 2**40]), pa.int64()),
    (np.array([1.0, 2.0, 3.0]), pa.int32()),  # counts stored as float64 in the record
    ([0.5, float("nan"), -1e300], pa.float64()),
    (np.array([0.1, 1e-8, -3.5]), pa.float32()),
    ([True, False, True, True, False, False, True, False, True], pa.bool_()),  # 9: two bytes
    (["2025Q1", "", "Ünïcødé ✓", "ok"], pa.string()),  # not ASCII: bytes, not characters
    (np.array(["settles", "escalates"]), pa.string()),  # numpy's fixed-width strings
    # repeated values, as a chunk's quarters and statuses: encoded once each, then gathered
    (np.array(["ok", "failed", "ok", "ok", "", "Ünï"] * 3, dtype=object), pa.string()),
    ([], pa.float64()),
    ([], pa.string()),
]


@pytest.mark.parametrize(("values", "kind"), CASES)
def test_an_array_equals_what_pyarrow_builds(values, kind):
    built = array(values, kind)
    expected = pa.array(np.asarray(values).tolist() if len(values) else [], kind)
    assert built.type == kind
    assert built.null_count == 0
    built.validate(full=True)
    # equal values, NaN included (``Array.equals`` holds NaN unequal to itself)
    np.testing.assert_array_equal(
        built.to_numpy(zero_copy_only=False), expected.to_numpy(zero_copy_only=False)
    )
    assert len(built) == len(expected)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["2025Q1", "2025Q2", "2025Q3"], pa.string()),  # fixed width: quarters
        (["", "Ünïcødé ✓", "ok", "a"], pa.string()),  # any width, not ASCII, empty
        ([0.5, -2.0, 1e300], pa.float64()),
        ([3, 7, -1], pa.int64()),
        ([True, False, True], pa.bool_()),
    ],
)
def test_values_gathered_by_index_equal_pyarrows_take(values, kind):
    index = np.array([2, 0, 0, 1, 2, 2, 1, 0, 2, 1, 1])  # repeats, any order, all of them
    built = taken(values, kind, index)
    built.validate(full=True)
    assert built.type == kind
    assert built.to_pylist() == pa.array(values, kind).take(pa.array(index)).to_pylist()
    assert taken(values, kind, index[:0]).to_pylist() == []


def test_a_strided_float_view_is_copied_in_its_own_order():
    matrix = np.arange(12.0).reshape(3, 4)
    assert array(matrix[:, 1], pa.float64()).to_pylist() == [1.0, 5.0, 9.0]


def test_what_cannot_be_built_is_refused():
    with pytest.raises(TypeError, match="None: expected a string"):
        strings(["a", None])
    with pytest.raises(TypeError, match=r"\['b'\]: expected a string"):
        strings(["a", ["b"], "a"])  # unhashable
    with pytest.raises(TypeError, match="1: expected a string"):
        strings(["a", 1, "a"])
    with pytest.raises(TypeError, match="None: expected a string"):
        taken(["a", None], pa.string(), np.array([0, 1]))
    with pytest.raises(TypeError, match="expected one of"):
        taken([1], pa.int16(), np.array([0]))
    with pytest.raises(TypeError, match="expected one of"):
        array([1], pa.int16())
    with pytest.raises(ValueError, match="expected one dimension"):
        array(np.zeros((2, 2)), pa.float64())
    with pytest.raises(ValueError):
        array(["x"], pa.float64())
