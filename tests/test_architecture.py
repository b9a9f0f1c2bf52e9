"""Import boundaries of the core (decision 0001), checked statically from every module's AST — imports inside
functions included, so a lazy import cannot hide a dependency.

The core is everything under src/madoguchi except the Django shell (``madoguchi.web``) and the entry points
(``madoguchi.cli``, ``madoguchi.bench``, ``madoguchi.__main__``), which may start Django. Of the entry
points, these import Django or ``madoguchi.web`` today: ``cli.web_commands``, ``cli.registry_commands``,
``cli.routing_commands`` (set Django up for serve/migrate, the registry import into the database and the
delivery worker) and ``bench.registry`` (search on the database); ``bench.forms``, ``bench.guide``,
``bench.load`` and the other ``cli`` modules do not.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "madoguchi"
SHELL_AND_ENTRY_POINTS = ("madoguchi.web", "madoguchi.cli", "madoguchi.bench", "madoguchi.__main__")
FORBIDDEN_IN_CORE = ("django", *SHELL_AND_ENTRY_POINTS)


@dataclass(frozen=True)
class Import:
    module: str  # the module imported, resolved: a module of ours when there is one, else the name as written
    path: Path
    line: int

    def where(self) -> str:
        return f"{self.path.relative_to(SRC.parent)}:{self.line}"


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def is_core(module: str) -> bool:
    return not _within(module, SHELL_AND_ENTRY_POINTS)


@cache
def modules() -> dict[str, tuple[Path, bool]]:
    """Dotted name → (file, is a package) for every module under src/madoguchi."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


def _ours(name: str) -> str | None:
    """The module of ours that importing ``name`` runs last (``madoguchi.card.errors.CardError`` → the
    module ``madoguchi.card.errors``), or None for another distribution's module."""
    while name:
        if name in modules():
            return name
        name = name.rpartition(".")[0]
    return None


