"""Turn a submission file (.py, .ipynb, or a folder holding one) into code blocks to run.

Grading runs the helpers of a submission and skips its experiments. Imports, functions and
classes always run. Any other top-level statement runs unless it calls one of the submission's
own functions (or something made from them, such as `np.vectorize(sigmoid)`), or one of the
kit's or a plotting library's helpers (`plots.*`, `load_mnist`, `plt.*`), or uses a name that
only a skipped statement sets, or is a `while` loop (which may never end). So
`sigmoid_vec = np.vectorize(sigmoid)`, a dict of activation functions, a namedtuple, a partial,
a lambda or a constant of any case is there at grading, while a training run or a plot is not
(`plan_blocks`, which also says why each was skipped). Making an object of the submission's own
class runs (constructors are cheap); calling its methods does not. The worker runs the helpers
one at a time under a time limit (worker.py, `Worker.load`).

Wrapping or binding is not calling: `np.vectorize(sigmoid)` or `functools.partial(f, ...)` makes
a new name from the student's functions (sigmoid_vec is "made from own", so calling IT is an
experiment), while the module that wrapped (np, functools) stays a library: later `np.*` calls
are judged on their own. A lambda assigned at top level counts as one of the student's own
functions; reading a container (ACT.items(), ACT.get("relu")) runs none of their code.
"""

from __future__ import annotations

import ast
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

# Calling what these modules define is an experiment (data, plots, progress bars, training).
EXPERIMENT_MODULES = ("autograder", "matplotlib", "seaborn", "plotly", "IPython", "tqdm")
NOTEBOOK_BUILTINS = {"display": "IPython", "get_ipython": "IPython"}  # not there at grading
_DISPLAYS = (ast.Dict, ast.List, ast.Set, ast.Tuple, ast.DictComp, ast.ListComp, ast.SetComp)
# Calls that make a plain container (ACT = dict(sigmoid=sigmoid)): its methods are the
# container's own, not the student's code.
_CONTAINER_MAKERS = {"dict", "list", "set", "tuple", "defaultdict", "OrderedDict", "ChainMap"}
# Methods that only read a container or a namespace (ACT.items(), ACT.get("relu")): looking a
# helper up runs none of the student's code, whatever the object.
_READING_METHODS = {"get", "items", "keys", "values", "copy", "fromkeys"}

PREFERRED_NAMES = ("neural_network.ipynb", "neural_network.py")
MAX_BYTES = 64 << 20  # a notebook with every figure left in is a few MB


class SubmissionLoadError(Exception):
    """The submission cannot be read at all; the message says why in plain words."""


@dataclass
class CodeBlock:
    filename: str  # shown in tracebacks: the file, and the cell for notebooks
    source: str


@dataclass
class SubmissionSource:
    path: Path
    kind: str  # "py" or "ipynb"
    blocks: list[CodeBlock]
    problems: list[str] = field(default_factory=list)  # cells skipped, and why
    skipped: list[Skipped] | None = field(default=None, repr=False)  # skipped_statements' answer


@dataclass(frozen=True)
class Skipped:
    """A top-level statement not run at grading, and why."""

    filename: str
    line: int
    text: str  # its first line
    reason: str

    def __str__(self) -> str:
        return f"{self.filename}, line {self.line}: `{self.text}` ({self.reason})"


