"""The normal form of a submission's graded functions, for similarity (similarity.py).

A copy is disguised by changing how the code is laid out, not what it computes. So each graded
function is replaced by its *effective code*, written one canonical way:

- bindings resolved: `forward = _impl`, `forward = lambda ...: ...`,
  `forward = functools.partial(_impl, ...)`, `forward = OPS["forward"]` (a dict of functions),
  `forward = Net().forward` / `Net.forward` / `net.forward` (a class's method), tuple and
  `globals()[...]` assignments; a function whose whole body is `return helper(...)` is the helper;
- helpers followed: the top-level functions and classes it uses (by name, `self.method`,
  `Class.method`, `OPS["key"]`), transitively, each once, in the order they are first used; a
  name that resolves to another graded function is not followed (that one is compared on its
  own, as in the reference, whose functions call each other);
- noise removed: docstrings, comments and formatting (ast.unparse), decorators and type hints,
  imports inside functions, `pass`, statements that are only a constant, `if False:` blocks,
  code after return/raise, assignments to names never read; `x += y` written `x = x + y`;
  `import numpy as xp` / `from numpy import exp` written as `np` / `np.exp`;
- trivial splits merged: a name assigned once and read once later in the same block is
  replaced by its value (`a = x @ W; return a + b` is `return x @ W + b`).

Names are left as they are: copydetect's tokeniser turns every name into the same token, so
renaming never matters. The order of the functions in the file never matters either.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# What Python's parser (or a deep tree's recursion) raises on a file it cannot read.
PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError)
MAX_CHAIN = 25  # bindings followed one after another (`a = b`, `b = c`...) before giving up
MAX_PASSES = 8  # rounds of dead-code removal and inlining (each round shrinks the code)

Functions = ast.FunctionDef | ast.AsyncFunctionDef
Target = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef


@dataclass
class Normalised:
    functions: dict[str, str]  # graded name -> its effective code, normalised
    notes: list[str] = field(default_factory=list)  # parts skipped, and why


def parse(blocks: Sequence[str]) -> tuple[list[ast.stmt], list[str]]:
    """The statements of every block Python can read, and a note for each it cannot."""
    body: list[ast.stmt] = []
    notes: list[str] = []
    for number, text in enumerate(blocks, start=1):
        try:
            body += ast.parse(text).body
        except PARSE_ERRORS as error:
            where = f"block {number}" if len(blocks) > 1 else "the file"
            notes.append(f"{where} could not be read by Python "
                         f"({type(error).__name__}: {str(error)[:120] or 'too deeply nested'})")
    return body, notes


class _Module:
    """The module-level bindings of a submission, and how a name resolves to code."""

    def __init__(self, body: Iterable[ast.stmt]) -> None:
        self.bindings: dict[str, ast.AST] = {}
        self.aliases: dict[str, ast.expr] = {}  # numpy under another name -> np...
        self.owner: dict[int, ast.ClassDef] = {}  # id(method) -> its class
        for statement in body:
            self._bind(statement)
        for node in self.bindings.values():
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, Functions):
                        self.owner[id(item)] = node

    def _bind(self, statement: ast.stmt) -> None:
        if isinstance(statement, Functions | ast.ClassDef):
            self.bindings[statement.name] = statement
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                self._assign(target, statement.value)
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            self._assign(statement.target, statement.value)
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            self._import(statement)
        elif isinstance(statement, ast.If | ast.Try | ast.With):
            for part in ("body", "orelse", "finalbody"):
                for inner in getattr(statement, part, []):
                    self._bind(inner)
            for handler in getattr(statement, "handlers", []):
                for inner in handler.body:
                    self._bind(inner)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value  # globals().update({"forward": f}) / update(forward=f)
            if isinstance(call.func, ast.Name) and call.func.id == "setattr" and \
                    len(call.args) == 3 and isinstance(call.args[1], ast.Constant) and \
                    isinstance(call.args[1].value, str):  # setattr(module, "forward", f)
                self.bindings[call.args[1].value] = call.args[2]
            if isinstance(call.func, ast.Attribute) and call.func.attr == "update" and \
                    _is_globals(call.func.value):
                for argument in call.args:
                    if isinstance(argument, ast.Dict):
                        for key, value in zip(argument.keys, argument.values):
                            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                                self.bindings[key.value] = value
                for keyword in call.keywords:
                    if keyword.arg:
                        self.bindings[keyword.arg] = keyword.value

    def _assign(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.bindings[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List) \
                and len(target.elts) == len(value.elts):
            for inner, part in zip(target.elts, value.elts):
                self._assign(inner, part)
        elif isinstance(target, ast.Subscript) and _is_globals(target.value) and \
                isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str):
            self.bindings[target.slice.value] = value

    def _import(self, statement: ast.Import | ast.ImportFrom) -> None:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.name == "numpy" or alias.name.startswith("numpy."):
                    path = alias.name.split(".")[1:] if alias.asname else []
                    self.aliases[alias.asname or "numpy"] = _dotted(["np", *path])
        elif statement.module and (statement.module == "numpy" or
                                   statement.module.startswith("numpy.")):
            for alias in statement.names:
                if alias.name != "*":
                    path = ["np", *statement.module.split(".")[1:], alias.name]
                    self.aliases[alias.asname or alias.name] = _dotted(path)

    # -- resolving -------------------------------------------------------------------------
    def resolve(self, node: ast.AST | None, method_of: ast.ClassDef | None = None,
                depth: int = 0) -> Target | None:
        """The function, lambda or class `node` (an expression or binding) stands for."""
        if node is None or depth > MAX_CHAIN:
            return None
        if isinstance(node, Functions | ast.Lambda | ast.ClassDef):
            return node
        if isinstance(node, ast.Name):
            return self.resolve(self.bindings.get(node.id), None, depth + 1)
        if isinstance(node, ast.Call):
            if _is_partial(node.func) and node.args:
                return self.resolve(node.args[0], method_of, depth + 1)
            return None
        if isinstance(node, ast.Attribute):
            if method_of is not None and isinstance(node.value, ast.Name):
                found = self.member(method_of, node.attr)  # self.x, whatever `self` is called
                if found is not None:
                    return found
            owner = self._class_of(node.value, depth + 1)
            return self.member(owner, node.attr) if owner is not None else None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            return self.resolve(self._item(node.value, node.slice.value, depth + 1), None,
                                depth + 1)
        return None

    def member(self, owner: ast.ClassDef, name: str, depth: int = 0) -> Target | None:
        """The method (or nested class) `name` of `owner`, or of its bases."""
        found = _member(owner, name)
        if found is not None or depth > MAX_CHAIN:
            return found
        for base in owner.bases:
            parent = self._class_of(base, depth + 1)
            if parent is not None and parent is not owner:
                found = self.member(parent, name, depth + 1)
                if found is not None:
                    return found
        return None

    def _class_of(self, node: ast.AST | None, depth: int) -> ast.ClassDef | None:
        """The class `node` is, or is an instance of (`Net`, `Net()`, `net = Net()`)."""
        if node is None or depth > MAX_CHAIN:
            return None
        if isinstance(node, ast.ClassDef):
            return node
        if isinstance(node, ast.Name):
            return self._class_of(self.bindings.get(node.id), depth + 1)
        if isinstance(node, ast.Call):
            found = self.resolve(node.func, None, depth + 1)
            return found if isinstance(found, ast.ClassDef) else None
        return None

    def _item(self, node: ast.AST | None, key: object, depth: int) -> ast.AST | None:
        """`key`'s value in the dict literal (or dict(...) call) `node` stands for."""
        if isinstance(node, ast.Name) and depth <= MAX_CHAIN:
            return self._item(self.bindings.get(node.id), key, depth + 1)
        if isinstance(node, ast.Dict):
            for name, value in zip(node.keys, node.values):
                if isinstance(name, ast.Constant) and name.value == key:
                    return value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id == "dict":
            for keyword in node.keywords:
                if keyword.arg == key:
                    return keyword.value
        return None


