"""Imports go one way: workers → producer_discovery, never back (house style)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "producer_discovery"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_library_never_imports_the_stages() -> None:
    """No module of producer_discovery imports the workers package."""
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(name for name in imported_modules(path)
                                               if name == "workers" or name.startswith("workers."))
        for path in PACKAGE.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_library_never_imports_the_tests() -> None:
    """Production code does not depend on test helpers."""
    offenders = [str(path) for path in PACKAGE.rglob("*.py")
                 if any(name.startswith("tests") for name in imported_modules(path))]
    assert offenders == []
