"""Loading and validating the seed data the model starts from (``seeds/``).

This module owns reading the member table, the members' exposure to the rival and the national
pledges, and checking them: a missing column, a malformed number or a duplicate member is a
:class:`DataError` naming the file, the row and the column. So is a file that cannot be read as
a UTF-8 CSV table (a binary file, a folder, a broken link, a name too long) or a row shorter
than the header (these table checks live in :mod:`sim.core.csv_table`), a GDP of 0 or over
:data:`MAX_GDP_USD_BN`, a share over 100% of GDP, an exposure over 1, and a member set in
which no member spends anything. The result is a :class:`Members` record of arrays, one entry
per member, in file order.

Iceland has no armed forces: it has no NATO share, so its core share is 0 and is held there
(``armed`` is False); it stays one of the 32 members.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from sim.core.csv_table import DataError, number, read_csv
from sim.core.resources import locate, seeds_dir

ROOT = Path(__file__).resolve().parents[2]
"""The folder above the package: the source checkout's root when running from one."""
REQUIRED_COLUMNS = ("iso3", "name", "region", "gdp_usd_bn")
NO_ARMED_FORCES = frozenset({"ISL"})
"""Members without armed forces (NATO publishes no defence share for them)."""
MAX_GDP_USD_BN = 1e6
"""The largest GDP a member may have, US$ bn: about ten times the world's (~110,000 in 2024);
a larger number is a typo or a unit error, and sums of such numbers overflow."""


@dataclass(frozen=True)
class Members:
    """The members' static data, as arrays in file order."""

    iso3: tuple[str, ...]
    name: tuple[str, ...]
    region: tuple[str, ...]
    gdp_usd_bn: np.ndarray
    core_share_pct: np.ndarray
    exposure: np.ndarray
    armed: np.ndarray
    share_source: tuple[str, ...]
    pledges: tuple[tuple[int, float, float], ...] = field(default=())
    """(member index, year, core share pct) floors."""
    target_override_pct: np.ndarray | None = None
    """Per-member core target replacing the alliance's (NaN: none)."""
    threat_multiplier: np.ndarray | None = None
    """Per-member multiplier of the threat sensitivity (region times member; None: all 1)."""
    pressure_multiplier: np.ndarray | None = None
    """Per-member multiplier of the pressure weight (region times member; None: all 1)."""

    @property
    def threat_response(self) -> np.ndarray:
        """Multiplier of each member's threat sensitivity (ones without a region table)."""
        return np.ones(self.n) if self.threat_multiplier is None else self.threat_multiplier

    @property
    def pressure_response(self) -> np.ndarray:
        """Multiplier of each member's pressure weight (ones without a region table)."""
        return np.ones(self.n) if self.pressure_multiplier is None else self.pressure_multiplier

    @property
    def n(self) -> int:
        """Number of members."""
        return len(self.iso3)

    def index(self, iso3: str) -> int:
        """Return the position of a member by ISO3 code."""
        return self.iso3.index(iso3)


def resolve(path: str | Path) -> Path:
    """Resolve a data path: shipped (``seeds/...``, ``configs/...``), absolute, or from here.

    See :func:`sim.core.resources.locate`.
    """
    return locate(path)


def load_members(
    members_file: str | Path = "seeds/nato_members.csv",
    initial_data_year: int = 2024,
    *,
    use_pledges: bool = True,
    use_target_exemptions: bool = True,
    region_behaviour_file: str | Path = "",
    member_behaviour_file: str | Path = "",
) -> Members:
    """Load and validate the member table, exposures and pledges.

    Args:
        members_file: the member CSV (``seeds/...`` for the shipped data, else absolute or
            relative to the current folder; see :func:`sim.core.resources.locate`). Required
            columns: iso3, name, region, gdp_usd_bn and ``share_<initial_data_year>``.
            An ``exposure`` column overrides ``seeds/exposure.csv``.
        initial_data_year: the year whose share column gives the initial core shares.
        use_pledges: read national pledges from ``seeds/pledges.csv``.
        use_target_exemptions: read member target overrides from ``seeds/pledges.csv``.
        region_behaviour_file: optional table of per-region behavioural multipliers (see
            :func:`load_region_behaviour`); empty: none.
        member_behaviour_file: optional table of per-member multipliers, relative to the
            region's (see :func:`load_member_behaviour`); empty: none.

    Returns:
        The members, in file order.

    Raises:
        DataError: naming the file, the row and the column of the first problem.
    """
    path = resolve(members_file)
    share_col = f"share_{initial_data_year}"
    rows = read_csv(path, (*REQUIRED_COLUMNS, share_col))
    exposure_override = bool(rows) and "exposure" in rows[0]
    exposures = {} if exposure_override else _load_exposure(seeds_dir() / "exposure.csv")
    parsed: list[_MemberRow] = []
    for i, r in enumerate(rows, start=2):  # row 1 is the header
        seen = [m.iso3 for m in parsed]
        parsed.append(
            _member_row(path, i, r, initial_data_year, exposures, exposure_override, seen)
        )
    _check_member_set(path, parsed, share_col)
    members = _members(parsed, use_pledges, use_target_exemptions)
    if not (region_behaviour_file or member_behaviour_file):
        return members
    return with_multipliers(
        members,
        load_region_behaviour(region_behaviour_file) if region_behaviour_file else {},
        load_member_behaviour(member_behaviour_file) if member_behaviour_file else {},
    )