def _is_globals(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id in ("globals", "vars", "locals") and not node.args


def _is_partial(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "partial") or (
        isinstance(node, ast.Attribute) and node.attr == "partial")


def _dotted(path: list[str]) -> ast.expr:
    node: ast.expr = ast.Name(path[0], ast.Load())
    for part in path[1:]:
        node = ast.Attribute(node, part, ast.Load())
    return node


def _member(owner: ast.ClassDef, name: str) -> Target | None:
    for item in reversed(owner.body):
        if isinstance(item, Functions | ast.ClassDef) and item.name == name:
            return item
    return None


def _body_without_noise(body: list[ast.stmt]) -> list[ast.stmt]:
    return [s for s in body if not (isinstance(s, ast.Pass) or (
        isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)))]


# -- the normal form of one unit ---------------------------------------------------------------
class _Canonical(ast.NodeTransformer):
    """Noise out, one spelling in (see the module's docstring)."""

    def __init__(self, aliases: dict[str, ast.expr], methods: set[str], this: str | None):
        self.aliases, self.methods, self.this = aliases, methods, this

    def _statements(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for statement in body:
            if isinstance(statement, ast.If) and isinstance(statement.test, ast.Constant):
                out += self._statements(statement.body if statement.test.value
                                        else statement.orelse)
                continue
            if isinstance(statement, ast.While) and isinstance(statement.test, ast.Constant) \
                    and not statement.test.value:
                continue
            result = self.visit(statement)
            for new in result if isinstance(result, list) else [result]:
                if new is not None and not isinstance(new, ast.Pass | ast.Import |
                                                      ast.ImportFrom | ast.Global) \
                        and not (isinstance(new, ast.Expr) and isinstance(new.value,
                                                                          ast.Constant)):
                    out.append(new)
            if out and isinstance(out[-1], ast.Return | ast.Raise | ast.Continue | ast.Break):
                break  # the rest of the block never runs
        return out

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for name in ("body", "orelse", "finalbody"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, name, self._statements(value) or [ast.Pass()])
        for name, value in ast.iter_fields(node):
            if name in ("body", "orelse", "finalbody") and isinstance(value, list) and \
                    value and isinstance(value[0], ast.stmt):
                continue
            if isinstance(value, list):
                new = []
                for item in value:
                    if isinstance(item, ast.AST):
                        item = self.visit(item)
                        if item is None:
                            continue
                    new.append(item)
                value[:] = new
            elif isinstance(value, ast.AST):
                setattr(node, name, self.visit(value))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.decorator_list, node.returns, node.type_comment = [], None, None
        return self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.decorator_list = []
        return self.generic_visit(node)

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.annotation, node.type_comment = None, None
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        if node.value is None:
            return None
        return self.visit(ast.Assign([node.target], node.value, lineno=0))

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        load = _clone(node.target)
        for inner in ast.walk(load):
            if hasattr(inner, "ctx"):
                inner.ctx = ast.Load()
        return self.visit(ast.Assign([node.target], ast.BinOp(load, node.op, node.value),
                                     lineno=0))

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if isinstance(node.ctx, ast.Load) and node.id in self.aliases:
            return _clone(self.aliases[node.id])
        if self.this and node.id == self.this:
            node.id = "self"  # the tokeniser keeps `self` as it is: `this.W` is `self.W`
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if self.this and isinstance(node.value, ast.Name) and node.value.id == self.this and \
                node.attr in self.methods:
            return ast.Name(node.attr, node.ctx)  # self.helper(...) is helper(...)
        return self.generic_visit(node)


def _names(tree: ast.AST) -> tuple[dict[str, int], dict[str, int]]:
    """How often each name is read, and written, in `tree`."""
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            into = loads if isinstance(node.ctx, ast.Load) else stores
            into[node.id] = into.get(node.id, 0) + 1
        elif isinstance(node, ast.arg):
            stores[node.arg] = stores.get(node.arg, 0) + 2  # a parameter is never inlined
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                stores[name] = stores.get(name, 0) + 2
                loads[name] = loads.get(name, 0) + 2  # kept: it is the module's
    return loads, stores


def _blocks(tree: ast.AST) -> Iterable[list[ast.stmt]]:
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                yield value


def _simplify(unit: ast.AST) -> bool:
    """One round of removing unread assignments and inlining names read once; True if changed."""
    loads, stores = _names(unit)
    for block in _blocks(unit):
        for index, statement in enumerate(block):
            if not isinstance(statement, ast.Assign):
                continue
            names = [t.id for t in statement.targets if isinstance(t, ast.Name)]
            if len(names) != len(statement.targets):
                continue
            if not any(loads.get(name) for name in names):
                del block[index]  # written, never read
                if not block:
                    block.append(ast.Pass())
                return True
            if len(names) != 1 or loads.get(names[0]) != 1 or stores.get(names[0]) != 1:
                continue
            name = names[0]
            for later in block[index + 1:]:
                for parent in ast.walk(later):
                    for field_name, value in ast.iter_fields(parent):
                        items = value if isinstance(value, list) else [value]
                        for position, child in enumerate(items):
                            if isinstance(child, ast.Name) and child.id == name and \
                                    isinstance(child.ctx, ast.Load):
                                if isinstance(value, list):
                                    value[position] = statement.value
                                else:
                                    setattr(parent, field_name, statement.value)
                                del block[index]
                                return True
    return False


def _clone(node):
    """A deep copy of an AST, several times quicker than copy.deepcopy."""
    if isinstance(node, ast.AST):
        new = node.__class__()
        for name, value in ast.iter_fields(node):
            setattr(new, name, _clone(value))
        for name in node._attributes:
            if hasattr(node, name):
                setattr(new, name, getattr(node, name))
        return new
    if isinstance(node, list):
        return [_clone(item) for item in node]
    return node


def _as_function(target: Target, name: str | None) -> ast.AST:
    if isinstance(target, ast.Lambda):
        unit: ast.AST = ast.FunctionDef(name or "_lambda", _clone(target.args),
                                        [ast.Return(_clone(target.body))], [],
                                        None, None, lineno=0)
        if hasattr(unit, "type_params"):
            unit.type_params = []
    else:
        unit = _clone(target)
        if name:
            unit.name = name
    return unit


class _Effective:
    def __init__(self, module: _Module, stop: set[int]):
        self.module, self.stop = module, stop

    def code(self, root: Target, name: str) -> str:
        units: list[str] = []
        seen: set[int] = set()
        pending: list[tuple[Target, str | None]] = [(root, name)]
        while pending:
            target, label = pending.pop(0)
            if id(target) in seen:
                continue
            seen.add(id(target))
            units.append(self._unit(target, label))
            owner = self.module.owner.get(id(target))
            if owner is not None:  # a method: its class's constructor runs first
                init = self.module.member(owner, "__init__")
                if init is not None and id(init) not in seen:
                    pending.append((init, None))
            for node in ast.walk(target):
                if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                    continue
                if not isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
                    continue
                found = self.module.resolve(node, owner)
                if found is not None and id(found) not in self.stop and id(found) not in seen:
                    pending.append((found, None))
        return "\n\n".join(units)

    def _unit(self, target: Target, label: str | None) -> str:
        return ast.unparse(_canonical(self.module, target, label))


def _canonical(module: _Module, target: Target, label: str | None) -> ast.AST:
    """`target` as a function (or class) in its normal form (the module's docstring)."""
    owner = module.owner.get(id(target))
    unit = _as_function(target, label)
    this = None
    if owner is not None and isinstance(unit, Functions):
        static = any(isinstance(d, ast.Name) and d.id == "staticmethod"
                     for d in unit.decorator_list)
        positional = unit.args.posonlyargs or unit.args.args
        if not static and positional:
            this = positional[0].arg
            if unit.args.posonlyargs:
                unit.args.posonlyargs = unit.args.posonlyargs[1:]
            else:
                unit.args.args = unit.args.args[1:]
    methods = {item.name for item in owner.body if isinstance(item, Functions)} \
        if owner is not None else set()
    if isinstance(unit, ast.ClassDef):
        methods = {item.name for item in unit.body if isinstance(item, Functions)}
        this = "self"
        for item in unit.body:  # each method's own name for the instance is `self`
            static = any(isinstance(d, ast.Name) and d.id == "staticmethod"
                         for d in getattr(item, "decorator_list", []))
            positional = (item.args.posonlyargs or item.args.args) \
                if isinstance(item, Functions) else []
            if positional and not static and positional[0].arg != "self":
                old_name, positional[0].arg = positional[0].arg, "self"
                for node in ast.walk(item):
                    if isinstance(node, ast.Name) and node.id == old_name:
                        node.id = "self"
    unit = _Canonical(module.aliases, methods, this).visit(unit)
    for _ in range(MAX_PASSES):
        if not _simplify(unit):
            break
    ast.fix_missing_locations(unit)
    return unit


def _returned_call(module: _Module, target: Target) -> ast.expr | None:
    """The function called by a body that is only `return f(...)` once its noise is gone (the
    call as written in `target`, so that it resolves there), or None."""
    if isinstance(target, ast.ClassDef):
        return None
    if isinstance(target, ast.Lambda):
        value = target.body
    else:
        owner = module.owner.get(id(target))
        if not any(isinstance(node, ast.Return) and isinstance(node.value, ast.Call) and (
                module.resolve(node.value.func, owner) is not None or (
                    owner is not None and isinstance(node.value.func, ast.Name)))
                for node in ast.walk(target)):
            return None  # no `return f(...)` of a function of the submission's: quick answer
        body = _canonical(module, target, None).body
        if len(body) != 1 or not isinstance(body[0], ast.Return):
            return None
        value = body[0].value
    return value.func if isinstance(value, ast.Call) else None


def _collapsed(module: _Module, target: Target, raw: dict[str, Target], name: str,
               follow_graded: bool) -> Target:
    """`return helper(...)` is the helper (not another graded function), to any depth."""
    others = {id(t) for other, t in raw.items() if other != name}
    for _ in range(MAX_CHAIN):
        called = _returned_call(module, target)
        owner = module.owner.get(id(target))
        inner = module.resolve(called, owner) if called else None
        if inner is None and owner is not None and isinstance(called, ast.Name):
            inner = module.member(owner, called.id)  # self.helper(...), written helper(...)
        if not isinstance(inner, Functions | ast.Lambda) or inner is target or (
                id(inner) in others and not follow_graded):
            break
        target = inner
    return target


def normalise(blocks: Sequence[str], names: Sequence[str],
              follow_graded: bool = False) -> Normalised:
    """The effective code of each of `names` the blocks define, normalised (module docstring).

    A name bound to another graded function's code is not followed into unless
    `follow_graded` (the grader's modules: every function compared with its helpers)."""
    body, notes = parse(blocks)
    try:
        module = _Module(body)
    except Exception as error:  # noqa: BLE001 (as below)
        return Normalised({}, [*notes, f"could not be normalised ({type(error).__name__})"])
    roots: dict[str, Target] = {}
    opaque: set[str] = set()
    for name in names:
        found = module.resolve(ast.Name(name, ast.Load()))
        if isinstance(found, Functions | ast.Lambda):
            roots[name] = found
        elif isinstance(module.bindings.get(name), ast.expr | ast.ClassDef):
            # Bound to what this module cannot see through (a decorator's result, a callable
            # object...): the expression is the function, and what it uses is followed.
            bound = module.bindings[name]
            value = ast.Name(bound.name, ast.Load()) if isinstance(bound, ast.ClassDef) \
                else bound
            roots[name] = ast.FunctionDef(name, ast.arguments([], [], None, [], [], None, []),
                                          [ast.Return(value)], [], None, None, lineno=0)
            opaque.add(name)
    raw = {name: target for name, target in roots.items()}
    for name, target in list(roots.items()):
        if name in opaque:
            continue
        try:
            roots[name] = _collapsed(module, target, raw, name, follow_graded)
        except Exception as error:  # noqa: BLE001 (RecursionError on deep nesting, or code
            # this normaliser does not know: never a crash of the class's scan)
            notes.append(f"{name} could not be normalised ({type(error).__name__})")
            del roots[name]
    functions: dict[str, str] = {}
    for name, target in roots.items():
        stop = set() if follow_graded else {
            id(t) for other in raw if other != name for t in (roots.get(other), raw[other]) if t}
        try:
            functions[name] = _Effective(module, stop).code(target, name)
        except Exception as error:  # noqa: BLE001 (as above)
            notes.append(f"{name} could not be normalised ({type(error).__name__})")
    return Normalised(functions, notes)
