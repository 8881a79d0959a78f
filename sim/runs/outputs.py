"""Output folders: which folder a command may write or replace, by one writer, whole or not at all.

This module owns the rules for a results folder that a command writes in one go (``sim run``
today; the sweep and report code can call the same functions):

1. **A path.** ``--out`` must name a folder: an empty ``--out ""`` is refused
   (:func:`output_path`), not read as the default.
2. **Never over something else.** A folder that exists is left alone unless ``--overwrite``, and
   ``--overwrite`` replaces a folder only when :func:`check_replaceable` allows it: the folder is
   empty, or holds a results manifest (``manifest.json``) written by this tool for the same
   ``kind`` (``"run"``; a sweep's folder is not a run's) and, when that manifest lists its
   ``files``, nothing else. Never a file, a symbolic link, the current folder, or an ancestor of
   the current folder, of the source checkout or of the home folder. Everything else is an
   :class:`OutputFolderError` naming the path and why.
3. **One writer per folder.** :func:`output_folder` takes an exclusive ``fcntl.flock`` lock on a
   sibling lock file ``PARENT/.NAME.lock`` *before* looking at the folder (the folder itself is
   replaced by a rename, so it cannot carry its own lock), holds it while the results are
   computed and written, and removes it afterwards. The OS releases the lock if the process
   dies; a stale lock file is harmless and reused. A second writer is refused at once ("... is
   being written by another process"). The lock lives in :mod:`sim.runs.folder_lock`.
4. **Whole or not at all.** :meth:`OutputFolder.write` writes into a hidden sibling
   ``PARENT/.NAME.partial-XXXXXXXX`` and renames it into place at the end, after checking the
   rules again: a folder that appeared at ``--out`` while the results were computed is not
   replaced without ``--overwrite``. An old folder is first renamed aside
   (``.NAME.old-XXXXXXXX``), so ``--out`` always holds either the old or the new results. On
   any error the hidden folder and any parent folders this call created are removed, and an
   ``OSError`` (full disk, read-only or missing parent, a name too long) becomes an
   :class:`OutputFolderError` naming the path and the OS's reason.

Hidden leftovers of a process killed mid-write are cleared by the next writer of the same
folder, under the lock: ``.NAME.partial-*`` is removed, ``.NAME.old-*`` goes back to ``NAME``
if nothing is there (the kill came between the two renames) and is removed otherwise. When the
parent folder turns read-only while a run is computing, the lock file cannot be removed and
stays (empty, unlocked, reused by the next writer).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sim.core.errors import shown
from sim.core.names import PLAIN_NAME as PLAIN_NAME
from sim.core.names import PLAIN_NAME_EXPECTED as PLAIN_NAME_EXPECTED
from sim.core.names import is_plain_name as is_plain_name
from sim.core.resources import checkout_root
from sim.runs.folder_lock import OutputFolderError, folder_lock, hidden_sibling, recover

MANIFEST = "manifest.json"
"""The file that marks a results folder as written by this tool; its ``kind`` key says which."""


def output_path(text: str, option: str = "--out") -> Path:
    """The folder an ``--out`` value names.

    Raises:
        OutputFolderError: for an empty value or one holding a NUL character.
    """
    if not text.strip():
        raise OutputFolderError(
            f"{option} = {shown(repr(text))}: expected an output folder path "
            "(leave --out out to use the default folder)"
        )
    if "\0" in text:
        raise OutputFolderError(
            f"{option} = {shown(repr(text))}: expected a path without NUL characters"
        )
    return Path(text)


def _protected() -> list[tuple[Path, str]]:
    """Folders that neither they nor their ancestors may be replaced, with their description."""
    places = [(Path.cwd(), "the current folder")]
    root = checkout_root()
    if root is not None:
        places.append((root, "the source checkout"))
    with contextlib.suppress(RuntimeError, KeyError):
        places.append((Path.home(), "the home folder"))
    return [(p.resolve(), what) for p, what in places]


def _protected_reason(path: Path) -> str | None:
    resolved = path.resolve()
    for place, what in _protected():
        if resolved == place:
            return f"it is {what}"
        if resolved in place.parents:
            return f"it is an ancestor of {what} ({shown(str(place))})"
    return None


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _why_not_replaceable(path: Path, kind: str) -> str | None:
    """Why a new ``kind`` folder may not replace ``path`` (None: it may). ``path`` exists."""
    reason = _protected_reason(path)
    if reason is not None:
        return reason
    if path.is_symlink():
        return "it is a symbolic link (give the folder it points to, or another --out)"
    if not path.is_dir():
        return "it is a file, not a results folder"
    entries = sorted(os.listdir(path))
    if not entries:
        return None
    manifest = _read_manifest(path)
    if manifest is None:
        return (
            f"it holds files but no readable {MANIFEST}, so it was not written by this "
            f"tool's {kind}"
        )
    if manifest.get("kind") != kind:
        return (
            f"its {MANIFEST} is of kind {manifest.get('kind')!r}, not {kind!r} (a "
            f"{kind} may only replace a {kind}'s folder)"
        )
    listed = manifest.get("files")
    if isinstance(listed, list):
        extra = [e for e in entries if e not in listed]
        if extra:
            more = f" and {len(extra) - 5} more" if len(extra) > 5 else ""
            return f"it holds files its {MANIFEST} does not list: {', '.join(extra[:5])}{more}"
    return None


def check_replaceable(path: str | Path, kind: str) -> None:
    """Check that ``--overwrite`` may replace ``path`` with a new folder of this ``kind``.

    The rule (the one place it is written): a path that does not exist may be written; an
    existing one may be replaced only if it is a folder (not a file or a symbolic link) that is
    empty, or holds a ``manifest.json`` whose ``kind`` is ``kind`` and, when the manifest lists
    its ``files``, nothing else; and never when it is the current folder or an ancestor of the
    current folder, of the source checkout or of the home folder.

    Args:
        path: the output folder.
        kind: the manifest ``kind`` of the folder about to be written (``"run"``, ``"sweep"``,
            ``"report"``).

    Raises:
        OutputFolderError: naming the path and why it may not be replaced.
    """
    path = Path(path)
    try:
        if not os.path.lexists(path):
            return
        why = _why_not_replaceable(path, kind)
    except (OSError, ValueError) as err:
        raise OutputFolderError(f"{shown(str(path))}: cannot inspect it ({_reason(err)})") from None
    if why is not None:
        raise OutputFolderError(f"{shown(str(path))}: --overwrite refuses to replace it: {why}")


def check_output(path: str | Path, kind: str, *, overwrite: bool) -> None:
    """Check that a new ``kind`` folder may be written at ``path`` (see the module's rules).

    Raises:
        OutputFolderError: if ``path`` exists and ``overwrite`` is false, or may not be
            replaced (:func:`check_replaceable`).
    """
    path = Path(path)
    try:
        exists = os.path.lexists(path)
    except (OSError, ValueError) as err:
        raise OutputFolderError(f"{shown(str(path))}: cannot inspect it ({_reason(err)})") from None
    if not exists:
        return
    if overwrite:
        check_replaceable(path, kind)
        return
    try:
        why = _why_not_replaceable(path, kind)
    except OSError as err:
        why = _reason(err)
    hint = (
        "pass --overwrite to replace it"
        if why is None
        else f"--overwrite would not replace it either: {why}"
    )
    raise OutputFolderError(f"{shown(str(path))} already exists: choose another --out, or {hint}")


def _reason(err: BaseException) -> str:
    """The OS's reason for an error, on one line."""
    text = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    return " ".join(text.split()) or type(err).__name__


def _writing(err: OSError, tmp: Path | None) -> str:
    """`` (writing NAME)`` when the error names a file of the new folder, else nothing."""
    if tmp is None or not isinstance(err.filename, str) or Path(err.filename).parent != tmp:
        return ""
    return f" (writing {Path(err.filename).name})"


def _check_length(path: Path) -> None:
    """Raise the OS's "File name too long" before making any folder for a path that has one."""
    try:
        path_max = os.pathconf("/", "PC_PATH_MAX")
        name_max = os.pathconf("/", "PC_NAME_MAX")
    except (OSError, ValueError):
        path_max, name_max = 4096, 255
    if len(os.fsencode(path)) >= path_max or any(
        len(os.fsencode(part)) > name_max for part in path.parts
    ):
        raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), str(path))


