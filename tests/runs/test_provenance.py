"""Provenance: the package versions a results folder records (sim.runs.provenance)."""

import importlib.metadata
from types import SimpleNamespace

import pytest

from sim.core.installed import installed_version
from sim.core.resources import checkout_root
from sim.runs import provenance


def test_each_version_is_the_one_importlib_metadata_gives() -> None:
    # the header read must agree with the standard lookup for every package recorded
    versions = provenance.package_versions()
    for name in provenance.PACKAGES:
        try:
            expected = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            expected = "not installed"
        assert versions[name] == expected, name
    assert versions["numpy"] != "not installed"  # a dependency: installed wherever sim runs


def test_a_version_outside_the_headers_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # "Version:" after the blank line is the description's text; the standard lookup answers
    text = "Metadata-Version: 2.1\nName: fake\n\nVersion: 9.9 (in the description)\n"
    fake = SimpleNamespace(read_text=lambda _: text, version="1.2")
    monkeypatch.setattr(importlib.metadata, "distribution", lambda _: fake)
    assert installed_version("fake") == "1.2"
    headed = SimpleNamespace(read_text=lambda _: "Name: fake\nVersion: 3.4.5\n\nbody", version="x")
    monkeypatch.setattr(importlib.metadata, "distribution", lambda _: headed)
    assert installed_version("fake") == "3.4.5"


def test_a_package_not_installed_is_recorded_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provenance, "PACKAGES", ("no-such-package-for-sim-tests",))
    provenance._versions.cache_clear()
    try:
        assert provenance.package_versions()["no-such-package-for-sim-tests"] == "not installed"
    finally:
        provenance._versions.cache_clear()


def test_git_is_asked_once_a_process_and_each_caller_gets_its_own_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a sweep writes its manifest twice; the code it runs is what it imported at the start
    calls = []
    real = provenance.subprocess.run
    monkeypatch.setattr(
        provenance.subprocess, "run", lambda *a, **k: calls.append(a[0]) or real(*a, **k)
    )
    provenance._revision.cache_clear()
    try:
        first = provenance.git_revision()
        first["commit"] = "changed by a caller"
        second = provenance.git_revision()
    finally:
        provenance._revision.cache_clear()
    assert second["commit"] != "changed by a caller"
    asked = 0 if checkout_root() is None else 2  # no checkout: an installed wheel, no git
    assert len(calls) == asked  # `git rev-parse HEAD` and `git status`, once each
