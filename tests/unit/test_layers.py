"""The layers, from the floor up, and the one direction imports may run: down.

    domain/                  pure rules and events
    adapters/                persistence, messaging, runtime plumbing
    projections/             the read models
    services/application/    the application (commands, unit of work, auth, personal data)
    consumers/               faust agents
    services/workers/, api/, web/, seeds/, cli/    entry points (and seed data), in that order

A module may import its own layer and those below it. Every import counts, in a function
body or under TYPE_CHECKING too: each is a dependency someone has to carry.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "adapters", "projections", "consumers", "services")

# (dotted prefix, layer); the longest matching prefix places a module.
PLACES: tuple[tuple[str, str], ...] = (
    ("domain", "domain"),
    ("adapters", "adapters"),
    ("projections", "projections"),
    ("services.application", "application"),
    ("consumers", "consumers"),
    ("services.workers", "workers"),
    ("services.api", "api"),
    ("services.web", "web"),
    ("services.seeds", "seeds"),
    ("services.cli", "cli"),
)
RANK = {
    "domain": 0, "adapters": 1, "projections": 2, "application": 3, "consumers": 4,
    "workers": 5, "api": 6, "web": 6, "seeds": 7, "cli": 8,
}
ENTRY_POINTS = {"workers", "api", "web", "seeds", "cli"}

ALLOWED: dict[tuple[str, str], str] = {
    ("services.cli", "consumers.worker"): (
        "`lif worker` starts the faust worker: the command line is where every process starts,"
        " and it imports the worker only inside that subcommand"
    ),
}
"""Edges that break the rules on purpose, each with its reason."""


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> str | None:
    best = max((p for p in PLACES if _under(module, p[0])), key=lambda p: len(p[0]), default=None)
    return None if best is None else best[1]


def may_import(importer: str, imported: str) -> bool:
    """Down or sideways, never up; and nothing in services/ reaches into consumers/."""
    if imported == "consumers" and importer in ENTRY_POINTS:
        return False
    return RANK[imported] <= RANK[importer]


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def imports_of(module: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """Every module of ours that `module` imports, with the line."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield (full if full in known else base), node.lineno


def violations(edges: Iterable[tuple[str, str, str]]) -> list[str]:
    """`edges` are (importer, imported, where); the sentences for those the layers forbid."""
    found = []
    for importer, imported, where in edges:
        if imported.split(".")[0] not in PACKAGES:
            continue
        source, target = layer_of(importer), layer_of(imported)
        if source is None or target is None:
            continue
        if any(_under(importer, a) and _under(imported, b) for a, b in ALLOWED):
            continue
        if not may_import(source, target):
            found.append(f"{where}: {importer} ({source}) imports {imported} ({target})")
    return found


def _edges() -> list[tuple[str, str, str]]:
    found = list(modules())
    known = {m for m, _ in found}
    return [
        (module, imported, f"{path.relative_to(ROOT)}:{line}")
        for module, path in found
        for imported, line in imports_of(module, path, known)
    ]


def test_no_module_imports_a_layer_above_its_own() -> None:
    found = violations(_edges())
    assert not found, "imports that run up the layers:\n" + "\n".join(found)


def test_every_module_is_in_a_layer() -> None:
    unplaced = [m for m, _ in modules() if m != "services" and layer_of(m) is None]
    assert not unplaced, f"modules in no layer (place them under a layer's folder): {unplaced}"


def test_the_rules_catch_an_upward_import() -> None:
    edges = [
        ("domain.activity", "adapters.store", "a"),
        ("adapters.store", "projections.registry", "b"),
        ("projections.audit", "services.application.service", "c"),
        ("services.application.service", "services.api.app", "d"),
        ("services.api.app", "consumers.route_learning", "e"),
        ("consumers.app", "services.workers.relay", "f"),
        ("services.workers.relay", "services.cli", "g"),
        ("consumers.app", "services.application.service", "ok: down"),
        ("services.cli", "consumers.worker", "ok: allowed, with its reason"),
        ("services.cli", "services.seeds.demo", "ok: down"),
    ]
    assert [v.split(":")[0] for v in violations(edges)] == ["a", "b", "c", "d", "e", "f", "g"]


def test_imports_are_read_from_function_bodies_and_relative_forms(tmp_path: Path) -> None:
    module = tmp_path / "__init__.py"
    module.write_text("def f() -> None:\n    from ..api import app\n    import adapters.store\n")
    found = list(imports_of("services.application", module, {"services.api.app"}))
    assert found == [("services.api.app", 2), ("adapters.store", 3)]