@cache
def imports(module: str) -> tuple[Import, ...]:
    """Every import statement of a module, anywhere in it (module level, functions, try/except, if)."""
    path, is_package = modules()[module]
    package = module if is_package else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [Import(_ours(a.name) or a.name, path, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # ``from package import name``: the submodule ``package.name`` when there is one.
                target = _ours(f"{source}.{alias.name}") if f"{source}.{alias.name}" in modules() else None
                out.append(Import(target or _ours(source) or source, path, node.lineno))
    return tuple(out)


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def core_graph() -> dict[str, dict[str, Import]]:
    """Core module → {core module it imports: the first import statement}. Importing ``a.b.c`` runs the
    packages ``a`` and ``a.b`` first, so they count as imported too — except the importer's own parent
    packages, which are already being imported when it runs."""
    graph: dict[str, dict[str, Import]] = {}
    for module in modules():
        if not is_core(module):
            continue
        edges: dict[str, Import] = {}
        own = set(_parents(module))
        for imp in imports(module):
            if imp.module not in modules() or not is_core(imp.module):
                continue
            for target in [*_parents(imp.module), imp.module]:
                if target != module and target not in own and target in modules():
                    edges.setdefault(target, imp)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    """One cycle (``[a, b, …, a]``) for every strongly connected component with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan; the graph is a few hundred modules, recursion is fine
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)

    out = []
    for component in components:  # the shortest way back from the component's first module to itself
        members, start = set(component), component[0]
        paths = {start: [start]}
        queue = [start]
        while queue:
            v = queue.pop(0)
            for w in sorted(graph[v]):
                if w == start:
                    out.append([*paths[v], start])
                    queue = []
                    break
                if w in members and w not in paths:
                    paths[w] = [*paths[v], w]
                    queue.append(w)
    return out


def test_the_core_imports_neither_django_nor_the_web_shell_nor_an_entry_point():
    found = [
        f"{imp.where()}: {module} imports {imp.module}"
        for module in modules()
        if is_core(module)
        for imp in imports(module)
        if _within(imp.module, FORBIDDEN_IN_CORE)
    ]
    assert not found, "the core must stay pure Python (decision 0001):\n" + "\n".join(found)


def test_no_import_cycle_among_the_core_modules():
    graph = core_graph()
    found = []
    for cycle in cycles(graph):
        steps = [f"  {a} → {b} ({graph[a][b].where()})" for a, b in zip(cycle, cycle[1:], strict=False)]
        found.append(" → ".join(cycle) + "\n" + "\n".join(steps))
    assert not found, "import cycles in the core:\n" + "\n".join(found)


# --- the checker itself -----------------------------------------------------------------------------------


def test_imports_are_resolved_to_modules():
    transport = {i.module for i in imports("madoguchi.card.transport")}
    assert {"madoguchi.card.errors", "madoguchi.card.pcsc", "madoguchi.plugins"} <= transport  # relative
    renderers = {i.module for i in imports("madoguchi.shinseisho.renderers")}
    assert "madoguchi.pdf_fonts" in renderers  # ``from madoguchi import pdf_fonts``: the submodule
    assert (
        "madoguchi.shinseisho.render" in renderers
    )  # ``from madoguchi.shinseisho.render import render_bundle``
    cli = {i.module for i in imports("madoguchi.cli.web_commands")}
    assert "django" in cli or any(m.startswith("django.") for m in cli)  # function-level imports are seen
    assert "madoguchi.juki.records" in core_graph()["madoguchi.delivery.items"]
    assert "madoguchi.juki" in core_graph()["madoguchi.delivery.items"]  # its package runs first


def test_a_cycle_is_found_and_listed():
    def edge(n: int) -> Import:
        return Import("x", PACKAGE / "x.py", n)

    graph = {"a": {"b": edge(1)}, "b": {"c": edge(2)}, "c": {"a": edge(3), "d": edge(4)}, "d": {}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b": edge(1)}, "b": {}}) == []


def test_no_merge_conflict_markers_are_left_in_the_tree():
    """A merge that left ``<<<<<<<`` in a template shows on the clerk's screen; no file may hold one."""
    root = Path(__file__).resolve().parents[1]
    found = []
    for folder in ("src", "tests", "docs", "catalogs"):
        for path in (root / folder).rglob("*"):
            if path.suffix not in {".py", ".html", ".md", ".yaml", ".js", ".css", ".txt", ".po"}:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "=======":
                    found.append(f"{path.relative_to(root)}:{n}")
    assert not found, found


def _function_level_imports(module: str) -> list[tuple[int, str, bool]]:
    """(line, module imported, commented) for every import inside a function of ``module``."""
    path, _ = modules()[module]
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    out = []
    for fn in ast.walk(ast.parse(source, str(path))):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
                name = node.names[0].name if isinstance(node, ast.Import) else (node.module or "")
                here, before = lines[node.lineno - 1], lines[node.lineno - 2] if node.lineno > 1 else ""
                # a comment on the line, on the line before, or on the first import of the same group
                group = [lines[i] for i in range(max(0, node.lineno - 4), node.lineno)]
                commented = "#" in here or before.strip().startswith("#") or any("#" in g for g in group)
                out.append((node.lineno, name, commented))
    return out


def test_the_core_imports_its_own_modules_at_the_top_and_says_why_it_delays_another_library():
    """Issue #11: a lazy import of our own module hides a dependency (and a cycle); a lazy import of an optional
    or heavy library says why on its line."""
    ours, silent = [], []
    for module in modules():
        if not is_core(module):
            continue
        path, _ = modules()[module]
        for line, name, commented in _function_level_imports(module):
            where = f"{path.relative_to(SRC.parent)}:{line} {name}"
            if _within(name, ("madoguchi",)):
                ours.append(where)
            elif not commented:
                silent.append(where)
    assert not ours, "import these at the top of the module:\n" + "\n".join(ours)
    assert not silent, "say why this import waits until the function runs:\n" + "\n".join(silent)
