"""Safe outputs for ``sim run``: --overwrite, config names, one writer, atomic writes, folders.

Each refused case asserts exit code 2, a one-line ``error: ...`` without a traceback, and that
nothing on disk changed (a listing of the folder, with every file's bytes, before and after).
The CLI is called in-process; only the race between two writers uses real processes.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import sim.core.resources
import sim.runs.run
from sim.cli import main
from sim.core.config import load_scenario
from sim.core.resources import checkout_root
from sim.runs.outputs import OutputFolderError, check_replaceable, output_folder

HAGUE = str(sim.core.resources.configs_dir() / "hague.toml")
RUN_FILES = {
    "alliance.parquet",
    "members.parquet",
    "summary.json",
    "manifest.json",
    "figure.png",
    "figure.pdf",
}
"""What a run writes without --csv (sim/runs/run.py)."""
PLAIN = "a plain name: letters, digits, - and _"


def listing(root: Path) -> dict[str, str]:
    """Every entry under ``root`` (hidden ones too): folders, links and files with their bytes."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = "link -> " + os.readlink(path)
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def refused(capsys, args: list[str]) -> str:
    """Run the CLI, assert exit 2 and a one-line message without a traceback; return it."""
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def fake_run_folder(folder: Path, kind: str = "run", extra: tuple[str, ...] = ()) -> None:
    """A folder shaped like a run's (or another kind's), with its manifest listing its files."""
    folder.mkdir(parents=True)
    for name in ("summary.json", *extra):
        (folder / name).write_text("{}\n")
    (folder / "manifest.json").write_text(
        json.dumps({"kind": kind, "files": ["manifest.json", "summary.json"]})
    )


# --- 1. --overwrite replaces only an empty folder or a run's folder ---------------------------


def _thesis(tmp: Path) -> str:
    (tmp / "some" / "folder").mkdir(parents=True)
    (tmp / "some" / "folder" / "thesis.tex").write_text("\\chapter{Years of work}\n")
    return "some/folder"


def _file(tmp: Path) -> str:
    (tmp / "thesis.tex").write_text("\\chapter{Years of work}\n")
    return "thesis.tex"


def _sweep(tmp: Path) -> str:
    fake_run_folder(tmp / "sweep", kind="sweep")
    return "sweep"


def _run_plus(tmp: Path) -> str:
    fake_run_folder(tmp / "old-run", extra=("thesis.tex",))
    return "old-run"


def _link(tmp: Path) -> str:
    fake_run_folder(tmp / "real-run")
    (tmp / "link").symlink_to(tmp / "real-run")
    return "link"


def _home(tmp: Path) -> str:
    (tmp / "home" / "me").mkdir(parents=True)
    (tmp / "home" / "me" / "notes.txt").write_text("mine\n")
    return "home"


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda tmp: ".", "it is the current folder"),
        (lambda tmp: "work/..", "it is the current folder"),
        (lambda tmp: "..", "it is an ancestor of the current folder"),
        (_thesis, "holds files but no readable manifest.json"),
        (_file, "it is a file, not a results folder"),
        (_sweep, "its manifest.json is of kind 'sweep', not 'run'"),
        (_run_plus, "holds files its manifest.json does not list: thesis.tex"),
        (_link, "it is a symbolic link"),
        (_home, "it is an ancestor of the home folder"),
    ],
    ids=[
        "cwd",
        "cwd-spelled-otherwise",
        "parent-of-cwd",
        "foreign-folder",
        "file",
        "sweep-folder",
        "run-folder-with-foreign-file",
        "symlink",
        "home",
    ],
)
def test_overwrite_refuses_what_is_not_a_run_folder(tmp_path, monkeypatch, capsys, make, needle):
    (tmp_path / "keep").write_text("keep me\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home" / "me"))
    monkeypatch.chdir(tmp_path)
    out = make(tmp_path)
    (tmp_path / "work").mkdir(exist_ok=True)
    before = listing(tmp_path)
    message = refused(capsys, ["run", HAGUE, "--out", out, "--overwrite"])
    assert needle in message and out in message
    assert listing(tmp_path) == before


def test_overwrite_refuses_the_checkout(tmp_path, monkeypatch, capsys):
    root = checkout_root()
    if root is None:
        pytest.skip("an installed wheel has no checkout")
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(root))
    message = refused(capsys, ["run", HAGUE, "--out", str(root), "--overwrite"])
    assert "it is the source checkout" in message
    assert sorted(os.listdir(root)) == before


