"""Rules of the code's shape (issue "Architecture"): no import cycles among project modules,
no function longer than 60 lines, a small application factory."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("indexer", "web")
MAX_FUNCTION_LINES = 60
MAX_FACTORY_LINES = 40


def project_modules() -> dict[str, Path]:
    found = {"app": REPO / "app.py"}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules imported anywhere in the file (function-level imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found.update(n for n in names if n in modules)
    return found


def test_no_import_cycles():
    modules = project_modules()
    graph = {name: imports_of(path, modules) - {name} for name, path in modules.items()}
    # A package's __init__ being imported by its own submodules is not a cycle of logic.
    graph = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, "import cycle: " + " → ".join(path[path.index(module):] + [module])
        if module in done:
            return
        for dependency in sorted(graph[module]):
            visit(dependency, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def functions():
    for name, path in project_modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield name, node


def test_no_function_is_longer_than_60_lines():
    long = [f"{module}.{node.name}: {node.end_lineno - node.lineno + 1}"
            for module, node in functions() if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long


def test_the_application_factory_is_small():
    factory = next(node for module, node in functions()
                   if module == "app" and node.name == "create_app")
    assert factory.end_lineno - factory.lineno + 1 <= MAX_FACTORY_LINES


def test_importing_the_app_builds_no_app():
    source = (REPO / "app.py").read_text(encoding="utf-8")
    top_level = [n for n in ast.parse(source).body if isinstance(n, ast.Assign)]
    assert not any("create_app" in ast.unparse(n.value) for n in top_level)
