"""The package is the pipeline: one subpackage per stage, each importing only from the stages
before it, no cycles, no private names across modules, and a map that names every module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tracer"

#: Stage of each top-level name: a module may import from its own stage and the ones before it.
RANK = {
    "errors": 0, "notation": 0, "numbers": 0,
    "functions": 1, "spec": 2, "derive": 3, "evaluate": 4, "report": 5, "homework": 6,
    "api": 7, "embed": 8, "sphinx": 8, "markdown_fence": 8, "cli": 9, "__main__": 9,
}  # fmt: skip


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = modules()


def imports(path: Path) -> list[tuple[ast.stmt, str, str | None, bool]]:
    """(node, imported module, imported name, at function level) for each tracer import, leaving
    out those under ``if TYPE_CHECKING:`` (annotations only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    guarded = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING"
        for n in ast.walk(block)
    }
    nested = {
        id(n)
        for fn in ast.walk(tree)
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
        for n in ast.walk(fn)
    }
    out = []
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("tracer"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                target = full if full in MODULES else node.module
                out.append((node, target, None if target == full else alias.name, id(node) in nested))
        elif isinstance(node, ast.Import):
            out += [
                (node, a.name, None, id(node) in nested) for a in node.names if a.name.startswith("tracer")
            ]
    return out


def stage(module: str) -> int:
    parts = module.split(".")
    return RANK[parts[1]] if len(parts) > 1 else 10


def test_every_module_belongs_to_a_stage() -> None:
    unknown = sorted(m for m in MODULES if m != "tracer" and m.split(".")[1] not in RANK)
    assert not unknown, f"modules outside every stage: {unknown}"


def test_no_import_points_back_up_the_pipeline() -> None:
    back = [
        f"{m} imports {target}"
        for m, path in MODULES.items()
        if m != "tracer"
        for _, target, _, _ in imports(path)
        if target != "tracer" and stage(target) > stage(m)
    ]
    assert not back, "\n".join(back)


def test_no_private_name_crosses_a_module() -> None:
    crossing = [
        f"{m} imports {target}.{name}"
        for m, path in MODULES.items()
        for _, target, name, _ in imports(path)
        if name and name.startswith("_") and not name.startswith("__")
    ]
    assert not crossing, "\n".join(crossing)


def test_no_import_cycle() -> None:
    graph = {
        m: {t for _, t, _, inner in imports(p) if not inner and t in MODULES} for m, p in MODULES.items()
    }
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join([*trail[trail.index(nxt) :], nxt]))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_function_level_imports_say_why() -> None:
    """A function-level import keeps SymPy (or another heavy library) off a quick path, and says so."""
    silent = []
    for m, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, target, _, inner in imports(path):
            if not inner:
                continue
            nearby = lines[node.lineno - 2 : node.end_lineno]
            if not any("#" in line for line in nearby) and not _block_says_why(lines, node.lineno):
                silent.append(f"{m}:{node.lineno} imports {target}")
    assert not silent, "\n".join(silent)


def _block_says_why(lines: list[str], lineno: int) -> bool:
    """The comment may stand on the first import of a run of imports."""
    k = lineno - 2
    while k >= 0 and lines[k].strip().startswith(("from tracer", "import ")):
        if "#" in lines[k]:
            return True
        k -= 1
    return k >= 0 and lines[k].strip().startswith("#")


def test_no_module_is_named_like_a_public_function() -> None:
    import tracer

    clash = [m for m in MODULES if m.count(".") == 1 and m.split(".")[-1] in tracer.__all__]
    assert not clash, clash


def test_each_package_docstring_and_the_docs_map_name_every_module() -> None:
    manual = (ROOT / "docs" / "manual" / "modules.md").read_text(encoding="utf-8")
    missing = []
    for m, path in MODULES.items():
        if path.name == "__init__.py" or m.count(".") < 1:
            continue
        leaf, parent = m.rsplit(".", 1)[1], m.rsplit(".", 1)[0]
        if m.count(".") >= 2:
            init = PACKAGE / Path(*parent.split(".")[1:]) / "__init__.py"
            doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
            if f"``{leaf}``" not in doc and f":mod:`.{leaf}`" not in doc:
                missing.append(f"{m} (docstring of {parent})")
        if f"`{m.removeprefix('tracer.')}`" not in manual and f"`{leaf}`" not in manual:
            missing.append(f"{m} (docs/manual/modules.md)")
    assert not missing, "\n".join(missing)


def loaded(code: str) -> list[str]:
    """Which of SymPy and NumPy a fresh interpreter has loaded after ``code``."""
    probe = f"import sys\n{code}\nprint(*sorted(m for m in ('sympy', 'numpy') if m in sys.modules))"
    return subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()


def test_import_tracer_loads_neither_sympy_nor_numpy() -> None:
    assert loaded("import tracer") == []
    assert loaded("import tracer; tracer.trace") == ["sympy"]  # the API, and SymPy, load on first use


def test_a_one_iteration_neuron_report_loads_no_numpy() -> None:
    """NumPy is for the fast path, the training section and the matrix view only."""
    assert loaded("import tracer; tracer.trace('sigmoid-222-bias').to_markdown()") == ["sympy"]
