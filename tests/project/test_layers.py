"""Imports only go down the layers (README, "Architecture"); a lazy import inside a function counts too.

    shortscience.lib < jobs < accounts < papers < summaries < comments < moderation < digest < discovery, members < api

``shortscience.lib`` imports no app at all; the project package (settings, URLconf, demo data) sits on top and
may import anything. Migrations are history and are not checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RANKS = {
    "lib": 0,
    "jobs": 0.5,
    "accounts": 1,
    "papers": 2,
    "summaries": 3,
    "comments": 4,
    "moderation": 5,
    "discovery": 6,
    "members": 6,
    "digest": 5.5,
    "api": 7,
    "project": 8,
}
APPS = [name for name in RANKS if name not in {"lib", "project"}]


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name, or None for code outside the project (Django, allauth, …)."""
    parts = module.split(".")
    if parts[0] == "shortscience":
        return "lib" if len(parts) > 1 and parts[1] == "lib" else "project"
    return parts[0] if parts[0] in RANKS else None


def imports_of(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function?) for every import statement of a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:  # relative: resolve against this file's package
                    base = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    module = ".".join([*base, child.module] if child.module else base)
                else:
                    module = child.module or ""
                found.append((module, child.lineno, in_function))
            visit(child, nested)

    visit(tree, False)
    return found


def violations(root: Path = ROOT) -> list[str]:
    problems = []
    for directory in [*APPS, "shortscience"]:
        for path in sorted((root / directory).rglob("*.py")):
            relative = path.relative_to(root)
            if "migrations" in relative.parts:
                continue
            here = layer_of(".".join(relative.with_suffix("").parts))
            for module, line, in_function in imports_of(path):
                there = layer_of(module)
                if there is None or there == here or here == "project":
                    continue
                if RANKS[there] >= RANKS[here] or here == "lib":
                    where = "inside a function" if in_function else "at module level"
                    problems.append(f"{relative}:{line}: {here} imports {module} ({there}) {where}")
    return problems


def test_imports_only_go_down_the_layers():
    problems = violations()
    assert not problems, "Upward or sideways imports:\n" + "\n".join(problems)


def test_the_check_catches_an_upward_import_even_inside_a_function(tmp_path):
    (tmp_path / "papers").mkdir()
    (tmp_path / "summaries").mkdir()
    (tmp_path / "papers" / "models.py").write_text("def f():\n    from summaries.models import Summary\n")
    (tmp_path / "summaries" / "models.py").write_text("from papers.models import Paper\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        problems = violations(tmp_path)
    finally:
        ROOT = saved
    assert problems == ["papers/models.py:2: papers imports summaries.models (summaries) inside a function"]
