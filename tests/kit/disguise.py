"""Disguised copies of a solution, made with `ast` transforms (for the similarity tests).

Each transform keeps what the program computes and changes how it is laid out, the way a
student hides a copy: bodies moved into helpers (one or several levels), graded names bound by
assignment, lambda, functools.partial, a dict of functions or a class's methods, names renamed,
functions reordered, dead code, comments and docstrings added, formatting and quotes changed,
expressions split into temporaries. `disguise(text, *names)` applies them in order.
"""

from __future__ import annotations

import ast
import builtins
import random
from collections.abc import Callable

Transform = Callable[[ast.Module, frozenset[str]], None]


def _graded(tree: ast.Module, names: frozenset[str]) -> list[ast.FunctionDef]:
    return [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in names]


def _moved(function: ast.FunctionDef, helper: str) -> ast.FunctionDef:
    """`function`'s body moved into a new function called `helper`."""
    body = ast.FunctionDef(helper, function.args, function.body, [], None, None, lineno=0,
                           type_params=[])
    return body


def _call(helper: str, function: ast.FunctionDef) -> ast.Call:
    arguments = [ast.Name(a.arg, ast.Load()) for a in function.args.args]
    return ast.Call(ast.Name(helper, ast.Load()), arguments, [])


def _replace(tree: ast.Module, old: ast.stmt, new: list[ast.stmt]) -> None:
    at = tree.body.index(old)
    tree.body[at:at + 1] = new


def helpers(tree: ast.Module, names: frozenset[str], levels: int = 2) -> None:
    """`def forward(p, X): return _forward_1(p, X)`, `_forward_1` calling `_forward_2`..."""
    for function in _graded(tree, names):
        chain = [f"_{function.name}_{level}" for level in range(1, levels + 1)]
        new = [ast.FunctionDef(function.name, function.args,
                               [ast.Return(_call(chain[0], function))], [], None, None,
                               lineno=0, type_params=[])]
        for here, deeper in zip(chain, chain[1:]):
            new.append(ast.FunctionDef(here, function.args, [ast.Return(_call(deeper, function))],
                                       [], None, None, lineno=0, type_params=[]))
        new.append(_moved(function, chain[-1]))
        _replace(tree, function, new)


def _bind(tree: ast.Module, names: frozenset[str],
          value: Callable[[ast.FunctionDef, str], ast.expr]) -> None:
    for function in _graded(tree, names):
        helper = f"_{function.name}_impl"
        binding = ast.Assign([ast.Name(function.name, ast.Store())], value(function, helper),
                             lineno=0)
        _replace(tree, function, [_moved(function, helper), binding])


def assigned(tree: ast.Module, names: frozenset[str]) -> None:
    """`forward = _forward_impl`."""
    _bind(tree, names, lambda function, helper: ast.Name(helper, ast.Load()))


def lambdas(tree: ast.Module, names: frozenset[str]) -> None:
    """`forward = lambda params, X: _forward_impl(params, X)`."""
    _bind(tree, names, lambda function, helper: ast.Lambda(function.args,
                                                           _call(helper, function)))


def partials(tree: ast.Module, names: frozenset[str]) -> None:
    """`forward = functools.partial(_forward_impl)`."""
    tree.body.insert(0, ast.Import([ast.alias("functools")]))
    _bind(tree, names, lambda function, helper: ast.Call(
        ast.Attribute(ast.Name("functools", ast.Load()), "partial", ast.Load()),
        [ast.Name(helper, ast.Load())], []))


def dict_of_functions(tree: ast.Module, names: frozenset[str]) -> None:
    """`_OPS = {"forward": _forward_impl, ...}` then `forward = _OPS["forward"]`."""
    graded = _graded(tree, names)
    table = ast.Assign([ast.Name("_OPS", ast.Store())], ast.Dict(
        [ast.Constant(f.name) for f in graded],
        [ast.Name(f"_{f.name}_impl", ast.Load()) for f in graded]), lineno=0)
    for function in graded:
        _replace(tree, function, [_moved(function, f"_{function.name}_impl")])
    tree.body.append(table)
    for function in graded:
        tree.body.append(ast.Assign([ast.Name(function.name, ast.Store())], ast.Subscript(
            ast.Name("_OPS", ast.Load()), ast.Constant(function.name), ast.Load()), lineno=0))


class _ToMethods(ast.NodeTransformer):
    def __init__(self, names: frozenset[str]):
        self.names = names

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in self.names:
            node.func = ast.Attribute(ast.Name("self", ast.Load()), node.func.id, ast.Load())
        return node


def in_a_class(tree: ast.Module, names: frozenset[str]) -> None:
    """Every graded function a method of `_Model` (calling the others as `self.x(...)`), and
    `forward = _model.forward`."""
    graded = _graded(tree, names)
    methods = []
    for function in graded:
        method = _ToMethods(names).visit(function)
        method.args.args.insert(0, ast.arg("self"))
        methods.append(method)
        tree.body.remove(function)
    tree.body.append(ast.ClassDef("_Model", [], [], methods, [], type_params=[]))
    tree.body.append(ast.Assign([ast.Name("_model", ast.Store())], ast.Call(
        ast.Name("_Model", ast.Load()), [], []), lineno=0))
    for function in graded:
        tree.body.append(ast.Assign([ast.Name(function.name, ast.Store())], ast.Attribute(
            ast.Name("_model", ast.Load()), function.name, ast.Load()), lineno=0))