def test_without_overwrite_an_existing_folder_is_kept_and_the_message_says_why(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    _thesis(tmp_path)
    fake_run_folder(tmp_path / "old-run")
    before = listing(tmp_path)
    message = refused(capsys, ["run", HAGUE, "--out", "some/folder"])
    assert "already exists" in message and "--overwrite would not replace it either" in message
    message = refused(capsys, ["run", HAGUE, "--out", "old-run"])
    assert "already exists" in message and "pass --overwrite to replace it" in message
    assert listing(tmp_path) == before


def test_overwrite_replaces_an_empty_folder_and_a_run_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    assert main(["run", HAGUE, "--out", "empty", "--overwrite"]) == 0
    assert set(os.listdir(tmp_path / "empty")) == RUN_FILES
    assert main(["run", HAGUE, "--out", "empty", "--overwrite", "--seed", "9"]) == 0
    assert json.loads((tmp_path / "empty" / "manifest.json").read_text())["seed"] == 9
    # a new folder gets the usual permissions (not the 0700 of a private temporary folder)
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "empty").stat().st_mode & 0o777 == 0o777 & ~umask
    assert sorted(os.listdir(tmp_path)) == ["empty"]  # no lock, temporary or old folder left


def test_check_replaceable_is_one_rule_for_every_kind(tmp_path):
    fake_run_folder(tmp_path / "run")
    fake_run_folder(tmp_path / "sweep", kind="sweep")
    check_replaceable(tmp_path / "run", "run")
    check_replaceable(tmp_path / "sweep", "sweep")
    check_replaceable(tmp_path / "missing", "run")
    with pytest.raises(OutputFolderError, match="of kind 'run', not 'sweep'"):
        check_replaceable(tmp_path / "run", "sweep")
    with pytest.raises(OutputFolderError, match="of kind 'sweep', not 'run'"):
        check_replaceable(tmp_path / "sweep", "run")


# --- 2. a config's name is a plain name --------------------------------------------------------


@pytest.mark.parametrize(
    ("toml_name", "value"),
    [
        ('"../../../../elsewhere/ESCAPED"', "../../../../elsewhere/ESCAPED"),
        ('"VICTIM"', None),  # replaced by the absolute path of an existing file below
        ('"a\\u0000b"', "a\0b"),
        ('""', ""),
        ('"' + "x" * 101 + '"', "x" * 101),
        ('"with space"', "with space"),
        ('"dotted.name"', "dotted.name"),
        ("7", 7),
    ],
    ids=["relative-escape", "absolute", "nul", "empty", "too-long", "space", "dot", "not-text"],
)
def test_config_name_must_be_plain(tmp_path, monkeypatch, capsys, toml_name, value):
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "an" / "absolute" / "victim"
    victim.parent.mkdir(parents=True)
    victim.write_text("precious\n")
    if value is None:
        value = str(victim)
        toml_name = json.dumps(value)
    config = tmp_path / "mine.toml"
    config.write_text(f'name = {toml_name}\ninherits = "hague.toml"\n')
    before = listing(tmp_path)
    message = refused(capsys, ["run", str(config), "--overwrite"])
    assert f"{config}: key 'name' = {value!r}: expected {PLAIN}" in message
    assert listing(tmp_path) == before


def test_plain_names_and_file_stems(tmp_path, capsys):
    config = tmp_path / "mine.toml"
    config.write_text('name = "Hague_2035-b"\ninherits = "hague.toml"\n')
    assert load_scenario(config).name == "Hague_2035-b"
    config.write_text(f'name = "{"x" * 100}"\ninherits = "hague.toml"\n')  # 100: the limit
    assert load_scenario(config).name == "x" * 100
    dotted = tmp_path / "hague.v2.toml"  # no `name` key: the stem 'hague.v2' is the name
    dotted.write_text('inherits = "hague.toml"\n')
    message = refused(capsys, ["run", str(dotted)])
    assert f"key 'name' = 'hague.v2': expected {PLAIN}" in message
    assert "without a `name` key, the file's name gives it" in message


# --- 3. one writer per folder -----------------------------------------------------------------


def test_a_second_writer_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with output_folder("out", "run"):  # the other writer holds out's lock
        before = listing(tmp_path)
        for extra in ([], ["--overwrite"]):
            message = refused(capsys, ["run", HAGUE, "--out", "out", *extra])
            assert "out is being written by another process" in message
        assert listing(tmp_path) == before
    assert os.listdir(tmp_path) == []  # the holder removed its lock file


