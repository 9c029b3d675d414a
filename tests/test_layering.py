"""Architecture rules that keep the code easy to change."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_bot_never_imports_syndication():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "bot").rglob("*.py")
        for name in _imports(path)
        if name == "syndication" or name.startswith("syndication.")
    ]
    assert offenders == []


def test_signatures_are_compared_in_constant_time():
    """No '==' or '!=' on a signature anywhere in bot/ (hmac.compare_digest only)."""
    for path in (ROOT / "bot").rglob("*.py"):
        for line in path.read_text("utf-8").splitlines():
            code = line.split("#")[0]
            assert not ("signature" in code and ("==" in code or "!=" in code)), (
                f"{path.name}: {line.strip()}"
            )


def test_entities_are_never_enabled():
    for path in list((ROOT / "bot").rglob("*.py")) + list((ROOT / "syndication").rglob("*.py")):
        text = path.read_text("utf-8")
        assert "disable_entities=False" not in text and "resolve_entities=True" not in text, path