KEEP = set(dir(builtins)) | {"np", "numpy", "functools", "self", "math"}


def renamed(tree: ast.Module, names: frozenset[str], seed: int = 1) -> None:
    """Every name of the submission's own (parameters, variables, helpers) renamed, except the
    graded functions' and the modules'; keyword arguments of calls to its own functions too."""
    rng = random.Random(seed)
    defined = {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    defined |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Store)}
    defined |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    defined -= KEEP | set(names) | {"HYPERPARAMS"}
    new = {name: f"{rng.choice('pqrstuvxyz')}{index}_{rng.randrange(1000)}"
           for index, name in enumerate(sorted(defined))}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in new:
            node.id = new[node.id]
        elif isinstance(node, ast.arg) and node.arg in new:
            node.arg = new[node.arg]
        elif isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in new:
            node.name = new[node.name]
        elif isinstance(node, ast.keyword) and node.arg in new and node.arg not in (
                "dtype", "axis", "size", "start", "keepdims", "out"):
            node.arg = new[node.arg]
        elif isinstance(node, ast.Attribute) and node.attr in new and isinstance(
                node.value, ast.Name) and node.value.id in ("self", new.get("self")):
            node.attr = new[node.attr]


def reordered(tree: ast.Module, names: frozenset[str], seed: int = 2) -> None:
    """The top-level functions shuffled (after the imports and the rest)."""
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]
    rest = [node for node in tree.body if node not in functions]
    random.Random(seed).shuffle(functions)
    bindings = [node for node in rest if isinstance(node, ast.Assign) and any(
        isinstance(n, ast.Name) and n.id.startswith("_") for n in ast.walk(node.value))]
    tree.body[:] = [n for n in rest if n not in bindings] + functions + bindings


class _Noise(ast.NodeTransformer):
    def __init__(self) -> None:
        self.count = 0

    def _padded(self, body: list[ast.stmt]) -> list[ast.stmt]:
        self.count += 1
        junk = [ast.Expr(ast.Constant(f"step {self.count}: see the notes")),
                ast.Assign([ast.Name(f"_unused{self.count}", ast.Store())],
                           ast.BinOp(ast.Constant(self.count), ast.Mult(), ast.Constant(2)),
                           lineno=0),
                ast.If(ast.Constant(False), [ast.Expr(ast.Call(
                    ast.Name("print", ast.Load()), [ast.Constant("never")], []))], [])]
        return junk + body

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        self.generic_visit(node)
        node.body = self._padded(node.body)
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        self.generic_visit(node)
        node.body = self._padded(node.body)
        return node


def dead_code(tree: ast.Module, names: frozenset[str]) -> None:
    """Docstrings, unused assignments, `if False:` blocks, and a helper nobody calls."""
    _Noise().visit(tree)
    unused = ast.parse("def _spare(values):\n    total = 0\n    for v in values:\n"
                       "        total += v * v\n    return total / max(len(values), 1)\n")
    tree.body += unused.body


class _Split(ast.NodeTransformer):
    """`return a @ W + b` becomes `t = a @ W; return t + b`."""

    def __init__(self) -> None:
        self.count = 0

    def _statements(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for statement in body:
            statement = self.visit(statement)
            if isinstance(statement, ast.Return) and isinstance(statement.value, ast.BinOp):
                self.count += 1
                name = f"_part{self.count}"
                out.append(ast.Assign([ast.Name(name, ast.Store())], statement.value.left,
                                      lineno=0))
                statement.value.left = ast.Name(name, ast.Load())
            out.append(statement)
        return out

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for name in ("body", "orelse"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, name, self._statements(value))
        for name, value in ast.iter_fields(node):
            if name not in ("body", "orelse") and isinstance(value, ast.AST):
                self.visit(value)
        return node


def split(tree: ast.Module, names: frozenset[str]) -> None:
    _Split().visit(tree)


TRANSFORMS: dict[str, Transform] = {
    "helpers": helpers, "assigned": assigned, "lambdas": lambdas, "partials": partials,
    "dict_of_functions": dict_of_functions, "in_a_class": in_a_class, "renamed": renamed,
    "reordered": reordered, "dead_code": dead_code, "split": split,
}


def disguise(text: str, names: frozenset[str], *steps: str) -> str:
    """`text` (a .py submission) with the transforms `steps` applied in order, written back
    with ast.unparse (other formatting, other quotes, no comments) plus a comment per line
    group, so formatting changes too."""
    tree = ast.parse(text)
    for step in steps:
        TRANSFORMS[step](tree, names)
    ast.fix_missing_locations(tree)
    lines = ast.unparse(tree).splitlines()
    return "\n".join(f"{line}  # {index}" if line.rstrip().endswith(":") else line
                     for index, line in enumerate(lines)) + "\n"
