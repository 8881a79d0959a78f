"""Decision terms are declared once (issue 12): a term added through the public mechanism is in
the state, the output columns, the Mesa agents' decision() and explain(), and the sum."""

import numpy as np
import pytest

import sim
from sim.core import metrics
from sim.core.dynamics import (
    Term,
    TermInputs,
    member_terms,
    register_member_term,
    unregister_member_term,
)
from sim.core.dynamics import param_index as P
from sim.core.dynamics.jit import inlined
from sim.core.params import make_params

DEFAULT_MEMBER_TERM_COLUMNS = ("threat_pp", "pressure_pp", "free_riding_pp")
"""The columns of the model's own terms, in the order the committed outputs have them."""
SHORT = {"end_quarter": "2026Q4", "noise_sd_pp": 0.2}
"""Eight quarters with member noise on (so the shares, hence the term, move every quarter)."""


@inlined
def tilt(x: TermInputs, r: int, out: np.ndarray) -> None:
    """A throw-away term: GDP growth (%/yr) times last quarter's core share as a fraction."""
    growth = x.p[r, P.gdp_growth_pct_per_year]
    for i in range(out.shape[0]):
        out[i] = growth * (x.s.core_share_pct[r, i] / 100) * x.static.armed[i]


TILT = Term(
    name="test_tilt",
    label="Test tilt",
    unit="pp of GDP",
    sign=-1,
    doc="a term for this test only: subtracts growth x share",
    kernel=tilt,
)


@pytest.fixture
def tilt_term():
    """Register the throw-away term for one test and remove it afterwards, whatever happens."""
    register_member_term(TILT)
    try:
        yield TILT
    finally:
        unregister_member_term(TILT.name)


def params():
    return make_params(SHORT, base=sim.default_params())


def test_a_registered_term_is_in_the_outputs_with_its_functions_value(tilt_term):
    traj = sim.simulate([params()], [5], keep_members=True)
    frame = traj.member_frame()
    assert "test_tilt_pp" in frame.columns
    assert "mean_test_tilt_pp" in traj.alliance_frame().columns
    growth = params().gdp_growth_pct_per_year
    core = frame.pivot(index="quarter", columns="iso3", values="core_share_pct")
    value = frame.pivot(index="quarter", columns="iso3", values="test_tilt_pp")
    armed = core.columns != "ISL"  # Iceland has no armed forces: its terms are 0
    # the term's kernel at row k reads the state at the start of the quarter (row k - 1);
    # it is 0 in the initial state (it is not anchored)
    expected = growth * (core.shift(1) / 100) * armed
    np.testing.assert_array_equal(value.iloc[0], 0.0)
    np.testing.assert_allclose(value.iloc[1:], expected.iloc[1:], rtol=1e-15, atol=0)
    # the alliance column is the mean over members with armed forces
    mean = traj.alliance_frame().set_index("quarter")["mean_test_tilt_pp"]
    np.testing.assert_allclose(mean, value.loc[:, armed].mean(axis=1), rtol=1e-12)


def test_a_registered_term_enters_the_desired_share_with_its_sign(tilt_term):
    frame = sim.simulate([params()], [5], keep_members=True).member_frame()
    first = frame[frame["quarter"] == frame["quarter"].iloc[0]].set_index("iso3")
    later = frame[frame["quarter"] == frame["quarter"].iloc[-1]].set_index("iso3")
    # at the start the desired share is the anchor + the threat term (the one anchored term; the
    # others start from 0), whether the shares are rest points or, as in the default scenario,
    # the anchor is carried from the backcast (sim.core.dynamics.history);
    # later: desired = anchor + threat - free riding - tilt (sign -1) + pressure
    assert (first["test_tilt_pp"] == 0).all() and (first["pressure_pp"] == 0).all()
    anchor = first["desired_core_share_pct"] - first["threat_pp"]
    desired = (
        anchor
        + later["threat_pp"]
        - later["free_riding_pp"]
        - later["test_tilt_pp"]
        + later["pressure_pp"]
    )
    np.testing.assert_allclose(later["desired_core_share_pct"], desired, rtol=1e-12, atol=1e-12)
    assert (later.drop(index="ISL")["test_tilt_pp"] > 0).all()  # so the check above has bite


