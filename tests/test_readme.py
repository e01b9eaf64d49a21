"""Every path the README and the docs name exists: a reader who follows them finds the file."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP = ("pipelines/", "tests/", "bench/", "docs/", "scripts/", "raw/", "deploy/", ".ci/")
# What a benchmark writes when it runs (git-ignored): named as where to look, not shipped.
WRITTEN_BY_RUNS = ("bench/results/",)


def named_paths(text: str) -> set[str]:
    """Paths in `code spans` and links, and the files of the README's package map."""
    found = set()
    for span in re.findall(r"`([^`\s]+)`", text) + re.findall(r"\]\(([^)\s#]+)\)", text):
        span = span.rstrip(".,:;")
        if span.startswith(TOP) and not span.startswith(WRITTEN_BY_RUNS) and not any(c in span for c in "*<>{}$"):
            found.add(span)
    # The package map: an indented tree under "pipelines/" in a code block.
    block = re.search(r"```\n(pipelines/\n.*?)```", text, re.S)
    if block:
        stack: list[tuple[int, str]] = []
        for line in block.group(1).splitlines():
            match = re.match(r"( *)([\w./-]+)", line)
            if not match:
                continue
            indent, name = len(match.group(1)), match.group(2)
            if not (name.endswith("/") or re.search(r"\.(py|sql|yaml|md)$", name)):
                continue
            while stack and stack[-1][0] >= indent:
                stack.pop()
            path = "".join(n for _i, n in stack) + name
            found.add(path)
            if name.endswith("/"):
                stack.append((indent, name))
    return found


def test_every_path_the_readme_and_docs_name_exists():
    missing = {}
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        gone = sorted(p for p in named_paths(doc.read_text(encoding="utf-8")) if not (ROOT / p).exists()
                      and not (doc.parent / p).exists())
        if gone:
            missing[doc.name] = gone
    assert missing == {}


def test_the_check_finds_a_missing_path():
    text = "See `pipelines/defs/ingest.py`.\n\n```\npipelines/\n  core/\n    nowhere.py   x\n```\n"
    assert {"pipelines/defs/ingest.py", "pipelines/core/nowhere.py"} <= named_paths(text)


def test_no_page_recommends_the_superseded_dagster_dev():
    """The pinned Dagster says `dagster dev` is superseded by `dg dev`, which has no release for
    it: the README, the docs and the code point at `archive ui` (code location bulletin_archive)."""
    found = []
    for path in [ROOT / "README.md", ROOT / "Makefile", *sorted((ROOT / "docs").glob("*.md")),
                 *sorted((ROOT / "pipelines").rglob("*.py"))]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            if re.search(r"dagster dev\b", line) and "superseded" not in " ".join(lines[number - 1:number + 1]):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
            if re.search(r"\.dagster/", line) and path.suffix == ".md":
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()} (the instance is beside the warehouse)")
    assert found == []
