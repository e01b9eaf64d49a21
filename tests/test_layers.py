"""The core's folders show the flow, and its imports go down the flow only.

    text  ←  read  ←  metadata  ←  store  ←  publish  ←  runtime        (models and config: everyone)

A stage may import the stages before it in this order (``read`` uses ``text`` to repair text
layers, ``store`` uses ``text`` to fold search terms and ``read`` to hash raw files), never a
later one, never ``runtime`` (except ``runtime`` itself), and never Dagster, the Dagster layer
(``pipelines.defs``), the reading room (``pipelines.review``) or the command line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "pipelines" / "core"
ORDER = ["text", "read", "metadata", "store", "publish", "runtime"]
SHARED = {"pipelines.core.models", "pipelines.config", "pipelines.core"}
FORBIDDEN = ("dagster", "dagster_", "pipelines.defs", "pipelines.cli", "pipelines.definitions", "pipelines.samples",
             "pipelines.review", "starlette", "uvicorn", "jinja2")


def imported_modules(source: str) -> set[str]:
    """Every module a source file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if node.module == "pipelines.core" or stage_of(node.module) and node.module.count(".") == 2:
                found |= {f"{node.module}.{alias.name}" for alias in node.names}  # a stage or one of its modules
    return found


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["pipelines", "core"] and len(parts) > 2 and parts[2] in ORDER:
        return parts[2]
    return None


def violations(stage: str, source: str) -> list[str]:
    problems = []
    for module in sorted(imported_modules(source)):
        if module.startswith(FORBIDDEN):
            problems.append(f"imports {module} (the core has no Dagster, defs, reading room or CLI)")
            continue
        if not module.startswith("pipelines") or module in SHARED:
            continue
        target = stage_of(module)
        if target is None:
            if module.startswith("pipelines.core."):
                problems.append(f"imports {module}, which belongs to no stage")
            continue
        if ORDER.index(target) > ORDER.index(stage):
            problems.append(f"imports {module}: {target} comes after {stage}")
    return problems


def test_the_core_is_one_folder_per_stage_and_nothing_is_left_loose():
    folders = sorted(p.name for p in CORE.iterdir() if p.is_dir() and not p.name.startswith("__"))
    assert folders == sorted(ORDER)
    loose = sorted(p.name for p in CORE.glob("*.py") if p.name not in {"__init__.py", "models.py"})
    assert loose == []
    for stage in ORDER:
        doc = ast.get_docstring(ast.parse((CORE / stage / "__init__.py").read_text(encoding="utf-8")))
        assert doc and ("In:" in doc or stage == "runtime"), f"{stage}/__init__.py says what comes in and goes out"


@pytest.mark.parametrize("stage", ORDER)
def test_imports_go_down_the_flow(stage):
    problems = {
        str(path.relative_to(CORE)): found
        for path in sorted((CORE / stage).rglob("*.py"))
        if (found := violations(stage, path.read_text(encoding="utf-8")))
    }
    assert problems == {}


def test_models_import_no_stage():
    assert [m for m in imported_modules((CORE / "models.py").read_text(encoding="utf-8")) if m.startswith("pipelines")] == []


@pytest.mark.parametrize("stage, source, complaint", [
    ("read", "import dagster as dg\n", "imports dagster"),
    ("metadata", "def f():\n    from dagster import asset\n", "imports dagster"),
    ("text", "from pipelines.core.read.pdf import render_page\n", "read comes after text"),
    ("metadata", "from pipelines.core.store import warehouse\n", "store comes after metadata"),
    ("store", "from pipelines.core.runtime.workers import run_isolated\n", "runtime comes after store"),
    ("store", "from pipelines.defs.resources import WarehouseResource\n", "imports pipelines.defs"),
    ("store", "from pipelines.review.app import create_app\n", "imports pipelines.review"),
    ("runtime", "def f():\n    import starlette\n", "imports starlette"),
    ("read", "from pipelines.core import runtime\n", "runtime comes after read"),
])
def test_the_check_catches_a_wrong_import(stage, source, complaint):
    assert any(complaint in problem for problem in violations(stage, source))


def test_the_check_lets_allowed_imports_through():
    allowed = ("from pipelines.core.text.quality import text_quality\nfrom pipelines.core.models import Page\n"
               "from pipelines.config import ReadOptions\nimport numpy\n")
    assert violations("read", allowed) == []


def test_the_reading_room_is_a_top_layer_that_neither_dagster_nor_the_core_imports():
    root = CORE.parent
    for path in [*CORE.rglob("*.py"), *(root / "defs").rglob("*.py"), root / "definitions.py"]:
        imported = imported_modules(path.read_text(encoding="utf-8"))
        assert not [m for m in imported if m.startswith("pipelines.review")], path
    review = set()
    for path in (root / "review").rglob("*.py"):
        review |= imported_modules(path.read_text(encoding="utf-8"))
    assert not [m for m in review if m.startswith(("dagster", "pipelines.defs", "pipelines.cli"))]
