"""Which top-level statements of a submission run at grading: the worker's statement plan.

Grading runs the helpers of a submission and skips its experiments. Imports, functions and
classes always run. Any other top-level statement runs unless it calls one of the submission's
own functions (or something made from them, such as `np.vectorize(sigmoid)`), or one of the
kit's or a plotting library's helpers (`plots.*`, `load_mnist`, `plt.*`), or uses a name that
only a skipped statement sets, or is a `while` loop (which may never end). A statement that
calls the student's own functions still runs when it binds a name grading needs: one the
checks call (`needed`, from the grader) or one the submission's functions read as a global
(`sigmoid = make_sigmoid()`, a derivative made by a factory and used inside backward). So
`sigmoid_vec = np.vectorize(sigmoid)`, a dict of activation functions, a namedtuple, a partial,
a lambda or a constant of any case is there at grading, while a training run or a plot is not
(`plan_blocks`, which also says why each was skipped). Making an object of the submission's own
class runs (constructors are cheap); calling its methods does not. The worker runs the helpers
one at a time under a time limit (worker.py, `Worker.load`); the grader side
(sandbox/loader.py) asks the same plan which statements a report should list as skipped.

Wrapping or binding is not calling: `np.vectorize(sigmoid)` or `functools.partial(f, ...)` makes
a new name from the student's functions (sigmoid_vec is "made from own", so calling IT is an
experiment), while the module that wrapped (np, functools) stays a library: later `np.*` calls
are judged on their own. A lambda assigned at top level counts as one of the student's own
functions; reading a container (ACT.items(), ACT.get("relu")) runs none of their code.
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from dataclasses import dataclass

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


class UnparsableCode(Exception):
    """Python's parser could not read a piece of code: `reason` says why, in words that follow
    the name of the file or cell ("has a syntax error at line 3: ...")."""

    def __init__(self, reason: str, lineno: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.lineno = reason, lineno


def parse_python(source: str, filename: str = "<submission>") -> ast.Module:
    """`source` parsed, or UnparsableCode for whatever the parser raises: a syntax error, null
    bytes, or code nested so deeply that parsing it runs out of stack (RecursionError) or memory
    (MemoryError). Every reader of a submission parses through here, so any file gets a report."""
    if not isinstance(source, str):
        raise UnparsableCode(f"is not text (it is a {type(source).__name__})")
    try:
        return ast.parse(source, filename=filename)
    except SyntaxError as error:  # IndentationError, null bytes, too many nested parentheses
        where = f" at line {error.lineno}" if error.lineno else ""
        raise UnparsableCode(f"has a syntax error{where}: {error.msg}", error.lineno) from None
    except RecursionError:
        raise UnparsableCode("nests expressions too deeply for Python to read (parsing it "
                             "raised RecursionError); split the long expression into several "
                             "statements") from None
    except MemoryError:
        raise UnparsableCode("is too large or nested too deeply for Python to read (parsing "
                             "it raised MemoryError)") from None
    except (ValueError, TypeError, OverflowError, SystemError) as error:
        raise UnparsableCode(f"cannot be read by Python ({type(error).__name__}: "
                             f"{str(error)[:200]})") from None



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


def _globals_read(function: ast.AST) -> set[str]:
    """Module-level names a function the submission defines (a def, a class and its methods, a
    lambda it names) reads when it runs: names read inside it that nothing inside it binds.
    Arguments, assignments, loops, imports, inner functions and comprehensions bind theirs (in
    any scope inside it: an inner function's closure is not a global); `global` names stay
    global. (Not the lambdas of an experiment: a demo's `numerical_gradient(lambda:
    cost(check_params))` does not make check_params needed.)"""
    loads: set[str] = set()
    bound: set[str] = set()
    declared_global: set[str] = set()
    for child in ast.walk(function):
        if isinstance(child, ast.Name):
            (loads if isinstance(child.ctx, ast.Load) else bound).add(child.id)
        elif isinstance(child, ast.AugAssign) and isinstance(child.target, ast.Name):
            loads.add(child.target.id)  # `total += x` reads total first
        elif isinstance(child, ast.arg):
            bound.add(child.arg)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if child is not function:
                bound.add(child.name)
        elif isinstance(child, ast.Import | ast.ImportFrom):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in child.names)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            bound.add(child.name)
        elif isinstance(child, ast.Global):
            declared_global.update(child.names)
    return loads - (bound - declared_global)


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


def plan_blocks(blocks: list[tuple[str, ast.Module]],
                needed: Collection[str] = ()) -> tuple[list[ast.Module], list[Skipped]]:
    """What to run of each block at grading (one module per block), and what is skipped.
    `needed`: the names the checks call (the assignment's functions and HYPERPARAMS)."""
    own_functions: set[str] = set()  # calling these (or what is made of them) runs student code
    own_classes: set[str] = set()
    modules: set[str] = set()  # names imports bind: np.vectorize(sigmoid) does not change np
    experiments: dict[str, str] = dict(NOTEBOOK_BUILTINS)
    wanted = set(needed)  # names grading needs: the checks', and those the functions read
    for _, tree in blocks:
        for node in tree.body:
            # Top-level functions and classes, also inside if/try, not methods or inner ones.
            for child in [node] if _is_def(node) else _scope_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    own_functions.add(child.name)
                    wanted |= _globals_read(child)
                elif isinstance(child, ast.ClassDef):
                    own_classes.add(child.name)
                    wanted |= _globals_read(child)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                own_functions.update(t.id for t in node.targets if isinstance(t, ast.Name))
                wanted |= _globals_read(node.value)
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
            if reason is not None and names & wanted and _skip_reason(
                    node, set(), experiments, set(), unavailable, containers) is None:
                # It calls the student's own code only to make what grading needs
                # (sigmoid = make_sigmoid(), a derivative backward reads): it runs, timed.
                reason = None
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