def test_a_folder_that_appears_while_simulating_is_not_replaced(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    real = sim.runs.run.simulate_scenario

    def simulate_while_someone_writes_out(scenario):
        result = real(scenario)
        _thesis(tmp_path)  # another program (not holding the lock) writes some/folder
        return result

    monkeypatch.setattr(sim.runs.run, "simulate_scenario", simulate_while_someone_writes_out)
    message = refused(capsys, ["run", HAGUE, "--out", "some/folder"])
    assert "some/folder appeared while the results were being computed" in message
    after = listing(tmp_path)
    assert after == {
        "some": "dir",
        "some/folder": "dir",
        "some/folder/thesis.tex": hashlib.sha256(b"\\chapter{Years of work}\n").hexdigest(),
    }
    (tmp_path / "some" / "folder" / "thesis.tex").unlink()
    (tmp_path / "some" / "folder").rmdir()
    message = refused(capsys, ["run", HAGUE, "--out", "some/folder", "--overwrite"])
    assert "--overwrite refuses to replace it: it holds files but no readable" in message
    assert listing(tmp_path) == after


def test_leftovers_of_a_killed_writer_are_cleared(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".out.lock").write_text("")  # a lock file whose process died
    (tmp_path / ".out.partial-0123abcd").mkdir()  # its half-written folder
    (tmp_path / ".out.partial-0123abcd" / "alliance.parquet").write_text("half")
    fake_run_folder(tmp_path / ".out.old-89abcdef")  # the old run it had moved aside
    (tmp_path / ".out2.partial-0123abcd").mkdir()  # another folder's: not ours to remove
    old_run = listing(tmp_path / ".out.old-89abcdef")
    # killed between its two renames: nothing at out, so the old run goes back in place
    message = refused(capsys, ["run", HAGUE, "--out", "out"])
    assert "out already exists: choose another --out, or pass --overwrite" in message
    assert sorted(os.listdir(tmp_path)) == [".out2.partial-0123abcd", "out"]
    assert listing(tmp_path / "out") == old_run
    fake_run_folder(tmp_path / ".out.old-89abcdef")  # an old folder beside a complete one
    assert main(["run", HAGUE, "--out", "out", "--overwrite"]) == 0
    assert sorted(os.listdir(tmp_path)) == [".out2.partial-0123abcd", "out"]
    assert set(os.listdir(tmp_path / "out")) == RUN_FILES


RACER = textwrap.dedent("""
    import contextlib, io, json, sys, time
    from pathlib import Path
    # imported before any round starts
    import sim.cli, sim.core.ensemble, sim.runs.figure, sim.runs.run
    sync, me, rounds = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    for r, args in enumerate(rounds):
        (sync / f"ready-{r}-{me}").touch()
        while not (sync / f"go-{r}").exists():
            time.sleep(0.001)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = sim.cli.main(args)
        result = {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}
        (sync / f"result-{r}-{me}.json").write_text(json.dumps(result))
""")
ROUNDS = [False, False, False, True]
"""Whether each round's two writers pass --overwrite (over an earlier run's folder)."""


@pytest.mark.slow
def test_two_processes_racing_for_one_folder(tmp_path):
    sync = tmp_path / "sync"
    sync.mkdir()
    outs = [tmp_path / f"round{r}" / "D" for r in range(len(ROUNDS))]
    for out, overwrite in zip(outs, ROUNDS, strict=True):
        if overwrite:
            fake_run_folder(out)
    racers = {}
    for seed in (1, 2):
        rounds = [
            ["run", HAGUE, "--seed", str(seed), "--out", str(out), "--json"]
            + (["--overwrite"] if overwrite else [])
            for out, overwrite in zip(outs, ROUNDS, strict=True)
        ]
        racers[seed] = subprocess.Popen(
            [sys.executable, "-c", RACER, str(sync), str(seed), json.dumps(rounds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    for r in range(len(ROUNDS)):
        deadline = time.monotonic() + 120
        while not all((sync / f"ready-{r}-{seed}").exists() for seed in racers):
            died = [p.communicate() for p in racers.values() if p.poll() is not None]
            assert not died and time.monotonic() < deadline, died
            time.sleep(0.005)
        (sync / f"go-{r}").touch()  # both writers start this round's run now
    for p in racers.values():
        assert p.wait(timeout=120) == 0, p.communicate()
    for r, out in enumerate(outs):
        results = {
            seed: json.loads((sync / f"result-{r}-{seed}.json").read_text()) for seed in racers
        }
        won = [seed for seed, res in results.items() if res["code"] == 0]
        lost = [res for res in results.values() if res["code"] != 0]
        assert len(won) == 1 and len(lost) == 1, results
        assert lost[0]["code"] == 2 and "Traceback" not in lost[0]["stderr"]
        assert lost[0]["stderr"].strip().splitlines() == [
            f"error: {out} is being written by another process (it holds the lock .D.lock): "
            "wait for it to finish or choose another --out"
        ]
        manifest = json.loads((out / "manifest.json").read_text())
        summary = json.loads((out / "summary.json").read_text())
        printed = json.loads(results[won[0]]["stdout"])
        assert manifest["seed"] == summary["seed"] == printed["seed"] == won[0]
        assert sorted(os.listdir(out)) == sorted(manifest["files"])  # complete
        assert os.listdir(out.parent) == ["D"]  # no lock file, temporary or old folder


# --- 4. atomic writes, and every OS error is one line with nothing left behind ------------------


def test_refused_paths_leave_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _file(tmp_path)
    cases = [
        (["--out", ""], "--out = '': expected an output folder path"),
        (["--out", "thesis.tex", "--overwrite"], "it is a file, not a results folder"),
        (["--out", "thesis.tex/run"], "cannot write thesis.tex/run: Not a directory"),
        (["--out", "a" * 5000], "File name too long"),
        (["--out", "deep/" + "a/" * 2500], "File name too long"),
        (["--out", "/proc/no-such-folder/run"], "cannot write /proc/no-such-folder/run: No such"),
    ]
    before = listing(tmp_path)
    for args, needle in cases:
        message = refused(capsys, ["run", HAGUE, *args])
        assert needle in message
        assert len(message) < 500  # a 5,000-character path is shortened in the message
        assert listing(tmp_path) == before, args


def _full_disk_mid_write(monkeypatch):
    real = sim.runs.run.run_figure

    def figure_then_disk_full(alliance, title, out_stem):
        real(alliance, title, out_stem)  # figure.png and figure.pdf written, then the disk fills
        out_stem.with_suffix(".svg").write_text("<svg")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out_stem) + ".svg")

    monkeypatch.setattr(sim.runs.run, "run_figure", figure_then_disk_full)


@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "overwrite-a-run"])
def test_full_disk_mid_write_leaves_nothing(tmp_path, monkeypatch, capsys, existing):
    monkeypatch.chdir(tmp_path)
    if existing:
        assert main(["run", HAGUE, "--out", "results/run", "--seed", "3"]) == 0
        capsys.readouterr()
    before = listing(tmp_path)
    _full_disk_mid_write(monkeypatch)
    message = refused(capsys, ["run", HAGUE, "--out", "results/run", "--overwrite"])
    assert message == (
        "error: cannot write results/run: No space left on device (writing "
        "figure.svg); nothing was written"
    )
    assert listing(tmp_path) == before  # not even the results/ folder made for this run


