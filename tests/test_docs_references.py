"""Every file the docs cite exists in the project (issue 10: self-contained docs).

The docs, configs, data notes and docstrings cite other files: Markdown links such as
``[ODD.md](ODD.md)`` and plain mentions such as ``docs/THEORY.md §3.1``. This module checks,
without running the model, that

* every relative Markdown link resolves to a file next to the citing file (and, for a link into a
  Markdown file with a ``#fragment``, that the target has a heading with that anchor);
* every mentioned ``*.md`` file exists: at the stated path relative to the project root or to
  the citing file, or, for a bare file name, somewhere in the project;
* nothing points at the shared folder outside the project, which the project never reads.

Scanned: README.md, docs/*.md, experiments/**/README.md and *.toml, configs/**/*.toml,
configs/sweeps/README.md, the notes of seeds/*.csv and configs/data/*.csv, seeds/SOURCES.md,
and the docstrings and comments of sim/**/*.py, experiments/**/*.py and tests/**/*.py (this
file excepted: its examples are broken on purpose). Generated and local folders (results/,
.venv/, .git/, build/, dist/, ...) are neither scanned nor count as the project.
"""

import ast
import io
import os
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THIS = Path(__file__).resolve()
SKIP_DIRS = {
    ".git",
    ".venv",
    "results",
    "build",
    "dist",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "node_modules",
    "artifacts",
}
OUTSIDE = ("../" + "shared", "/work/" + "shared")  # split so that this file does not match

LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"  # [text], one level of nested brackets allowed
    r"\(\s*<?([^()\s<>]*)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)"  # (target "optional title")
)
MENTION = re.compile(r"(?<![\w/.\-])((?:[\w.\-]+/)*[\w\-][\w.\-]*\.md)(?![\w/])")
FENCE = re.compile(r"^ {0,3}(```|~~~)")
HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=[\"']([^\"']+)[\"']")
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")  # http:, https:, mailto:, ...


@dataclass(frozen=True)
class Problem:
    """One reference that does not resolve inside the project."""

    path: Path
    line: int
    ref: str
    kind: str  # "link", "anchor", "mention" or "outside"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.ref}"


def _skipped(name: str) -> bool:
    return name in SKIP_DIRS or name.endswith(".egg-info")


def project_files(root: Path) -> Iterator[Path]:
    """Every file of the project (the working tree without generated and local folders)."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _skipped(d))
        for name in sorted(files):
            yield Path(folder) / name


def scanned_files(root: Path) -> list[Path]:
    """The files whose references are checked (see the module docstring)."""
    out = []
    for path in project_files(root):
        rel = path.relative_to(root).as_posix()
        top = rel.split("/", 1)[0]
        if path.resolve() == THIS:
            continue
        if (
            rel in ("README.md", "seeds/SOURCES.md")
            or re.fullmatch(r"docs/[^/]+\.md", rel)
            or (top == "experiments" and path.name == "README.md")
            or (top in ("configs", "experiments") and path.suffix == ".toml")
            or re.fullmatch(r"(seeds|configs/data)/[^/]+\.csv", rel)
            or (top in ("sim", "experiments", "tests") and path.suffix == ".py")
        ):
            out.append(path)
    return out


def _blank(text: str) -> str:
    """Spaces for every character but newlines, so that offsets and line numbers stay put."""
    return re.sub(r"[^\n]", " ", text)


def _unfenced(text: str) -> str:
    """The text with fenced code blocks (fences included) blanked out."""
    lines, fenced = [], False
    for line in text.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
            lines.append(_blank(line))
        else:
            lines.append(_blank(line) if fenced else line)
    return "\n".join(lines)


def _markdown_prose(text: str) -> str:
    """The text with code blocks and inline code spans blanked out (no links there)."""
    return re.sub(r"`[^`\n]*`", lambda m: _blank(m.group(0)), _unfenced(text))


def python_notes(source: str) -> Iterator[tuple[int, str]]:
    """(first line, text) of every docstring (any string statement) and comment of a module."""
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            yield node.lineno, node.value.value
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            yield tok.start[0], tok.string


def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading (without the -1, -2 of repeated headings)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors a Markdown file defines: its headings' (numbered when repeated), HTML ones."""
    seen: dict[str, int] = {}
    out = set()
    text = path.read_text(encoding="utf-8")
    for line in _unfenced(text).split("\n"):
        m = HEADING.match(line)
        if m:
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    out.update(HTML_ANCHOR.findall(text))
    return out


