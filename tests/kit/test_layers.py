"""The layout's rules, read from the imports themselves (with `ast`, nothing is imported).

- Nothing below the grader reaches into it: checks/, student/, data/, the sandbox, the worker
  side and the kit's top-level modules never import autograder.grader, except through the one
  seam (checks/grader_seam.py) and the `nnkit` command's entry (cli.py, for the instructor's
  commands). A student release holds no grader/, so any other import would fail there.
- The worker side (autograder/sandbox/worker_side/, the only kit code beside submitted code)
  imports the standard library, NumPy and its own folder only; and what a submission may
  import of the kit (allowed.py) imports nothing of the kit it may not.
- No import cycles: between modules, and between folders (sibling files and folders at every
  depth: grader/classroom/ and grader/course/, checks/stages/ and checks/grade.py, ...).

Every import counts, also one inside a function: a lazy import still ties two modules together
(only one under `if TYPE_CHECKING:`, which never runs, does not).
Each rule is also run on a copy of the package with one forbidden import planted, and must fail.
"""

from __future__ import annotations

import ast
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"
GRADER = "autograder.grader"
SEAM = "autograder.checks.grader_seam"
ENTRY = "autograder.cli"  # dispatches to the instructor's commands (grader/commands.py)
WORKER_SIDE = "autograder.sandbox.worker_side"
WORKER_THIRD_PARTY = ("numpy",)


def module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: Path) -> dict[str, Path]:
    return {module_name(path, package): path for path in sorted(package.rglob("*.py"))
            if "__pycache__" not in path.parts}


def imports(path: Path, name: str) -> Iterator[tuple[str, int]]:
    """Every module `path` imports (absolute names; `from x import y` gives x.y when y is a
    module of the kit, else x), with its line."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    typing_only = {id(child) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
                   for statement in node.body for child in ast.walk(statement)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue  # `if TYPE_CHECKING:` names a type, never runs
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([base] if base else []))
            for alias in node.names:  # kit_graph cuts a name back to the module holding it
                yield f"{base}.{alias.name}", node.lineno


def kit_graph(package: Path) -> dict[str, dict[str, int]]:
    """module -> {kit module it imports: line}."""
    found = modules(package)
    graph: dict[str, dict[str, int]] = {}
    for name, path in found.items():
        edges: dict[str, int] = {}
        for target, line in imports(path, name):
            while target and target not in found:  # x.y.Name -> x.y
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def where(name: str, package: Path) -> str:
    return str(modules(package)[name].relative_to(package.parent))


def grader_imports(package: Path) -> list[str]:
    """Imports of the grader from below it (outside the seam and the command's entry)."""
    wrong = []
    for name, edges in kit_graph(package).items():
        if name == GRADER or name.startswith(GRADER + ".") or name in (SEAM, ENTRY):
            continue
        wrong += [f"{where(name, package)}, line {line}: imports {target}"
                  for target, line in edges.items()
                  if target == GRADER or target.startswith(GRADER + ".")]
    return wrong


def worker_side_imports(package: Path) -> list[str]:
    """Imports of the worker side that are not the standard library, NumPy or its folder."""
    found = modules(package)
    wrong = []
    for name, path in found.items():
        if not (name == WORKER_SIDE or name.startswith(WORKER_SIDE + ".")):
            continue
        for target, line in imports(path, name):
            top = target.split(".")[0]
            if top in sys.stdlib_module_names or top in WORKER_THIRD_PARTY or top == "":
                continue
            parents = ("autograder", "autograder.sandbox")  # the packages it lives in
            if target == WORKER_SIDE or target.startswith(WORKER_SIDE + ".") or target in parents:
                continue
            wrong.append(f"{where(name, package)}, line {line}: imports {target}")
    return wrong


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10000))
    try:  # restored: other tests judge what a deep tree does at Python's usual limit
        for node in sorted(graph):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return found


def module_cycles(package: Path) -> list[list[str]]:
    return cycles({name: set(edges) for name, edges in kit_graph(package).items()})