def test_a_failed_swap_restores_the_old_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", HAGUE, "--out", "run", "--seed", "3"]) == 0
    capsys.readouterr()
    before = listing(tmp_path)
    real_rename, calls = os.rename, []

    def rename(src, dst):
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) == 2:  # old folder moved aside; moving the new one in fails
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(src))
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    message = refused(capsys, ["run", HAGUE, "--out", "run", "--overwrite"])
    assert "cannot write run: Input/output error" in message
    assert calls[0][0] == "run" and calls[1][1] == "run" and calls[2][1] == "run"
    assert listing(tmp_path) == before


@pytest.fixture
def own_filesystem(tmp_path, request):
    """A folder on its own tmpfs (1 MiB unless parametrised) with a way to make it read-only.

    Yields the folder, a function taking ``"ro"`` or ``"rw"``, and the OS's reason for a refused
    write. As root the folder is a tmpfs, remounted read-only (root ignores permissions). A
    user who may not mount gets a plain folder made read-only by its permissions, unless the
    test needs the size limit (parametrised), which is then skipped.
    """
    folder = tmp_path / "fs"
    folder.mkdir()
    size = getattr(request, "param", None)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size or '1m'}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode == 0:

        def remount(mode: str) -> None:
            subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], check=True)

        yield folder, remount, os.strerror(errno.EROFS)
        subprocess.run(["umount", str(folder)], check=False)
        return
    if size is not None or os.geteuid() == 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()})")

    def chmod(mode: str) -> None:
        folder.chmod(0o555 if mode == "ro" else 0o755)

    yield folder, chmod, os.strerror(errno.EACCES)
    chmod("rw")


