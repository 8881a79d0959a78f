"""The step compiled ahead of time (issue 13): a library that runs a batch without numba, with
the same bits, used only for the argument types it was compiled for (sim.core.dynamics.native)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import NamedTuple

import numpy as np
import pytest

from sim.core.dynamics import native


class Pair(NamedTuple):
    a: np.ndarray
    b: int


class OtherPair(NamedTuple):
    a: np.ndarray
    b: int


def _values() -> list:
    """Arguments that numba types differently from one another (or, for some, alike)."""
    c = np.zeros((3, 4))
    readonly = np.zeros((3, 4))
    readonly.flags.writeable = False
    return [
        c,
        np.zeros((5, 4)),  # another shape, the same type
        np.asfortranarray(c),
        c[:, ::2],  # neither C nor F: any layout
        readonly,
        np.zeros((3, 4), dtype=np.float32),
        np.zeros((3, 4), dtype=np.int64),
        np.zeros(3),
        np.zeros((2, 3, 4)),
        np.zeros(0),
        1,
        2**40,
        True,
        1.5,
        None,
        (c, 1),
        (c, 1.0),
        Pair(c, 1),
        OtherPair(c, 1),
    ]


def test_a_signature_key_is_equal_exactly_when_numbas_type_is():
    # numba's own typeof is the reference: the library is called only for arguments whose key is
    # the key of arguments it was compiled for, so a key must never join two types numba parts
    from numba import typeof

    values = _values()
    for x in values:
        for y in values:
            same_key = native.signature_key(x) == native.signature_key(y)
            assert same_key == (typeof(x) == typeof(y)), (typeof(x), typeof(y))


def test_a_value_without_a_key_raises_and_the_entry_is_then_numbas():
    with pytest.raises(TypeError, match="no signature key for str"):
        native.signature_key("text")
    assert native.entry("run", ("text",)) is None


def test_the_library_is_off_when_asked_or_when_numba_compiles_nothing(monkeypatch):
    monkeypatch.setenv(native.ENV, "0")
    assert not native.enabled()
    monkeypatch.setenv(native.ENV, "1")
    monkeypatch.setenv("NUMBA_DISABLE_JIT", "1")
    assert not native.enabled()
    monkeypatch.delenv("NUMBA_DISABLE_JIT")
    assert native.enabled()


def test_the_librarys_name_changes_with_the_cpu(monkeypatch):
    before = native._digest("step")
    monkeypatch.setattr(native, "cpu_key", lambda: "another CPU")
    assert native._digest("step") != before


SNIPPET = """
import hashlib, sys
import sim
p = sim.load_scenario("hague").params
t = sim.simulate([p] * 40, list(range(40)))
m = sim.simulate([p] * 3, [7, 8, 9], keep_members=True)
bits = t.alliance.tobytes() + m.members.tobytes()
print("numba" in sys.modules, hashlib.sha256(bits).hexdigest())
"""


def _child(**env: str) -> tuple[bool, str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SNIPPET)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    imported, digest = done.stdout.split()
    return imported == "True", digest


@pytest.mark.slow
def test_a_process_with_the_library_imports_no_numba_and_gets_numbas_bits(native_library):
    assert native_library.exists() and native.types_path(native_library).exists()
    with_library, bits = _child()
    through_numba, numba_bits = _child(**{native.ENV: "0"})
    assert not with_library  # neither compiled nor loaded numba's code: the library ran it all
    assert through_numba
    assert bits == numba_bits  # alliance and member series, byte for byte


def test_arguments_of_other_types_go_through_numba(native_library):
    from sim.core import normal_streams

    loaded = native.entry(
        "fill", (np.zeros(2, dtype=np.int64), np.empty((2, 3, 4)), np.empty((2, 3)))
    )
    assert loaded is not None  # the shocks' types, as compiled
    fortran = np.asfortranarray(np.empty((2, 3)))
    assert native.entry("fill", (np.zeros(2, dtype=np.int64), np.empty((2, 3, 4)), fortran)) is None
    # the library's shocks (these arguments' types are those compiled) are numpy's own numbers
    member, rival = normal_streams.normal_streams([5, 6], 4, 3)
    expected = np.random.Generator(np.random.PCG64(np.random.SeedSequence(5, spawn_key=(1,))))
    assert rival[0].tolist() == expected.standard_normal(4).tolist()


def test_a_library_without_its_list_of_types_or_that_does_not_load_is_not_used(tmp_path, capsys):
    # the list is written last: a library without it may be half-copied
    lib = tmp_path / "sim_native_x.so"
    lib.write_bytes(b"not a library")
    assert native._load(lib, "sim_native_x") is None
    assert capsys.readouterr().err == ""  # not even tried
    native.types_path(lib).write_text(json.dumps({"run": {}}))
    assert native._load(lib, "sim_native_x") is None  # there, listed, damaged: said, not used
    said = capsys.readouterr().err
    assert f"the step compiled ahead of time, {lib}, does not load" in said
    assert "python -m sim compile --force" in said
    lib.unlink()
    assert native._load(lib, "sim_native_x") is None


def test_compile_without_a_c_compiler_fails_clearly_and_writes_nothing(tmp_path):
    cache = tmp_path / "kernels"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "compile"],
        env={**os.environ, "SIM_KERNEL_CACHE": str(cache), "CC": "no-such-compiler-for-sim"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "no C compiler: 'no-such-compiler-for-sim' is not on the PATH (set CC)" in done.stderr
    assert "still work" in done.stderr
    assert not list(cache.glob("sim_native_*")) and not list(cache.glob(".build-*"))


def test_compile_says_where_the_library_is_and_builds_it_once(native_library, capsys):
    from sim.cli import main

    assert main(["compile"]) == 0
    assert capsys.readouterr().out.strip() == f"already compiled: {native_library}"


def _longest_pause_and_call(function, args) -> tuple[float, float]:
    """The longest this thread went without running while ``function(*args)`` ran in another
    thread, and how long that call took (seconds)."""
    import threading
    import time

    worker = threading.Thread(target=function, args=args)
    start = last = time.perf_counter()
    pause = 0.0
    worker.start()
    while worker.is_alive():
        now = time.perf_counter()
        pause, last = max(pause, now - last), now
    worker.join()
    return pause, time.perf_counter() - start


def test_the_library_releases_the_gil_while_it_runs(native_library):
    # as numba's nogil=True: a Dask worker's event loop (heartbeats, its next task) keeps running
    # while its chunk computes. Had the call held the GIL, this thread would have paused for the
    # whole call (the library built without it: 0.179 s of a 0.185 s call); released, it pauses
    # only as long as the operating system deschedules it (0.004 s of 0.173)
    runs = 20_000
    args = (np.arange(runs, dtype=np.int64), np.empty((runs, 43, 32)), np.empty((runs, 43)))
    fill = native.entry("fill", args)
    assert fill is not None
    pause, call = _longest_pause_and_call(fill, args)
    assert pause < 0.5 * call, (pause, call)
