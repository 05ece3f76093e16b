"""shortscience/lib is the bottom layer: it imports no app and nothing else of the project, not even lazily."""

import ast
from pathlib import Path

from django.conf import settings

LIB = settings.BASE_DIR / "shortscience" / "lib"


def project_packages() -> set[str]:
    """Every top-level package of this repository (the apps, the project package, tests, scripts)."""
    return {path.parent.name for path in settings.BASE_DIR.glob("*/__init__.py")}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path``, at module level or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append((node.lineno, "shortscience.lib." + (node.module or "")))
            else:
                found.append((node.lineno, node.module))
    return found


def test_shared_package_imports_no_app():
    local = project_packages()
    assert {"accounts", "papers", "summaries", "comments", "moderation", "shortscience"} <= local
    offending = [
        f"{path.relative_to(settings.BASE_DIR)}:{line} imports {module}"
        for path in sorted(LIB.rglob("*.py"))
        for line, module in imported_modules(path)
        if module.split(".")[0] in local
        and not (module == "shortscience.lib" or module.startswith("shortscience.lib."))
    ]
    assert offending == []


def test_the_check_sees_a_lazy_app_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from papers.models import Paper\n    return Paper\n", encoding="utf-8")
    assert (2, "papers.models") in imported_modules(module)