@dataclass(frozen=True)
class _MemberRow:
    """One row of the member table, checked."""

    iso3: str
    name: str
    region: str
    gdp_usd_bn: float
    core_share_pct: float
    share_source: str
    armed: bool
    exposure: float


def _members(parsed: list[_MemberRow], use_pledges: bool, use_exemptions: bool) -> Members:
    """The checked rows as a :class:`Members` record, with pledges and target overrides."""
    iso3 = [m.iso3 for m in parsed]
    pledges, override = (), np.full(len(iso3), np.nan)
    if use_pledges or use_exemptions:
        pledges, override = _load_pledges(
            seeds_dir() / "pledges.csv", iso3, use_pledges, use_exemptions
        )
    return Members(
        tuple(iso3),
        tuple(m.name for m in parsed),
        tuple(m.region for m in parsed),
        np.array([m.gdp_usd_bn for m in parsed]),
        np.array([m.core_share_pct for m in parsed]),
        np.array([m.exposure for m in parsed]),
        np.array([m.armed for m in parsed]),
        tuple(m.share_source for m in parsed),
        pledges,
        override,
    )


def _member_row(
    path: Path,
    i: int,
    r: dict[str, str],
    initial_data_year: int,
    exposures: dict[str, float],
    exposure_override: bool,
    seen: list[str],
) -> _MemberRow:
    """Check row ``i`` of the member table, given the ISO3 codes of the rows before it."""
    code = (r["iso3"] or "").strip()
    if len(code) != 3 or not code.isalpha():
        raise DataError(path, f"malformed ISO3 code {code!r}", i, "iso3")
    if code in seen:
        raise DataError(path, f"duplicate member {code}", i, "iso3")
    gdp = number(path, i, "gdp_usd_bn", r["gdp_usd_bn"], positive=True, most=MAX_GDP_USD_BN)
    share, source = _initial_share(path, i, r, code, initial_data_year)
    if exposure_override:
        exposure = number(path, i, "exposure", r["exposure"], most=1.0)
    else:
        if code not in exposures:
            raise DataError(seeds_dir() / "exposure.csv", f"no exposure for member {code}")
        exposure = exposures[code]
    armed = code not in NO_ARMED_FORCES
    return _MemberRow(
        code, r["name"].strip(), r["region"].strip(), gdp, share, source, armed, exposure
    )


def _initial_share(
    path: Path, i: int, r: dict[str, str], code: str, initial_data_year: int
) -> tuple[float, str]:
    """A member's initial core share and the column it came from (SIPRI 2015 as a fallback)."""
    share_col = f"share_{initial_data_year}"
    value = number(path, i, share_col, r[share_col], allow_blank=True, most=100.0)
    source = f"{share_col}"
    has_forces = code not in NO_ARMED_FORCES
    if math.isnan(value) and has_forces:
        fallback = r.get("sipri_share_2015", "")
        value = number(path, i, "sipri_share_2015", fallback, allow_blank=True, most=100.0)
        source = "sipri_share_2015"
        if math.isnan(value):
            raise DataError(
                path, f"no share for {initial_data_year} and no SIPRI fallback", i, share_col
            )
    if not has_forces:
        value, source = 0.0, "no armed forces"
    return value, source


def _check_member_set(path: Path, parsed: list[_MemberRow], share_col: str) -> None:
    """Reject a member table with no members, or one in which no member spends anything."""
    if not parsed:
        raise DataError(path, "no members")
    if not any(m.core_share_pct > 0 for m in parsed):
        raise DataError(
            path,
            "every member's share is 0: expected at least one above 0 (the "
            "rival's initial output is set relative to the alliance's)",
            column=share_col,
        )


def with_multipliers(
    members: Members, regions: dict[str, tuple[float, float]], own: dict[str, tuple[float, float]]
) -> Members:
    """The members with behavioural multipliers: each member's region's times its own.

    Args:
        members: the members (any multipliers they carry are replaced).
        regions: region -> (threat, pressure) multipliers; a region not in it has 1.
        own: ISO3 -> (threat, pressure) multipliers relative to the region; a member not in it
            has 1.
    """
    pairs = [
        np.multiply(regions.get(r, (1.0, 1.0)), own.get(c, (1.0, 1.0)))
        for r, c in zip(members.region, members.iso3, strict=True)
    ]
    return replace(
        members,
        threat_multiplier=np.array([t for t, _ in pairs]),
        pressure_multiplier=np.array([p for _, p in pairs]),
    )


