"""The package's folders are layers, and imports only run downwards (see README, "The house").

engine (pure) <- corpus (disk, ingestion, the live snapshot) <- measure <- the shells (cli, discord_shell).
"""

from __future__ import annotations

import ast

import pytest

from tests.paths import ROOT

PACKAGE = ROOT / "bot"

#: For each layer, the layers its modules may import from (besides itself and the standard library).
ALLOWED = {
    "engine": set(),
    "corpus": {"engine"},
    "measure": {"engine", "corpus"},
    "discord_shell": {"engine", "corpus"},
    "cli": {"engine", "corpus", "measure", "discord_shell"},
}


def _imports(path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            if node.module == "bot":
                out += [(node.lineno, f"bot.{alias.name}") for alias in node.names]
    return out


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE)


def test_every_module_sits_in_a_layer():
    layers = {p.relative_to(PACKAGE).parts[0] for p in _modules()}
    assert layers == set(ALLOWED), "a new folder under bot/ needs its place in ALLOWED and the README"
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py"], f"modules outside a layer: {top}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_only_run_downwards(path):
    layer = path.relative_to(PACKAGE).parts[0]
    allowed = ALLOWED[layer] | {layer}
    wrong = []
    for line, name in _imports(path):
        parts = name.split(".")
        if parts[0] == "bot" and len(parts) > 1 and parts[1] in ALLOWED and parts[1] not in allowed:
            wrong.append(f"line {line}: {name}")
        if parts[0] == "discord" and layer != "discord_shell":
            wrong.append(f"line {line}: {name} (only the Discord shell imports discord.py)")
    assert not wrong, f"{path.relative_to(ROOT)} imports from a layer above it: {wrong}"