def _line(text: str, offset: int, first: int = 1) -> int:
    return first + text.count("\n", 0, offset)


def _links(path: Path, prose: str) -> Iterator[Problem]:
    for m in LINK.finditer(prose):
        target = m.group(1)
        if not target or target.startswith("#") or EXTERNAL.match(target):
            continue
        file, _, fragment = target.partition("#")
        dest = (path.parent / file).resolve()
        line = _line(prose, m.start())
        if not dest.exists():
            yield Problem(path, line, target, "link")
        elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
            yield Problem(path, line, target, "anchor")


def _mentions(path: Path, root: Path, names: set[str], text: str, first: int) -> Iterator[Problem]:
    for m in MENTION.finditer(text):
        ref = m.group(1)
        if "/" in ref:
            found = (root / ref).exists() or (path.parent / ref).exists()
        else:
            found = ref in names or (path.parent / ref).exists()
        if not found:
            yield Problem(path, _line(text, m.start(), first), ref, "mention")


def _outside(path: Path, text: str, first: int = 1) -> Iterator[Problem]:
    for needle in OUTSIDE:
        for m in re.finditer(re.escape(needle), text):
            yield Problem(path, _line(text, m.start(), first), needle, "outside")


def check(root: Path, files: list[Path] | None = None) -> list[Problem]:
    """Every unresolved reference in ``files`` (default: :func:`scanned_files`) under ``root``."""
    root = root.resolve()
    names = {p.name for p in project_files(root) if p.suffix == ".md"}
    problems: list[Problem] = []
    for path in scanned_files(root) if files is None else files:
        text = path.read_text(encoding="utf-8")
        rel = path.resolve().relative_to(root)
        found: list[Problem] = list(_outside(path, text))
        if path.suffix == ".py":
            for first, note in python_notes(text):
                found += _mentions(path, root, names, note, first)
        elif path.suffix == ".md":
            prose = _markdown_prose(text)
            found += _links(path, prose)
            # link targets are checked above; blank them so a broken one is reported once
            body = list(text)
            for m in LINK.finditer(prose):
                body[m.start(1) : m.end(1)] = _blank(m.group(1))
            found += _mentions(path, root, names, "".join(body), 1)
        else:
            found += _mentions(path, root, names, text, 1)
        problems += [Problem(rel, p.line, p.ref, p.kind) for p in found]
    return problems


@cache
def project_problems() -> tuple[Problem, ...]:
    return tuple(check(ROOT))


def _report(kinds: set[str]) -> list[str]:
    problems = [str(p) for p in project_problems() if p.kind in kinds]
    for p in problems:
        print(p)
    return problems


def test_markdown_links_resolve():
    problems = _report({"link", "anchor"})
    assert not problems, "links to files or anchors that do not exist:\n" + "\n".join(problems)


def test_mentioned_markdown_files_exist():
    problems = _report({"mention"})
    assert not problems, "mentions of .md files not in the project:\n" + "\n".join(problems)


def test_nothing_points_outside_the_project():
    problems = _report({"outside"})
    assert not problems, "references outside the project:\n" + "\n".join(problems)


def test_the_scan_covers_the_docs_and_the_code():
    scanned = {p.relative_to(ROOT).as_posix() for p in scanned_files(ROOT)}
    for rel in (
        "README.md",
        "docs/THEORY.md",
        "docs/ODD.md",
        "seeds/SOURCES.md",
        "sim/core/params.py",
    ):
        assert rel in scanned
    assert not any(s.startswith(("results/", ".venv/", "build/", "dist/")) for s in scanned)
    assert "tests/test_docs_references.py" not in scanned
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/ODD.md" in LINK.findall(readme)
    notes = " ".join(
        text for _, text in python_notes((ROOT / "sim/validation/docking.py").read_text())
    )
    assert "docs/THEORY.md" in MENTION.findall(notes)


