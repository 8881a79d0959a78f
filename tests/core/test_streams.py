"""Random streams: the members' draws belong to the members, the rival's to the rival.

Each run's seed spawns two independent streams, one for the members and one for the rival
(``draw_shocks`` in ``sim.core.dynamics``, found by name so the test survives a reorganisation
of that package). So changing any rival parameter leaves every member's draws unchanged, a run's
draws do not depend on the batch it is in, and one change to the rival makes one difference: the
rival's series moves, the members' shares only once the rival's output has fed back to them.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sim

SEED = 20250625
"""The default scenario's seed (configs/hague.toml); any seed would do."""

N_STEPS = 43
"""The default scenario's steps: 2025Q1-2035Q4 is 44 quarters, the first the initial state."""

N_MEMBERS = 32
"""NATO's 32 members (seeds/)."""

RIVAL_NOISE_PCT = 5.0
"""Rival noise switched on (the default scenario has none: rival_noise_sd_pct = 0)."""


def find_draw_shocks() -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """``draw_shocks`` from ``sim.core.dynamics`` or, failing that, any of its modules."""
    package = importlib.import_module("sim.core.dynamics")
    if hasattr(package, "draw_shocks"):
        return package.draw_shocks
    for info in pkgutil.walk_packages(getattr(package, "__path__", []), "sim.core.dynamics."):
        module = importlib.import_module(info.name)
        if hasattr(module, "draw_shocks"):
            return module.draw_shocks
    pytest.fail("no draw_shocks in sim.core.dynamics: update this test to the new name")


def call_draw_shocks(
    params: sim.Params, seeds: list[int], n_steps: int, n_members: int
) -> tuple[np.ndarray, np.ndarray]:
    """Call ``draw_shocks`` with the arguments its signature names (it may take the params)."""
    draw = find_draw_shocks()
    available = {
        "seeds": seeds,
        "n_steps": n_steps,
        "n_members": n_members,
        "params": [params] * len(seeds),
    }
    names = list(inspect.signature(draw).parameters)
    unknown = [n for n in names if n not in available]
    assert not unknown, f"draw_shocks takes {unknown}: update this test"
    return draw(**{n: available[n] for n in names})


def rival_fields() -> list[dataclasses.Field]:
    """Every parameter of the rival: the fields of :class:`sim.Params` named ``rival_*``."""
    return [f for f in dataclasses.fields(sim.Params) if f.name.startswith("rival_")]


def every_rival_parameter_changed(base: sim.Params) -> sim.Params:
    """``base`` with every rival parameter moved a quarter of the way to its upper bound."""
    values: dict[str, Any] = {}
    for field in rival_fields():
        value = getattr(base, field.name)
        top = field.metadata.get("max")
        moved = value + 0.25 * (top - value) if top is not None else value * 1.25 + 1
        values[field.name] = round(moved) if field.type in (int, "int") else moved
    changed = sim.make_params(values, base=base)
    assert all(getattr(changed, n) != getattr(base, n) for n in values)
    return changed


@pytest.fixture(scope="module")
def base() -> sim.Params:
    """The default scenario with the rival's noise on."""
    return sim.make_params({"rival_noise_sd_pct": RIVAL_NOISE_PCT}, base=sim.default_params())


def _recorded_member_shocks(monkeypatch: pytest.MonkeyPatch, params: sim.Params) -> np.ndarray:
    """The member shocks ``sim.simulate`` actually draws for one run of ``params``."""
    original = find_draw_shocks()
    drawn: list[np.ndarray] = []

    def spy(*args: Any, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
        member, rival = original(*args, **kwargs)
        drawn.append(member.copy())
        return member, rival

    for module in [m for name, m in list(sys.modules.items()) if name.startswith("sim")]:
        if getattr(module, "draw_shocks", None) is original:
            monkeypatch.setattr(module, "draw_shocks", spy)
    sim.simulate([params], [SEED])
    monkeypatch.undo()
    assert len(drawn) == 1, "sim.simulate did not draw its shocks through draw_shocks"
    return drawn[0]


def test_changing_every_rival_parameter_leaves_the_member_draws_unchanged(
    base: sim.Params, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = every_rival_parameter_changed(base)
    assert len(rival_fields()) >= 4  # target ratio, noise, adjustment speed, ramp limit, ...
    # what simulate draws for the members, with and without the change
    before = _recorded_member_shocks(monkeypatch, base)
    after = _recorded_member_shocks(monkeypatch, changed)
    assert before.shape[1:] == (N_STEPS, N_MEMBERS)
    np.testing.assert_array_equal(before, after)
    # and what draw_shocks gives for either parameter set
    n_steps, n_members = before.shape[1:]
    member_base, _ = call_draw_shocks(base, [SEED], n_steps, n_members)
    member_changed, _ = call_draw_shocks(changed, [SEED], n_steps, n_members)
    np.testing.assert_array_equal(member_base, member_changed)
    np.testing.assert_array_equal(member_base, before)


def test_a_runs_draws_do_not_depend_on_its_batch(base: sim.Params) -> None:
    seeds = [3, SEED, 11]
    member_batch, rival_batch = call_draw_shocks(base, seeds, N_STEPS, N_MEMBERS)
    member_alone, rival_alone = call_draw_shocks(base, [SEED], N_STEPS, N_MEMBERS)
    np.testing.assert_array_equal(member_batch[1], member_alone[0])
    np.testing.assert_array_equal(rival_batch[1], rival_alone[0])
    # the batch's runs have their own draws (different seeds, different shocks)
    assert not np.array_equal(member_batch[0], member_batch[1])


def test_the_rivals_draws_differ_from_the_members(base: sim.Params) -> None:
    member, rival = call_draw_shocks(base, [SEED], N_STEPS, N_MEMBERS)
    assert rival.shape == (1, N_STEPS)
    for column in [member[0, :, j] for j in range(N_MEMBERS)] + [member[0].ravel()[:N_STEPS]]:
        assert not np.any(np.isclose(rival[0], column, rtol=0, atol=1e-12))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("rival_target_ratio", 8.0),  # default 4 (configs/hague.toml)
        ("rival_noise_sd_pct", 20.0),  # RIVAL_NOISE_PCT = 5 in the base
        ("rival_adjustment_speed_per_year", 3.0),  # default 1
        ("rival_ramp_limit_pct_per_year", 1.0),  # default 100
    ],
)
def test_one_rival_change_moves_the_rival_first_and_the_members_only_after(
    base: sim.Params, name: str, value: float
) -> None:
    """Members decide from the start of the quarter: the rival's new output reaches them later."""
    changed = sim.make_params({name: value}, base=base)
    traj = sim.simulate([base, changed], [SEED, SEED], keep_members=True)
    alliance = traj.alliance_frame().set_index(["run_id", "quarter"])
    rival = alliance["rival_munitions_output"].unstack("run_id")
    assert not np.array_equal(rival[0].to_numpy(), rival[1].to_numpy())
    members = traj.member_frame().pivot_table(
        index=["quarter", "iso3"], columns="run_id", values="core_share_pct"
    )
    quarters = list(pd.unique(traj.member_frame()["quarter"]))
    first = members.loc[quarters[:2]]  # the initial state and the first quarter
    np.testing.assert_array_equal(first[0].to_numpy(), first[1].to_numpy())
    # the rival's output does feed back later, so the equality above is not for want of a link
    assert not np.array_equal(members[0].to_numpy(), members[1].to_numpy())