def folder_of(name: str, package: Path) -> list[str]:
    """The path of a module as folder parts, ending with the file ("grade.py") or, for a
    package's __init__, the folder itself."""
    path = modules(package)[name].relative_to(package.parent)
    return list(path.parts[:-1]) if path.name == "__init__.py" else list(path.parts)


def folder_cycles(package: Path) -> list[list[str]]:
    """Cycles between sibling files and folders: an import from a/b/x.py to a/c/y.py is an edge
    a/b -> a/c. A folder and what lies inside it are not siblings (a package's entry may use its
    subfolders, and they its shared modules); between siblings, the imports run one way."""
    graph: dict[str, set[str]] = {}
    for name, edges in kit_graph(package).items():
        source = folder_of(name, package)
        for target_name in edges:
            target = folder_of(target_name, package)
            common = 0
            while common < min(len(source), len(target)) and source[common] == target[common]:
                common += 1
            if common == len(source) or common == len(target):
                continue  # the same file or folder, or one inside the other
            a, b = "/".join(source[:common + 1]), "/".join(target[:common + 1])
            graph.setdefault(a, set()).add(b)
    return cycles(graph)


def bound_names(path: Path) -> set[str]:
    """The names a module's top level sets (definitions, assignments, imports)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        else:
            names.update(child.id for child in ast.walk(node)
                         if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store))
    return names


def missing_modules(package: Path, folders: list[Path]) -> list[str]:
    """Imports of kit modules that do not exist (a module moved, its importer not updated)."""
    found = modules(package)
    wrong = []
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                    if node.module in found and found[node.module].name == "__init__.py":
                        # `from package import name`: a submodule, or a name its __init__ sets
                        names += [f"{node.module}.{alias.name}" for alias in node.names
                                  if alias.name not in bound_names(found[node.module])]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                wrong += [f"{path.relative_to(package.parent)}, line {node.lineno}: {name}"
                          for name in names
                          if name.split(".")[0] == package.name and name not in found]
    return wrong


def test_every_import_of_the_kit_names_a_module_that_exists():
    # An installed copy of the kit elsewhere would otherwise answer a stale import silently.
    root = PACKAGE.parent
    folders = [PACKAGE, root / "tests", root / "benchmarks", root / "course"]
    wrong = missing_modules(PACKAGE, [folder for folder in folders if folder.is_dir()])
    assert not wrong, "these imports name modules that do not exist (moved? see MOVES.md):\n" \
        + "\n".join(wrong)


def test_nothing_below_the_grader_imports_it_except_through_the_seam():
    wrong = grader_imports(PACKAGE)
    assert not wrong, ("these modules import the grader (autograder/grader/), which a student "
                       "release does not hold; go through autograder/checks/grader_seam.py "
                       "instead:\n" + "\n".join(wrong))


def test_the_worker_side_imports_only_the_standard_library_numpy_and_itself():
    wrong = worker_side_imports(PACKAGE)
    assert not wrong, ("the worker side runs beside submitted code and may import only the "
                       "standard library, NumPy and autograder/sandbox/worker_side/; move what "
                       "it needs into that folder:\n" + "\n".join(wrong))


def test_no_import_cycle_between_modules():
    found = module_cycles(PACKAGE)
    assert not found, "these modules import each other (directly or around a loop):\n" + \
        "\n".join(" <-> ".join(cycle) for cycle in found)


def test_no_import_cycle_between_folders():
    found = folder_cycles(PACKAGE)
    assert not found, "these sibling files/folders import each other:\n" + \
        "\n".join(" <-> ".join(cycle) for cycle in found)


def allowed_but_importing_the_rest(package: Path) -> list[str]:
    """Modules a submission may import (allowed.py) that import a kit module it may not: in the
    worker that import would give the grader-only stand-in, or nothing under bubblewrap."""
    from autograder.sandbox.worker_side import allowed

    wrong = []
    for name, edges in kit_graph(package).items():
        if allowed.is_allowed(name):
            wrong += [f"{where(name, package)}, line {line}: imports {target}"
                      for target, line in edges.items() if not allowed.is_allowed(target)]
    return wrong


def test_what_the_worker_may_import_imports_only_what_it_may_import():
    wrong = allowed_but_importing_the_rest(PACKAGE)
    assert not wrong, ("these modules are importable beside submitted code but import a module "
                       "that is not (add it to allowed.py, or drop the import):\n"
                       + "\n".join(wrong))


def test_the_worker_side_is_exactly_what_the_worker_may_import():
    # The folder is the allow-list: a module added to it is allowed, one outside it is not.
    from autograder.sandbox.worker_side import allowed, module_names, private

    assert allowed.is_allowed(f"{WORKER_SIDE}.a_module_added_later")
    assert not allowed.is_allowed("autograder.sandbox.client")
    assert not allowed.is_allowed("autograder.sandbox.loader")
    on_disk = {path.stem for path in (PACKAGE / "sandbox" / "worker_side").glob("*.py")}
    assert {name.rpartition(".")[2] for name in module_names()} == on_disk - {"__init__"}
    assert private.PRIVATE_MODULES[-1] == f"{WORKER_SIDE}.worker"


# -- each rule must be able to fail: plant one forbidden import in a copy of the package ------
@pytest.fixture
def planted(tmp_path: Path):
    def plant(relative: str, line: str) -> Path:
        copy = tmp_path / str(len(list(tmp_path.iterdir()))) / "autograder"
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
        target = copy / relative
        target.write_text(target.read_text(encoding="utf-8") + f"\n\ndef _planted():\n"
                          f"    {line}\n", encoding="utf-8")
        return copy
    return plant


@pytest.mark.parametrize("relative", ["checks/stages/stage2_sigmoid.py", "student/plots.py",
                                      "sandbox/worker_side/codec.py", "sandbox/client.py"])
def test_a_planted_import_of_the_grader_is_found(planted, relative):
    copy = planted(relative, "from autograder.grader import arithmetic  # noqa")
    assert grader_imports(PACKAGE) == []
    wrong = grader_imports(copy)
    assert len(wrong) == 1 and wrong[0].startswith(f"autograder/{relative}, line "), wrong


def test_a_planted_kit_import_on_the_worker_side_is_found(planted):
    copy = planted("sandbox/worker_side/plan.py", "import autograder.sandbox.loader  # noqa")
    assert [line.split(": ")[1] for line in worker_side_imports(copy)] == \
        ["imports autograder.sandbox.loader"]
    copy = planted("sandbox/worker_side/plan.py", "import matplotlib  # noqa")
    assert [line.split(": ")[1] for line in worker_side_imports(copy)] == ["imports matplotlib"]


def test_a_planted_import_of_the_checks_in_the_notebooks_helpers_is_found(planted):
    copy = planted("data/download.py", "from autograder.checks import inputs  # noqa")
    assert [line.split(": ")[1] for line in allowed_but_importing_the_rest(copy)] == \
        ["imports autograder.checks.inputs"]


def test_a_planted_import_of_a_moved_module_is_found(planted):
    for line, name in (("from autograder.release import write_release", "autograder.release"),
                       ("from autograder import release", "autograder.release"),
                       ("from autograder.sandbox import codec", "autograder.sandbox.codec")):
        copy = planted("checks/grade.py", f"{line}  # noqa")
        last = len((copy / "checks" / "grade.py").read_text(encoding="utf-8").splitlines())
        assert missing_modules(copy, [copy]) == \
            [f"autograder/checks/grade.py, line {last}: {name}"], line


def test_a_planted_cycle_is_found_between_modules_and_between_folders(planted):
    copy = planted("sandbox/policy.py", "from autograder.checks import grade  # noqa")
    assert module_cycles(copy) and any("autograder/checks" in cycle and "autograder/sandbox"
                                       in cycle for cycle in folder_cycles(copy))
    copy = planted("sandbox/isolation.py", "from autograder.sandbox import dedicated_user  # noqa")
    assert [["autograder.sandbox.dedicated_user", "autograder.sandbox.isolation"]] == \
        [cycle for cycle in module_cycles(copy) if len(cycle) == 2]
