"""Loading and validating the seed data the model starts from (``seeds/``).

This module owns reading the member table, the members' exposure to the rival and the national
pledges, and checking them: a missing column, a malformed number or a duplicate member is a
:class:`DataError` naming the file, the row and the column. So is a file that cannot be read as
a UTF-8 CSV table (a binary file, a folder, a broken link, a name too long), a row shorter than
the header, a GDP of 0 or over :data:`MAX_GDP_USD_BN`, a share over 100% of GDP, an exposure
over 1, and a member set in which no member spends anything. The result is a :class:`Members`
record of arrays, one entry per member, in file order.

Iceland has no armed forces: it has no NATO share, so its core share is 0 and is held there
(``armed`` is False); it stays one of the 32 members.
"""

from __future__ import annotations

import csv
import errno
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from sim.core.errors import UserError, shown
from sim.core.resources import locate, seeds_dir

ROOT = Path(__file__).resolve().parents[2]
"""The folder above the package: the source checkout's root when running from one."""
REQUIRED_COLUMNS = ("iso3", "name", "region", "gdp_usd_bn")
NO_ARMED_FORCES = frozenset({"ISL"})
"""Members without armed forces (NATO publishes no defence share for them)."""
MAX_GDP_USD_BN = 1e6
"""The largest GDP a member may have, US$ bn: about ten times the world's (~110,000 in 2024);
a larger number is a typo or a unit error, and sums of such numbers overflow."""


