"""Reading the seed data's CSV tables, and the error a bad table raises.

This module owns the checks every table of ``seeds/`` (and every table a user passes in its
place) goes through: the file is a readable UTF-8 CSV table with a header, the required
columns are there, no row is shorter than the header, and a number is finite, non-negative and
within its bounds. Each problem is a :class:`DataError` naming the file, the row and the column.
:mod:`sim.core.data` builds the members from these tables.
"""

from __future__ import annotations

import csv
import errno
import math
from pathlib import Path

from sim.core.errors import UserError, shown


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


def read_csv(path: Path, required: tuple[str, ...] = ()) -> list[dict[str, str]]:
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


def number(
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