def _scope_nodes(node: ast.AST):
    """The nodes evaluated when `node` runs: not the bodies of functions and lambdas inside it
    (those run later, when called), but their defaults and decorators."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, ast.Lambda):
            stack.extend(current.args.defaults + [d for d in current.args.kw_defaults if d])
            continue
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef) and current is not node:
            stack.extend(current.decorator_list + current.args.defaults
                         + [d for d in current.args.kw_defaults if d])
            continue
        stack.extend(ast.iter_child_nodes(current))


def _root(node: ast.AST) -> str | None:
    """The name a callee hangs from: `plt` for plt.plot, `ACT` for ACT["relu"], f for f(x)(y)."""
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _bound(node: ast.stmt) -> set[str]:
    """The names a top-level statement binds."""
    names: set[str] = set()
    for child in _scope_nodes(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
            names.add(child.id)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(child.name)
        elif isinstance(child, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in child.names)
    return names


def _experiment_names(node: ast.stmt) -> dict[str, str]:
    """Names an import binds to the kit's or a plotting library's helpers, and the module each
    comes from (UPPER_CASE names imported from them are data, such as TABLE_X)."""
    names: dict[str, str] = {}
    for child in ast.walk(node):
        if isinstance(child, ast.Import):
            for alias in child.names:
                if alias.name.split(".")[0] in EXPERIMENT_MODULES:
                    names[(alias.asname or alias.name).split(".")[0]] = alias.name
        elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module and \
                child.module.split(".")[0] in EXPERIMENT_MODULES:
            for alias in child.names:
                if not (alias.asname or alias.name).isupper():
                    names[alias.asname or alias.name] = child.module
    return names


def plan_blocks(blocks: list[tuple[str, ast.Module]]) -> tuple[list[ast.Module], list[Skipped]]:
    """What to run of each block at grading (one module per block), and what is skipped."""
    own_functions: set[str] = set()  # calling these (or what is made of them) runs student code
    own_classes: set[str] = set()
    experiments: dict[str, str] = dict(NOTEBOOK_BUILTINS)
    modules: set[str] = set()  # names imports bind: np.vectorize(sigmoid) does not change np
    for _, tree in blocks:
        for node in tree.body:
            # Top-level functions and classes, also inside if/try, not methods or inner ones.
            for child in [node] if _is_def(node) else _scope_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    own_functions.add(child.name)
                elif isinstance(child, ast.ClassDef):
                    own_classes.add(child.name)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                own_functions.update(t.id for t in node.targets if isinstance(t, ast.Name))
            experiments.update(_experiment_names(node))
            modules.update(_imported(node))
    made_from_own: set[str] = set()  # names set from own functions: sigmoid_vec, ACTIVATIONS
    unavailable: set[str] = set()  # names that only skipped statements set
    containers: set[str] = set()  # names set to a dict, list, set or tuple display
    plans, skipped = [], []
    lines: dict[int, list[str]] = {}
    for filename, tree in blocks:
        body = []
        for node in tree.body:
            always = runs_always(node)
            reason = None if always else _skip_reason(node, own_functions, experiments,
                                                      made_from_own, unavailable, containers)
            names = _bound(node)
            if reason is None:
                body.append(node)
                unavailable -= names
                containers -= names
                if isinstance(node, ast.Assign) and _makes_container(node.value):
                    containers |= {t.id for t in node.targets if isinstance(t, ast.Name)}
                loaded = {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}
                if not always and loaded & (own_functions | own_classes | made_from_own
                                            | experiments.keys()):
                    # Wrapping or binding the student's functions (np.vectorize(sigmoid),
                    # functools.partial(f, ...)) makes a new name of them; the module whose
                    # function did the wrapping is left as it was.
                    made_from_own |= (names | _mutated(node)) - modules
            else:
                unavailable |= names
                if id(tree) not in lines:  # split once per block: statements only need a line
                    lines[id(tree)] = _source_of(tree).splitlines()
                first = _first_line(lines[id(tree)], node)
                skipped.append(Skipped(filename, node.lineno,
                                       first if len(first) <= 80 else first[:77] + "...", reason))
        plans.append(ast.Module(body=body, type_ignores=[]))
    return plans, skipped


def _source_of(tree: ast.Module) -> str:
    return getattr(tree, "nnkit_source", "")


def _first_line(lines: list[str], node: ast.stmt) -> str:
    """The statement's first line of source ('' when the source is not known)."""
    if not 0 < node.lineno <= len(lines):
        return ""
    return lines[node.lineno - 1][node.col_offset:].rstrip()


def definition_or_constant(node: ast.stmt) -> bool:
    """The fallback when the helpers stopped the worker: definitions and UPPER_CASE constants
    (HYPERPARAMS) only, as grading ran before helpers were run."""
    if runs_always(node):
        return True
    targets = node.targets if isinstance(node, ast.Assign) else []
    if isinstance(node, ast.AnnAssign):
        targets = [node.target]
    return bool(targets) and all(
        isinstance(target, ast.Name) and target.id.isupper() for target in targets
    )


def runs_always(node: ast.stmt) -> bool:
    """Imports, functions and classes: the definitions, which always run (without the time
    limit of the other statements: an import may take its time)."""
    return _is_def(node) or isinstance(node, ast.Import | ast.ImportFrom)


def _is_def(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)


def _container_method(call: ast.Call, containers: set[str]) -> bool:
    """ACTIVATIONS.update(...) on a dict, ACT.items() or ACT.get("relu") on anything: a
    container's own method, not the student's code."""
    if not isinstance(call.func, ast.Attribute):
        return False
    if call.func.attr in _READING_METHODS:
        return True
    return isinstance(call.func.value, ast.Name) and call.func.value.id in containers