# --- the checker itself: each kind of problem is reported --------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "GOOD.md").write_text("# Title\n\n## 2.1 The model\n\ntext\n")
    (tmp_path / "README.md").write_text("See [the notes](docs/GOOD.md#21-the-model).\n")
    return tmp_path


def _kinds(root: Path) -> list[tuple[str, str, int]]:
    return [(p.kind, p.ref, p.line) for p in check(root)]


def test_checker_passes_a_clean_tree(tree):
    assert _kinds(tree) == []


def test_checker_reports_a_broken_link(tree):
    (tree / "docs" / "BAD.md").write_text("# Bad\n\nIntro.\nSee [there](missing/FILE.md#x).\n")
    assert ("link", "missing/FILE.md#x", 4) in _kinds(tree)


def test_checker_reports_a_missing_anchor(tree):
    (tree / "docs" / "BAD.md").write_text("See [it](GOOD.md#3-no-such-section).\n")
    assert _kinds(tree) == [("anchor", "GOOD.md#3-no-such-section", 1)]


def test_checker_ignores_external_links_anchors_and_code(tree):
    (tree / "docs" / "OK.md").write_text(
        "[a](https://example.org/x.md) [b](mailto:x@example.org) [c](#local)\n"
        "`[d](nowhere.md)`\n```\n[e](nowhere.md)\n```\n"
    )
    assert _kinds(tree) == [("mention", "nowhere.md", 2), ("mention", "nowhere.md", 4)]


def test_checker_reports_mentions_of_missing_files(tree):
    (tree / "docs" / "BAD.md").write_text("As in `GOOD.md` and docs/GOOD.md, not THEORY.md §3.\n")
    (tree / "configs").mkdir()
    (tree / "configs" / "x.toml").write_text("a = 1  # see docs/NOTES.md §2\n")
    assert sorted(_kinds(tree)) == [("mention", "THEORY.md", 1), ("mention", "docs/NOTES.md", 1)]


def test_checker_reads_docstrings_and_comments_not_code(tree):
    (tree / "sim").mkdir()
    (tree / "sim" / "m.py").write_text(
        '"""Module.\n\nSee DESIGN.md.\n"""\n\nNAME = "README_OUT.md"  # and STYLE.md\n'
    )
    assert sorted(_kinds(tree)) == [("mention", "DESIGN.md", 3), ("mention", "STYLE.md", 6)]


def test_checker_reports_the_shared_folder(tree):
    (tree / "docs" / "BAD.md").write_text(f"Read {OUTSIDE[0]}/NOTES.md and {OUTSIDE[1]}.\n")
    kinds = _kinds(tree)
    assert ("outside", OUTSIDE[0], 1) in kinds and ("outside", OUTSIDE[1], 1) in kinds


def test_slug_matches_github():
    assert slug("6. Validation targets") == "6-validation-targets"
    assert slug("4.3 Western production ramp-up and factory lead times") == (
        "43-western-production-ramp-up-and-factory-lead-times"
    )
    assert slug("1. Richardson docking (targets 1-4)") == "1-richardson-docking-targets-1-4"
    assert slug("2. Entities, `state` variables") == "2-entities-state-variables"


def test_the_quoted_2035_headlines_are_the_committed_ones():
    # README.md and the study's README quote experiments/headlines/output/headlines.md (made by
    # experiments/headlines/run.py --in-place): every row, as written there
    table = (ROOT / "experiments" / "headlines" / "output" / "headlines.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert len(rows) == 7  # the header and six scenarios
    for doc in ("README.md", "experiments/headlines/README.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        missing = [row for row in rows if row not in text]
        assert not missing, f"{doc} does not quote: {missing}"
