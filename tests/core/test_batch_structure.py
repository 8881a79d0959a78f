"""A batch's structure depends on the structural parameters alone.

``sim.simulate`` builds one :class:`sim.core.dynamics.state.Static` for a batch, from its first
run's parameters (``sim.core.ensemble``), and batches together runs that differ in anything but
``sim.core.params.STRUCTURAL``. That is right only if nothing else reaches the structure: a
parameter that did would be taken from the batch's first run for all of them.
"""

import numpy as np
import pytest

import sim
from sim.core import dynamics
from sim.core.members import members_of
from sim.core.params import NUMERIC, STRUCTURAL, make_params

PARAMS = sim.load_scenario(sim.DEFAULT_SCENARIO).params


def _arrays(params: sim.Params) -> dict[str, np.ndarray]:
    """Every array of the batch's structure, its backcast's included (by name)."""
    static = dynamics.build_static(params, members_of(params))
    out = {f"static.{k}": np.asarray(v) for k, v in static.arrays._asdict().items()}
    history = static.history
    assert history is not None  # the default scenario starts from its backcast
    out |= {f"backcast.{k}": np.asarray(v) for k, v in history.static.arrays._asdict().items()}
    # the backcast's parameter row with its behaviour columns cleared: each run puts its own
    # behaviour there (sim.core.dynamics.history.backcast_arrays)
    row = history.params_row.copy()
    row[history.columns] = 0.0
    out["backcast.params_row"] = row
    return out


def _changed(name: str) -> sim.Params:
    """The default scenario with one numeric parameter moved by 10% (or by one), still valid."""
    value = getattr(PARAMS, name)
    up = value * 1.1 + 0.01 if isinstance(value, float) else value + 1
    try:
        return make_params({name: type(value)(up)}, base=PARAMS)
    except ValueError:
        down = value * 0.9 if isinstance(value, float) else value - 1
        return make_params({name: type(value)(down)}, base=PARAMS)


BEHAVIOURAL = [n for n in NUMERIC if n not in STRUCTURAL]


@pytest.mark.parametrize("name", BEHAVIOURAL)
def test_a_parameter_that_is_not_structural_leaves_the_structure_as_it_was(name: str) -> None:
    changed = _changed(name)
    assert getattr(changed, name) != getattr(PARAMS, name)
    before, after = _arrays(PARAMS), _arrays(changed)
    moved = [k for k in before if not np.array_equal(before[k], after[k], equal_nan=True)]
    assert moved == []


def test_a_structural_parameter_does_change_it() -> None:
    # the comparison above sees a change where there is one: without the members' national
    # pledges (use_pledges, structural) their pledge path is all zeros
    assert PARAMS.use_pledges
    without = make_params({"use_pledges": False}, base=PARAMS)
    before, after = _arrays(PARAMS), _arrays(without)
    moved = [k for k in before if not np.array_equal(before[k], after[k], equal_nan=True)]
    assert "static.pledge_path" in moved