def test_the_mesa_agents_show_a_registered_term(tilt_term):
    model = sim.AllianceModel(rng=5, **SHORT)
    for _ in range(3):
        model.step()
    pol = next(a for a in model.member_agents if a.iso3 == "POL")
    decision = pol.decision()
    assert list(decision)[:4] == [*DEFAULT_MEMBER_TERM_COLUMNS, "test_tilt_pp"]
    assert pol.test_tilt_pp == decision["test_tilt_pp"]
    assert f"- test tilt {decision['test_tilt_pp']:.2f} pp" in pol.explain()
    assert "test_tilt_pp" in model.member_frame().columns
    assert "mean_test_tilt_pp" in model.alliance_frame().columns
    # the web page's member card shows the term's signed effect, the table its column
    from sim.viz.members import member_facts, table_columns

    assert ("Test tilt term", f"{-decision['test_tilt_pp']:+.2f} pp") in member_facts(pol)
    assert ("test_tilt_pp", "Test tilt pp") in table_columns()
    # the Mesa model and the ensemble agree on the new term as on every other column
    ensemble = sim.simulate([params()], [5], keep_members=True).member_frame()
    pol_rows = ensemble[ensemble["iso3"] == "POL"]["test_tilt_pp"].to_numpy()[:4]
    mesa_rows = model.member_frame().query("iso3 == 'POL'")["test_tilt_pp"].to_numpy()
    np.testing.assert_array_equal(mesa_rows, pol_rows)


def test_removing_a_term_restores_the_default_columns():
    register_member_term(TILT)
    unregister_member_term(TILT.name)
    assert tuple(t.column for t in member_terms()) == DEFAULT_MEMBER_TERM_COLUMNS
    member = sim.simulate([params()], [5], keep_members=True).member_frame()
    assert [c for c in member.columns if c.endswith("_pp")] == list(DEFAULT_MEMBER_TERM_COLUMNS)
    assert [c for c in metrics.ALLIANCE_COLUMNS if c.startswith("mean_")] == [
        "mean_threat_pp",
        "mean_pressure_pp",
        "mean_free_riding_pp",
    ]


def test_the_registry_refuses_what_the_columns_or_the_sum_cannot_use(tilt_term):
    with pytest.raises(ValueError, match="already registered"):
        register_member_term(TILT)
    with pytest.raises(ValueError, match="only one term may pull"):
        register_member_term(Term("pull2", "Pull", "pp of GDP", 1, "x", tilt, pulls=True))
    with pytest.raises(ValueError, match="cannot be removed"):
        unregister_member_term("threat")
    with pytest.raises(ValueError, match="no term 'nope'"):
        unregister_member_term("nope")
    with pytest.raises(ValueError, match="expected \\+1 or -1"):
        Term("half", "Half", "pp of GDP", 0.5, "x", tilt)
    with pytest.raises(ValueError, match="expected an identifier"):
        Term("not a name", "X", "pp of GDP", 1, "x", tilt)
    with pytest.raises(ValueError, match="expected a function kernel"):
        Term("no_kernel", "X", "pp of GDP", 1, "x", 0.5)


def test_the_docking_checklist_names_a_term_outside_the_two_party_limit(tilt_term):
    from sim.validation.docking import two_party_reasons

    scenario = sim.load_scenario("richardson_base")
    members = sim.AllianceModel(scenario=scenario).members
    reasons = two_party_reasons(scenario.params, members)
    assert "the decision term 'test_tilt' (Test tilt) is not in the two-party limit" in reasons


def test_subtracting_is_adding_the_negated_term_in_ieee_arithmetic():
    # the sum is written 'before - value' for sign -1; (a + b) + (-1.0 * c) would give the
    # same bits: negation is exact and x + (-y) is x - y under IEEE 754 round-to-nearest
    rng = np.random.default_rng(0)
    a, b, c = (rng.normal(size=10_000) * 10.0 ** rng.integers(-8, 8, 10_000) for _ in range(3))
    assert np.array_equal(a + b - c, (a + b) + (-1.0 * c))