def load_region_behaviour(path: str | Path) -> dict[str, tuple[float, float]]:
    """Read a table of per-region behavioural multipliers.

    The table (CSV) has the columns ``region``, ``threat_multiplier`` (multiplies the threat
    sensitivity of the region's members) and ``pressure_multiplier`` (multiplies their pressure
    weight, which stays clipped to [0, 1]); extra columns (e.g. notes) are ignored. A member
    whose region is not in the table keeps multipliers of 1, so one table serves any member set.

    Returns:
        region -> (threat multiplier, pressure multiplier).

    Raises:
        DataError: for a missing file or column, a duplicate region or a malformed number.
    """
    return _read_multipliers(path, "region")


def load_member_behaviour(path: str | Path) -> dict[str, tuple[float, float]]:
    """Read a table of per-member behavioural multipliers, relative to the member's region.

    The table (CSV) has the columns ``iso3``, ``threat_multiplier`` and ``pressure_multiplier``;
    a member's multipliers are its region's (:func:`load_region_behaviour`) times these. They
    stand for what the sourced data do not record (fiscal room, domestic politics: why Belgium
    lagged while the Netherlands complied) and are fitted with shrinkage toward 1 by
    ``sim.validation.calibrate``. A member not in the table keeps its region's multipliers; rows of
    members
    not in the member set are ignored, so one table serves any member set.

    Returns:
        iso3 -> (threat multiplier, pressure multiplier).

    Raises:
        DataError: for a missing file or column, a malformed ISO3 code, a duplicate member or a
            malformed number.
    """
    return _read_multipliers(path, "iso3")


MULTIPLIER_COLUMNS = ("threat_multiplier", "pressure_multiplier")


def _read_multipliers(path: str | Path, key: str) -> dict[str, tuple[float, float]]:
    """Read a multiplier table keyed by ``key`` (``region`` or ``iso3``)."""
    path = resolve(path)
    rows = read_csv(path, (key, *MULTIPLIER_COLUMNS))
    label = "member" if key == "iso3" else key
    out: dict[str, tuple[float, float]] = {}
    for i, r in enumerate(rows, start=2):
        name = (r[key] or "").strip()
        if key == "iso3" and (len(name) != 3 or not name.isalpha()):
            raise DataError(path, f"malformed ISO3 code {name!r}", i, key)
        if name in out:
            shown = name if key == "iso3" else repr(name)  # as load_members names a member
            raise DataError(path, f"duplicate {label} {shown}", i, key)
        out[name] = (
            number(path, i, "threat_multiplier", r["threat_multiplier"]),
            number(path, i, "pressure_multiplier", r["pressure_multiplier"]),
        )
    return out


def _load_exposure(path: Path) -> dict[str, float]:
    out = {}
    for i, r in enumerate(read_csv(path, ("iso3", "exposure")), start=2):
        value = number(path, i, "exposure", r["exposure"])
        if value > 1:
            raise DataError(path, f"exposure {value} outside [0, 1]", i, "exposure")
        out[r["iso3"].strip()] = value
    return out


def _load_pledges(
    path: Path, iso3: list[str], use_pledges: bool, use_exemptions: bool
) -> tuple[tuple[tuple[int, float, float], ...], np.ndarray]:
    pledges = []
    override = np.full(len(iso3), np.nan)
    for i, r in enumerate(read_csv(path, ("iso3", "year", "core_pct_gdp", "kind")), start=2):
        code = r["iso3"].strip()
        if code not in iso3:
            continue  # a pledge of a member not in this member set
        year = number(path, i, "year", r["year"])
        pct = number(path, i, "core_pct_gdp", r["core_pct_gdp"])
        kind = r["kind"].strip()
        if kind == "pledge":
            if use_pledges:
                pledges.append((iso3.index(code), int(year), pct))
        elif kind == "target_override":
            if use_exemptions:
                override[iso3.index(code)] = pct
        else:
            raise DataError(
                path, f"unknown kind {kind!r}, expected pledge or target_override", i, "kind"
            )
    return tuple(pledges), override


def synthetic_members(n: int, seed: int = 0) -> Members:
    """Return ``n`` members drawn by repeating the 32 NATO members with jittered GDP.

    Used by benchmarks that measure how throughput scales with the number of members.
    """
    base = load_members(use_pledges=False, use_target_exemptions=False)
    rng = np.random.default_rng(seed)
    idx = np.arange(n) % base.n
    gdp = base.gdp_usd_bn[idx] * rng.uniform(0.8, 1.2, n)
    return Members(
        tuple(f"M{i:04d}" for i in range(n)),
        tuple(base.name[j] for j in idx),
        tuple(base.region[j] for j in idx),
        gdp,
        base.core_share_pct[idx].copy(),
        base.exposure[idx].copy(),
        base.armed[idx].copy(),
        tuple(base.share_source[j] for j in idx),
        (),
        np.full(n, np.nan),
    )