class DataError(ValueError, UserError):
    """A data file is missing, malformed or inconsistent."""

    def __init__(
        self, path: Path | str, message: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.path, self.message, self.row, self.column = str(path), message, row, column
        where = shown(str(path))
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")


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


def _read_csv(path: Path, required: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Read a CSV table (UTF-8, a header row) into one dict per row.

    Args:
        path: the file.
        required: columns the header must have.

    Raises:
        DataError: naming the file when it is missing, not a regular file, unreadable (no
            permission, a name too long, a symbolic link loop), not UTF-8 text (a binary file),
            not CSV (a field over the csv module's size limit), has no header or lacks a
            required column; naming the row too when a row has fewer fields than the header.
    """
    try:
        if not path.is_file():
            raise DataError(path, _not_a_file(path))
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = reader.fieldnames or []
    except UnicodeDecodeError as err:
        raise DataError(
            path,
            f"not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset "
            f"{err.start}): expected a CSV table; is this a binary file?",
        ) from None
    except csv.Error as err:
        raise DataError(path, f"not a readable CSV table ({err})") from None
    except (OSError, ValueError) as err:
        if isinstance(err, DataError):
            raise
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        if isinstance(err, OSError) and err.errno == errno.ENOENT:
            reason = "file not found"
        raise DataError(path, f"cannot be read ({reason})") from None
    if not header:
        raise DataError(path, "empty file (no header)")
    for col in required:
        if col not in header:
            raise DataError(path, f"missing column '{col}'")
    for i, r in enumerate(rows, start=2):  # row 1 is the header
        short = [col for col in required if r.get(col) is None]
        if short:
            raise DataError(
                path, f"the row has fewer fields than the header ({len(header)})", i, short[0]
            )
    return rows


def _not_a_file(path: Path) -> str:
    """Why a path is not a readable regular file, as a data error's message says it."""
    if path.is_dir():
        return "a folder, expected a CSV file"
    if path.is_symlink():
        return "a broken symbolic link (a loop, or a link to nothing), expected a CSV file"
    if path.exists():
        return "not a regular file (a device, a pipe or a socket), expected a CSV file"
    return "file not found"


def _number(
    path: Path,
    row: int,
    column: str,
    text: str,
    *,
    allow_blank: bool = False,
    positive: bool = False,
    most: float | None = None,
) -> float:
    """A table's number: finite, non-negative (``positive``: above 0), at most ``most``."""
    text = (text or "").strip()
    if text == "":
        if allow_blank:
            return math.nan
        raise DataError(path, "missing value, expected a number", row, column)
    try:
        value = float(text)
    except ValueError:
        raise DataError(path, f"malformed number {text!r}", row, column) from None
    if not math.isfinite(value) or value < 0:
        raise DataError(path, f"{text!r} is not a finite non-negative number", row, column)
    if positive and value == 0:
        raise DataError(path, f"{text!r}: expected a number above 0", row, column)
    if most is not None and value > most:
        raise DataError(path, f"{text!r}: expected a number at most {most:g}", row, column)
    return value


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
    rows = _read_csv(path, (*REQUIRED_COLUMNS, share_col))
    exposure_override = bool(rows) and "exposure" in rows[0]
    exposures = {} if exposure_override else _load_exposure(seeds_dir() / "exposure.csv")
    iso3, names, regions, gdp, share, expo, armed, src = [], [], [], [], [], [], [], []
    for i, r in enumerate(rows, start=2):  # row 1 is the header
        code = (r["iso3"] or "").strip()
        if len(code) != 3 or not code.isalpha():
            raise DataError(path, f"malformed ISO3 code {code!r}", i, "iso3")
        if code in iso3:
            raise DataError(path, f"duplicate member {code}", i, "iso3")
        iso3.append(code)
        names.append(r["name"].strip())
        regions.append(r["region"].strip())
        gdp.append(
            _number(path, i, "gdp_usd_bn", r["gdp_usd_bn"], positive=True, most=MAX_GDP_USD_BN)
        )
        has_forces = code not in NO_ARMED_FORCES
        value = _number(path, i, share_col, r[share_col], allow_blank=True, most=100.0)
        source = f"{share_col}"
        if math.isnan(value) and has_forces:
            fallback = r.get("sipri_share_2015", "")
            value = _number(path, i, "sipri_share_2015", fallback, allow_blank=True, most=100.0)
            source = "sipri_share_2015"
            if math.isnan(value):
                raise DataError(
                    path, f"no share for {initial_data_year} and no SIPRI fallback", i, share_col
                )
        if not has_forces:
            value, source = 0.0, "no armed forces"
        share.append(value)
        src.append(source)
        armed.append(has_forces)
        if exposure_override:
            expo.append(_number(path, i, "exposure", r["exposure"], most=1.0))
        else:
            if code not in exposures:
                raise DataError(seeds_dir() / "exposure.csv", f"no exposure for member {code}")
            expo.append(exposures[code])
    if not iso3:
        raise DataError(path, "no members")
    if not any(value > 0 for value in share):
        raise DataError(
            path,
            "every member's share is 0: expected at least one above 0 (the "
            "rival's initial output is set relative to the alliance's)",
            column=share_col,
        )
    pledges, override = (), np.full(len(iso3), np.nan)
    if use_pledges or use_target_exemptions:
        pledges, override = _load_pledges(
            seeds_dir() / "pledges.csv", iso3, use_pledges, use_target_exemptions
        )
    members = Members(
        tuple(iso3),
        tuple(names),
        tuple(regions),
        np.array(gdp),
        np.array(share),
        np.array(expo),
        np.array(armed),
        tuple(src),
        pledges,
        override,
    )
    if not (region_behaviour_file or member_behaviour_file):
        return members
    return with_multipliers(
        members,
        load_region_behaviour(region_behaviour_file) if region_behaviour_file else {},
        load_member_behaviour(member_behaviour_file) if member_behaviour_file else {},
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
    rows = _read_csv(path, (key, *MULTIPLIER_COLUMNS))
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
            _number(path, i, "threat_multiplier", r["threat_multiplier"]),
            _number(path, i, "pressure_multiplier", r["pressure_multiplier"]),
        )
    return out


def _load_exposure(path: Path) -> dict[str, float]:
    out = {}
    for i, r in enumerate(_read_csv(path, ("iso3", "exposure")), start=2):
        value = _number(path, i, "exposure", r["exposure"])
        if value > 1:
            raise DataError(path, f"exposure {value} outside [0, 1]", i, "exposure")
        out[r["iso3"].strip()] = value
    return out


def _load_pledges(
    path: Path, iso3: list[str], use_pledges: bool, use_exemptions: bool
) -> tuple[tuple[tuple[int, float, float], ...], np.ndarray]:
    pledges = []
    override = np.full(len(iso3), np.nan)
    for i, r in enumerate(_read_csv(path, ("iso3", "year", "core_pct_gdp", "kind")), start=2):
        code = r["iso3"].strip()
        if code not in iso3:
            continue  # a pledge of a member not in this member set
        year = _number(path, i, "year", r["year"])
        pct = _number(path, i, "core_pct_gdp", r["core_pct_gdp"])
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