def _makes_container(value: ast.expr) -> bool:
    """A dict, list, set or tuple display, or a call of dict(), list(), defaultdict()..."""
    if isinstance(value, _DISPLAYS):
        return True
    if isinstance(value, ast.Call):
        callee = value.func
        name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", None)
        return name in _CONTAINER_MAKERS
    return False


def _imported(node: ast.stmt) -> set[str]:
    """The names a top-level import binds (modules and what is imported from them)."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return set()


def _mutated(node: ast.stmt) -> set[str]:
    """Names a statement changes in place: ACT["relu"] = relu, FUNCS.append(relu)."""
    names = set()
    for child in _scope_nodes(node):
        if isinstance(child, ast.Subscript | ast.Attribute) and isinstance(child.ctx, ast.Store):
            names.add(_root(child))
        elif isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
            names.add(_root(child.func))
    return names - {None}


def _skip_reason(node: ast.stmt, own_functions: set[str], experiments: dict[str, str],
                 made_from_own: set[str], unavailable: set[str],
                 containers: set[str]) -> str | None:
    if isinstance(node, ast.While):
        return "a top-level while loop may never end"
    nodes = list(_scope_nodes(node))
    for child in nodes:
        if not isinstance(child, ast.Call) or _container_method(child, containers):
            continue
        root = _root(child.func)
        if root in own_functions:
            return f"it calls your {root}"
        if root in made_from_own:
            return f"it calls {root}, which uses your functions"
        if root in experiments:
            return f"it calls {root}, from {experiments[root]}"
    used = [child for child in nodes if isinstance(child, ast.Name)
            and isinstance(child.ctx, ast.Load) and child.id in unavailable]
    if used:
        first = min(used, key=lambda name: (name.lineno, name.col_offset))
        return f"it uses {first.id}, which only a skipped statement sets"
    return None


def parse_block(source: str, filename: str) -> ast.Module:
    """`source` parsed, remembering its text (to quote skipped statements)."""
    tree = ast.parse(source, filename=filename)
    tree.nnkit_source = source  # type: ignore[attr-defined]
    return tree


def skipped_statements(source: SubmissionSource) -> list[Skipped]:
    """The top-level statements of a submission that grading does not run (worked out once
    per submission: the report and several checks ask)."""
    if source.skipped is None:
        source.skipped = plan_blocks([(block.filename, parse_block(block.source, block.filename))
                                      for block in source.blocks])[1]
    return source.skipped


def definitions_only(tree: ast.Module) -> ast.Module:
    """The part of a module grading runs: definitions and helpers, not experiments."""
    return plan_blocks([("", tree)])[0][0]


def refuse_unless_regular(file: Path, folder: Path | None = None) -> None:
    """Only a regular file is read, and one found in a folder must lie inside that folder: a
    symbolic link to another student's work, the kit's reference or a host file, a device or
    a FIFO is refused before a byte of it is read."""
    try:
        mode = os.stat(file).st_mode  # follows links: what would actually be read
    except OSError as error:
        raise SubmissionLoadError(f"{file} cannot be read ({error.strerror})") from None
    if not stat.S_ISREG(mode):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise SubmissionLoadError(f"{file.name} is {kind}, not a file; submit the notebook or "
                                  ".py file itself")
    if os.stat(file).st_size > MAX_BYTES:
        raise SubmissionLoadError(f"{file.name} is larger than {MAX_BYTES >> 20} MB; clear the "
                                  "notebook's outputs (Kernel > Restart & Clear Output) and save")
    if folder is not None:
        real, inside = Path(os.path.realpath(file)), Path(os.path.realpath(folder))
        if not real.is_relative_to(inside):
            raise SubmissionLoadError(
                f"{file.name} is a symbolic link to a file outside the submission folder "
                f"({folder.name}); submit a copy of your own file instead of a link")


def find_submission_file(path: Path) -> Path:
    if not path.is_dir():
        if not os.path.lexists(path):
            raise SubmissionLoadError(f"{path} does not exist")
        refuse_unless_regular(path, path.parent if path.is_symlink() else None)
        return path
    for name in PREFERRED_NAMES:
        if os.path.lexists(path / name):
            refuse_unless_regular(path / name, path)
            return path / name
    candidates = sorted(p for p in list(path.glob("*.ipynb")) + list(path.glob("*.py"))
                        if not p.is_dir())
    for candidate in candidates:
        refuse_unless_regular(candidate, path)
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates) or "none"
        raise SubmissionLoadError(
            f"{path} should hold one notebook or .py file (found: {found}); "
            f"name your work {PREFERRED_NAMES[0]}"
        )
    return candidates[0]


def strip_magics(source: str) -> str:
    # IPython magics and shell escapes are not Python; blank them so line numbers stay right.
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10,
                                                                                   "th")
    return f"{number}{suffix}"


def cell_label(number: int, execution_count: object) -> str:
    """A code cell as the student sees it: 'cell [12]' when the notebook was saved after the
    cell ran (Jupyter shows [12]: beside it), else 'the 7th code cell'."""
    if isinstance(execution_count, int) and not isinstance(execution_count, bool):
        return f"cell [{execution_count}]"
    return f"the {ordinal(number)} code cell"


DEFINED = re.compile(r"^(?:async\s+def|def|class)\s+(\w+)|^(\w+)\s*(?::[^=]*)?=(?!=)", re.M)


def syntax_problem(label: str, source: str, error: SyntaxError) -> str:
    """The syntax error of a cell, where the student sees it, quoting the line, and what the
    cell would have defined (the names every check needing them will miss)."""
    lines = source.splitlines()
    line = lines[error.lineno - 1].strip() if error.lineno and 0 < error.lineno <= len(lines) \
        else ""
    quoted = f": `{line}`" if line else ""
    names = sorted({a or b for a, b in DEFINED.findall(source)})
    what = f"nothing it defines ({', '.join(names)})" if names else "nothing it defines"
    return (f"{label}, line {error.lineno} has a syntax error ({error.msg}){quoted}; Python "
            f"could not read that cell, so {what} can be graded")


def _notebook_blocks(path: Path) -> tuple[list[CodeBlock], list[str]]:
    import nbformat  # imported here: the worker uses this module and must start fast

    try:
        notebook = nbformat.read(path, as_version=4)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError, UnicodeDecodeError) as error:
        raise SubmissionLoadError(
            f"{path.name} is not a valid notebook (it is not valid JSON: {error}). "
            "Open it in Jupyter to see if it is damaged, or restore it from your last save."
        ) from error
    except Exception as error:  # nbformat raises several kinds for damaged notebooks
        raise SubmissionLoadError(
            f"{path.name} could not be read as a notebook: {error}"
        ) from error
    blocks, problems = [], []
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise SubmissionLoadError(f"{path.name} is not a notebook Jupyter can open: it has no "
                                  "list of cells. Restore it from your last save.")
    code_cells = []
    for position, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            problems.append(f"cell {position} of the notebook is damaged (it has no cell_type); "
                            "it was skipped")
        elif cell["cell_type"] == "code":
            code_cells.append(cell)
    for number, cell in enumerate(code_cells, start=1):
        filename = f"{path.name} [code cell {number}]"
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)  # the file's own form: a list of lines
        if not isinstance(source, str):
            kind = "dict" if isinstance(source, dict) else type(source).__name__
            problems.append(f"code cell {number} is damaged (its source is a {kind}, not "
                            "text); it was skipped, so nothing "
                            "it defines can be graded")
            continue
        source = strip_magics(source)
        try:
            ast.parse(source, filename=filename)
        except SyntaxError as error:
            problems.append(syntax_problem(cell_label(number, cell.get("execution_count")),
                                           source, error))
            continue
        blocks.append(CodeBlock(filename, source))
    return blocks, problems


def read_submission(path: str | Path) -> SubmissionSource:
    """Read a submission into code blocks, or raise SubmissionLoadError with a clear reason."""
    file = find_submission_file(Path(path))
    if file.suffix == ".ipynb":
        blocks, problems = _notebook_blocks(file)
        return SubmissionSource(file, "ipynb", blocks, problems)
    if file.suffix != ".py":
        raise SubmissionLoadError(f"{file.name}: submissions are .py or .ipynb files")
    try:
        source = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SubmissionLoadError(f"{file.name} is not UTF-8 text: {error}") from error
    try:
        ast.parse(source, filename=file.name)
    except SyntaxError as error:
        line = (error.text or "").strip()
        raise SubmissionLoadError(
            f"{file.name} has a syntax error at line {error.lineno}: {error.msg}"
            + (f": `{line}`" if line else "") + ". "
            "Python could not read the file, so nothing in it can be graded; "
            "run `python " + file.name + "` to see the error."
        ) from error
    return SubmissionSource(file, "py", [CodeBlock(file.name, source)])
