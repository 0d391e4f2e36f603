"""Find code that computes a graded function, by the shape of its arithmetic.

The student's copy of the kit must hold no implementation of sigmoid, the forward pass, the
cross-entropy, backpropagation or the update. Strings and comments may explain the formulas
(hints do); code must not evaluate them. Each pattern below is the core of one graded function
in any of the ways the kit's own grader, its reference or a textbook writes it:

- the logistic: exp of a negated value, 1 + exp(...), logaddexp, expit, tanh;
- a layer of the forward pass: sigmoid (or logistic, expit) of a matrix product;
- the cross-entropy: log1p, log(1 - a), y * log(a);
- backpropagation: a transposed matrix times another, a_prev.T @ delta (or np.dot(a.T, ...));
- the update: params - rate * grads with a learning rate.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from autograder.grader.release import package_files

NUMPY = {"np", "numpy"}


def _call_name(node: ast.AST) -> str:
    """'exp' for np.exp(...), numpy.exp(...), exp(...), scipy.special.expit(...)."""
    if isinstance(node, ast.Call):
        function = node.func
        if isinstance(function, ast.Attribute):
            return function.attr
        if isinstance(function, ast.Name):
            return function.id
    return ""


def _negated(node: ast.AST) -> bool:
    return (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)) or (
        isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult)
        and any(isinstance(side, ast.Constant) and isinstance(side.value, int | float)
                and side.value < 0 for side in (node.left, node.right)))


def _one_minus(node: ast.AST) -> bool:
    return (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub)
            and isinstance(node.left, ast.Constant) and node.left.value in (1, 1.0))


def _transposed(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "T") or (
        _call_name(node) == "transpose")


def _names(node: ast.AST) -> set[str]:
    return {sub.id.lower() for sub in ast.walk(node) if isinstance(sub, ast.Name)} | {
        sub.attr.lower() for sub in ast.walk(node) if isinstance(sub, ast.Attribute)}


def findings(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for every piece of graded-function arithmetic in `tree`."""
    found = []
    for node in ast.walk(tree):
        name = _call_name(node)
        if name in ("logaddexp", "expit", "tanh", "log1p", "log_expit"):
            found.append((node.lineno, f"{name}(...): the logistic or the log-loss"))
        elif name == "exp" and node.args and _negated(node.args[0]):
            found.append((node.lineno, "exp(-...): the logistic"))
        elif name == "log" and node.args and _one_minus(node.args[0]):
            found.append((node.lineno, "log(1 - ...): the cross-entropy"))
        elif name in ("sigmoid", "logistic", "expit", "activation") and node.args and any(
                (isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.MatMult))
                or _call_name(sub) in ("dot", "matmul") for sub in ast.walk(node.args[0])):
            found.append((node.lineno, "sigmoid(a @ W + b): a layer of the forward pass"))
        elif name == "dot" and node.args and _transposed(node.args[0]):
            found.append((node.lineno, "dot(a.T, ...): a weight gradient"))
        if isinstance(node, ast.BinOp):
            sides = (node.left, node.right)
            if isinstance(node.op, ast.Add) and any(_call_name(s) == "exp" for s in sides) \
                    and any(isinstance(s, ast.Constant) for s in sides):
                found.append((node.lineno, "1 + exp(...): the logistic"))
            elif isinstance(node.op, ast.Mult) and any(_call_name(s) == "log" for s in sides):
                found.append((node.lineno, "y * log(a): the cross-entropy"))
            elif isinstance(node.op, ast.MatMult) and _transposed(node.left):
                found.append((node.lineno, "a.T @ delta: a weight gradient"))
            elif isinstance(node.op, ast.Sub) and isinstance(node.right, ast.BinOp) \
                    and isinstance(node.right.op, ast.Mult) \
                    and any("rate" in name or "lr" == name for name in _names(node.right)):
                found.append((node.lineno, "params - rate * grads: the update"))
    return found


def code_of(path: Path) -> str | None:
    """The Python code in `path` (a .py file, or a notebook's code cells); None otherwise."""
    if path.suffix == ".py":
        return path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
        return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code"
                         and not cell.source.lstrip().startswith(("%", "!")))
    return None


def graded_arithmetic(folder: Path) -> list[str]:
    """'file:line: what' for every piece of graded-function arithmetic under `folder`."""
    found = []
    for path in package_files(folder):
        code = code_of(path)
        if code is None:
            continue
        lines = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                          for line in code.splitlines())
        for line, what in findings(ast.parse(lines)):
            found.append(f"{path.relative_to(folder)}:{line}: {what}")
    return found