@pytest.mark.parametrize("own_filesystem", ["64k"], indirect=True)
def test_a_real_full_disk(own_filesystem, monkeypatch, capsys):
    folder, _, _ = own_filesystem  # 64 KiB: members.parquet alone is ~150 KB
    monkeypatch.chdir(folder)
    message = refused(capsys, ["run", HAGUE, "--out", "run"])
    assert message.startswith("error: cannot write run: ")
    assert "No space left on device" in message and message.endswith("nothing was written")
    assert listing(folder) == {}


def test_a_read_only_parent(own_filesystem, monkeypatch, capsys):
    folder, make, reason = own_filesystem
    monkeypatch.chdir(folder)
    make("ro")  # read-only from the start: refused before simulating
    monkeypatch.setattr(
        sim.runs.run, "simulate_scenario", lambda scenario: pytest.fail("simulated")
    )
    message = refused(capsys, ["run", HAGUE, "--out", "run"])
    assert message == f"error: cannot write run: {reason}"
    assert listing(folder) == {}


def test_a_parent_turning_read_only_while_simulating(own_filesystem, monkeypatch, capsys):
    folder, make, reason = own_filesystem
    monkeypatch.chdir(folder)
    real = sim.runs.run.simulate_scenario

    def simulate_then_read_only(scenario):
        result = real(scenario)
        make("ro")
        return result

    monkeypatch.setattr(sim.runs.run, "simulate_scenario", simulate_then_read_only)
    message = refused(capsys, ["run", HAGUE, "--out", "run"])
    assert message == f"error: cannot write run: {reason}; nothing was written"
    # no results and no temporary folder; the (empty, unlocked) lock file cannot be removed
    # from a read-only folder, and is reused by the next run (sim/runs/outputs.py)
    assert listing(folder) == {".run.lock": hashlib.sha256(b"").hexdigest()}
    make("rw")
    monkeypatch.setattr(sim.runs.run, "simulate_scenario", real)
    assert main(["run", HAGUE, "--out", "run"]) == 0  # takes the stale lock file, removes it
    assert sorted(os.listdir(folder)) == ["run"]


# --- 5. the default folder, and runs with --set ----------------------------------------------


def test_default_folder_and_set_overrides(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    titles = []
    real = sim.runs.run.run_figure

    def run_figure(alliance, title, out_stem):
        titles.append(title)
        return real(alliance, title, out_stem)

    monkeypatch.setattr(sim.runs.run, "run_figure", run_figure)
    assert main(["run", HAGUE]) == 0
    default = tmp_path / "results" / "hague-seed20250625"  # configs/hague.toml: name and seed
    assert set(os.listdir(default)) == RUN_FILES
    capsys.readouterr()
    before = listing(tmp_path)
    message = refused(capsys, ["run", HAGUE])
    assert message.startswith(f"error: {Path('results/hague-seed20250625')} already exists")
    assert listing(tmp_path) == before
    assert main(["run", HAGUE, "--set", "hegemon_pressure=0.9"]) == 0
    # sim/runs/run.py's rule: 8 hex digits of SHA-256 of the overrides' resolved values as JSON
    digest = hashlib.sha256(b'{"hegemon_pressure":0.9}').hexdigest()[:8]
    with_set = tmp_path / "results" / f"hague-seed20250625-set-{digest}"
    manifest = json.loads((with_set / "manifest.json").read_text())
    assert manifest["overrides"] == {"hegemon_pressure": 0.9}
    assert json.loads((default / "manifest.json").read_text())["overrides"] == {}
    assert titles == ["hague (seed 20250625)", "hague (seed 20250625)\n--set hegemon_pressure=0.9"]
    assert {k: v for k, v in listing(tmp_path).items() if "set-" not in k} == before
    # the same values spelled otherwise, in another order, name the same folder
    scenario = load_scenario(HAGUE, overrides={"rival_target_ratio": 12, "hegemon_pressure": 0.90})
    assert sim.runs.run.default_out(
        scenario, {"rival_target_ratio": 12, "hegemon_pressure": 0.90}
    ) == sim.runs.run.default_out(scenario, {"hegemon_pressure": 0.9, "rival_target_ratio": 12.0})
