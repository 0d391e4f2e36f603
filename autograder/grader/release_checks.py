"""What a student release ships of the course's checks: the visible ones only.

`nnkit release` cuts from the check modules it ships every check the course hides (`hidden=True`
in the module, or listed in the course's `[hidden] checks`), and from the instructor's own
modules (`COURSE/checks/*.py`, autograder/checks/adapted.py) also their `@expected.request`
functions: the grader's arithmetic, whose answers the release records instead. The instructor's
modules that keep a visible check go into the wheel as `autograder/checks/course_checks/`, where
the release's kit loads them.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from autograder import settings
from autograder.checks import adapted
from autograder.checks.stages import STAGES

COURSE_CHECKS = "autograder/checks/course_checks"  # inside the release's wheel


def _is_hidden_check(decorator: ast.expr) -> bool:
    """`@STAGE.check(name, points, needs, hidden=...)` with a hidden flag that is not a literal
    False (a flag computed at run time counts as hidden: better cut than leaked)."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "check"):
        return False
    flags = [keyword.value for keyword in decorator.keywords if keyword.arg == "hidden"]
    flags += decorator.args[3:4]
    return any(not (isinstance(flag, ast.Constant) and flag.value is False) for flag in flags)


def hidden_check_functions(text: str) -> list[ast.FunctionDef]:
    """The module-level functions of a stage module that are registered as hidden checks."""
    return [node for node in ast.parse(text).body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and any(_is_hidden_check(decorator) for decorator in node.decorator_list)]


def without_hidden_checks(text: str) -> str:
    """The module with every hidden check cut out: decorators, body, and the comment lines
    right above it."""
    return _cut(text, hidden_check_functions(text))


def withheld_functions() -> dict[Path, set[str]]:
    """The functions of the hidden checks of the course in force, by the file defining them."""
    found: dict[Path, set[str]] = {}
    for stage in STAGES:
        for check in stage.checks:
            if check.withheld:
                source = inspect.getsourcefile(check.run)
                if source:
                    found.setdefault(Path(source).resolve(), set()).add(check.run.__name__)
    return found


def _is_request(decorator: ast.expr) -> bool:
    """`@expected.request(...)` or `@request(...)`: the grader's arithmetic."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return (isinstance(target, ast.Attribute) and target.attr == "request") or (
        isinstance(target, ast.Name) and target.id == "request")


def cut_functions(text: str, names: set[str], requests: bool = False) -> str:
    """`text` without the module-level functions named `names` (and, if `requests`, those
    decorated with `expected.request`): decorators, body, and the comment lines right above."""
    return _cut(text, [node for node in ast.parse(text).body
                       if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                       and (node.name in names
                            or (requests and any(_is_request(d) for d in node.decorator_list)))])


def _cut(text: str, nodes: list[ast.FunctionDef]) -> str:
    """`text` without these module-level functions, their decorators and the comments above."""
    if not nodes:
        return text
    lines = text.splitlines(keepends=True)
    for node in reversed(nodes):
        start = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)]) - 1
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        del lines[start:node.end_lineno]
    return re.sub(r"\n{4,}", "\n\n\n", "".join(lines))


def without_course_hidden(path: Path, text: str) -> str:
    """A kit module's text without the checks the course's [hidden] list names."""
    return cut_functions(text, withheld_functions().get(path.resolve(), set()))


def shipped_text(path: Path) -> str:
    """A kit module as the release ships it: no hidden check, the kit's or the course's."""
    return without_hidden_checks(without_course_hidden(path, path.read_text(encoding="utf-8")))


def course_check_files() -> dict[str, bytes]:
    """The instructor's check modules as the release ships them, by path inside the wheel:
    no hidden check, no `expected.request` arithmetic; a module left with no check stays out."""
    course = settings.current()
    folder = course.checks_folder
    if folder is None or not folder.is_dir():
        return {}
    withheld = withheld_functions()
    files: dict[str, bytes] = {}
    for path in adapted.module_paths(course):
        if path.parent.resolve() != folder.resolve():
            continue  # a copy a release carried: not this course's own
        text = path.read_text(encoding="utf-8")
        shipped = without_hidden_checks(cut_functions(
            text, withheld.get(path.resolve(), set()), requests=True))
        checks = [node for node in ast.parse(shipped).body
                  if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                  and any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                          and d.func.attr == "check" for d in node.decorator_list)]
        if checks and not hidden_check_functions(shipped):
            files[f"{COURSE_CHECKS}/{path.name}"] = shipped.encode()
    return files