def _make_parents(folder: Path, created: list[Path]) -> None:
    """Create ``folder`` and its missing ancestors, appending each one made to ``created``."""
    missing = []
    for p in (folder, *folder.parents):
        if os.path.lexists(p):
            break
        missing.append(p)
    for p in reversed(missing):
        try:
            p.mkdir()
        except FileExistsError:
            continue  # made by another process meanwhile
        created.append(p)


def _remove_empty(folders: list[Path]) -> None:
    for p in reversed(folders):
        with contextlib.suppress(OSError):
            p.rmdir()


class OutputFolder:
    """One writer's hold on an output folder, from :func:`output_folder`.

    Attributes:
        path: the folder, as given.
        kind: the manifest ``kind`` of the folder being written.
        overwrite: whether an existing folder may be replaced (by :func:`check_replaceable`).
    """

    def __init__(self, path: Path, kind: str, overwrite: bool) -> None:
        self.path, self.kind, self.overwrite = path, kind, overwrite
        self._abs = Path(os.path.abspath(path))

    def _late_check(self) -> None:
        """Check the rules again just before the new folder is moved into place."""
        if not self.overwrite and os.path.lexists(self._abs):
            raise OutputFolderError(
                f"{shown(str(self.path))} appeared while the results were being computed (another "
                "program wrote it): nothing was replaced; choose another --out"
            )
        if self.overwrite:
            check_replaceable(self.path, self.kind)

    @contextlib.contextmanager
    def write(self) -> Iterator[Path]:
        """Yield a hidden temporary folder to fill; move it to :attr:`path` at the end.

        On any error in the body or in the move, the temporary folder is removed and nothing
        at :attr:`path` changes.

        Raises:
            OutputFolderError: if the folder may no longer be written (it appeared meanwhile,
                or was replaced by something :func:`check_replaceable` refuses), or on an
                ``OSError`` while writing (naming the path and the OS's reason).
        """
        tmp: Path | None = None
        try:
            while tmp is None:
                candidate = hidden_sibling(self._abs, f"partial-{uuid.uuid4().hex[:8]}")
                with contextlib.suppress(FileExistsError):
                    candidate.mkdir()  # mode 0o777 minus the umask, like any new folder
                    tmp = candidate
            yield tmp
            self._late_check()
            self._swap(tmp)
        except OSError as err:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            raise OutputFolderError(
                f"cannot write {shown(str(self.path))}: {_reason(err)}"
                f"{_writing(err, tmp)}; nothing was written"
            ) from None
        except BaseException:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _swap(self, tmp: Path) -> None:
        """Move ``tmp`` to the folder's place; an old folder is renamed aside, then removed."""
        if not os.path.lexists(self._abs):
            os.rename(tmp, self._abs)
            return
        old = hidden_sibling(self._abs, f"old-{uuid.uuid4().hex[:8]}")
        os.rename(self._abs, old)
        try:
            os.rename(tmp, self._abs)
        except BaseException:
            os.rename(old, self._abs)
            raise
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def output_folder(
    path: str | Path, kind: str, *, overwrite: bool = False
) -> Iterator[OutputFolder]:
    """Claim an output folder: create its parent, lock it, check it (:func:`check_output`).

    Compute the results inside the ``with`` block, then write them with
    :meth:`OutputFolder.write`::

        with output_folder(out, "run", overwrite=overwrite) as folder:
            results = compute()
            with folder.write() as tmp:
                save(results, tmp)

    Args:
        path: the output folder.
        kind: the manifest ``kind`` of the folder being written (``"run"``).
        overwrite: replace an existing folder when :func:`check_replaceable` allows it.

    Raises:
        OutputFolderError: if the folder is the current folder or one of the protected
            ancestors, is being written by another process, exists (without ``overwrite``) or
            may not be replaced, or its parent cannot be created or written.
    """
    path = Path(path)
    try:
        absolute = Path(os.path.abspath(path))
        reason = _protected_reason(absolute)
    except (OSError, ValueError) as err:
        raise OutputFolderError(f"cannot write {shown(str(path))}: {_reason(err)}") from None
    if reason is not None:
        raise OutputFolderError(f"{shown(str(path))}: refusing to write results there: {reason}")
    created: list[Path] = []
    done = False
    with contextlib.ExitStack() as stack:
        # Runs last, after the lock file is gone: parent folders made for a failed write go.
        stack.callback(lambda: None if done else _remove_empty(created))
        try:
            _check_length(absolute)
            _make_parents(absolute.parent, created)
            with contextlib.suppress(FileNotFoundError):
                os.lstat(absolute)  # a name too long, a parent that is a file: fail now
            stack.enter_context(folder_lock(hidden_sibling(absolute, "lock"), path))
            recover(absolute)
        except OSError as err:
            raise OutputFolderError(f"cannot write {shown(str(path))}: {_reason(err)}") from None
        check_output(path, kind, overwrite=overwrite)
        yield OutputFolder(path, kind, overwrite)
        done = True
