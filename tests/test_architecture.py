"""The house with floors (issue 20): symrf's own imports, read from its source.

Every ``import`` of a symrf module is counted, at module level or inside a function; those
under ``if TYPE_CHECKING:`` never run and are left out. The laws: no import cycle among
symrf's modules; each floor imports only the floors below it (the order of
docs/explanation/architecture.md, which this test reads, and of the import-linter contract
in pyproject.toml); a function imports a symrf module only where that module loads an
optional framework; the top level holds only floors and faces.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "symrf"
PAGE = ROOT / "docs" / "explanation" / "architecture.md"

LAZY = {"symrf.sources.importers.onnx", "symrf.effective.paths"}
"""Modules a function may import: they load numpy at import, which ``import symrf`` must not."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _resolve(name: str) -> str:
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _type_checking(tree: ast.Module) -> set[int]:
    hidden: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden |= {id(inner) for inner in ast.walk(node)}
    return hidden


def imports(module: str) -> list[tuple[str, int, bool]]:
    """``(imported module, line, inside a function)`` for each symrf import of ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    hidden = _type_checking(tree)
    top = {id(node) for node in tree.body}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        for target in targets:
            if target.split(".")[0] == "symrf" and _resolve(target) != module:
                found.append((_resolve(target), node.lineno, id(node) not in top))
    return found


GRAPH = {module: imports(module) for module in MODULES}


def floors() -> list[list[str]]:
    """The floors from the top down, as the architecture page lists them."""
    text = PAGE.read_text()
    table = re.search(r"<!-- floors -->\n(.*?)<!-- /floors -->", text, re.S)
    assert table, f"{PAGE} has no <!-- floors --> table"
    rows = [line.split("|")[1].strip() for line in table.group(1).splitlines()
            if line.startswith("| `")]
    return [[name.strip("` ") for name in row.split(",")] for row in rows]


FACES = {"cli", "markdown"}
"""Faces below the package face: they may import it (``symrf.__version__``)."""


def floor(module: str) -> str:
    parts = module.split(".")
    return "symrf" if len(parts) == 1 else parts[1]


def test_no_module_imports_a_module_that_imports_it_back():
    order: dict[str, int] = {}
    done: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        if module in done:
            return
        if module in order:
            cycles.append([*path[path.index(module):], module])
            return
        order[module] = len(order)
        for target, _, _ in GRAPH[module]:
            visit(target, [*path, module])
        done.add(module)

    sys.setrecursionlimit(10_000)
    for module in sorted(GRAPH):
        visit(module, [])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])


def test_each_floor_imports_only_the_floors_below_it():
    rank = {name: level for level, row in enumerate(reversed(floors())) for name in row}
    upward = [
        f"{module}:{line} imports {target}"
        for module, found in GRAPH.items() for target, line, _ in found
        if floor(module) != "symrf" and floor(target) != floor(module)
        and not (floor(target) == "symrf" and floor(module) in FACES)
        and (floor(target) == "symrf" or rank[floor(target)] >= rank[floor(module)])
    ]
    assert not upward, "imports that do not run downward:\n" + "\n".join(upward)


def test_the_page_shows_which_floors_each_floor_imports():
    text = PAGE.read_text()
    table = re.search(r"<!-- floors -->\n(.*?)<!-- /floors -->", text, re.S).group(1)
    shown, found = {}, {}
    for line in table.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.split("|")[1:-1]]
            names = tuple(name.strip(" `") for name in cells[0].split(","))
            shown[names] = set(re.findall(r"`(\w+)`", cells[2]))
            found[names] = {floor(target) for module, targets in GRAPH.items()
                            if floor(module) in names for target, _, _ in targets
                            } - {*names, "symrf"}
    assert shown == found


def test_functions_import_symrf_modules_only_to_defer_a_framework():
    lazy = [f"{module}:{line} imports {target} inside a function"
            for module, found in GRAPH.items() for target, line, inside in found
            if inside and target not in LAZY]
    assert not lazy, "\n".join(lazy)


def test_the_top_level_holds_only_floors_and_faces():
    listed = {name for row in floors() for name in row}
    items = {path.stem if path.suffix == ".py" else path.name for path in PACKAGE.iterdir()
             if path.name != "__pycache__" and (path.suffix == ".py" or path.is_dir())}
    assert items - {"__init__"} == listed


def test_the_import_linter_contract_lists_the_same_floors():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    assert [sorted(re.split(r"\s*\|\s*", layer)) for layer in layers] == [
        sorted(row) for row in floors()]


def test_import_linter_keeps_the_contract():
    linter = Path(sys.executable).with_name("lint-imports")
    if not linter.exists():
        pytest.skip("needs import-linter (pip install '.[lint]')")
    done = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]


def test_import_symrf_loads_no_framework():
    code = ("import sys, symrf; print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'torch', 'onnx', 'numpy', 'matplotlib', 'dask', 'distributed', 'markdown', "
            "'IPython'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT, timeout=120)
    assert done.stdout.strip() == "[]"
