"""What a student must read first in a report, worked out from the report alone (so the terminal,
a saved JSON report and a CI log can all say it): the problems that block whole groups of checks
(a cell Python cannot read, an import that failed), each where the student sees it, and the
checks' messages shortened when such a problem is their cause; and which skipped top-level
statements matter (they were written by the student and set a name a check needed)."""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass

from autograder.checks.places import GRADING_PLACE, Cells, as_the_student_sees_it
from autograder.checks.report import Report

SYNTAX = re.compile(r"has a syntax error")
DEFINES = re.compile(r"nothing it defines \((?P<names>[^)]*)\)")
FAILED_IMPORT = re.compile(r"running your top-level code raised (?P<type>\w*(?:ImportError|"
                           r"ModuleNotFoundError)): (?P<message>.*?) at (?P<where>[^\s,`]+"
                           r"(?: \[code cell \d+\])?, line \d+) \(grading went on without it\)",
                           re.S)
MISSING = re.compile(r"^`(?P<name>\w+)` is not defined in your submission")
NAME_ERROR = re.compile(r"`(?P<function>\w+)` raised NameError: name '(?P<name>\w+)' is not "
                        r"defined")
SKIPPED = re.compile(r"^(?P<where>.*?), line (?P<line>\d+): `(?P<text>.*)` \((?P<reason>.*)\)$",
                     re.S)
ASSIGNED = re.compile(r"^\s*(?P<targets>[\w\s,()\[\]*]+?)\s*(?::[^=]*)?=(?!=)")


@dataclass
class Blocker:
    """A problem that makes many checks fail at once; the student fixes it first."""

    text: str  # the problem, where the student sees it
    short: str  # how a check's message refers to it
    names: frozenset[str] | None  # the names it leaves undefined (None: all of them)
    problem: str = ""  # the report's problem it comes from (not repeated as a note)


def _import_blocker(match: re.Match, cells: Cells) -> Blocker:
    place = as_the_student_sees_it(match["where"], cells)
    at = GRADING_PLACE.search(match["where"])
    line_number = int(match["where"].rsplit("line ", 1)[1])
    line = cells.line(int(at["cell"]), line_number) if at else cells.line(1, line_number)
    names: set[str] = set()
    try:
        for node in ast.walk(ast.parse(line)):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    except SyntaxError:
        pass
    quoted = f" `{line}`" if line else ""
    provides = f" (so {', '.join(sorted(names))} is not there)" if names else ""
    advice = (" Grading runs where this package cannot be imported; use NumPy instead, or ask "
              "your instructor which packages are allowed."
              if match["type"] == "ModuleNotFoundError" else "")  # the course's words say it
    text = (f"{place}: the import{quoted} failed: {match['type']}: {match['message']}"
            f"{provides}.{advice}")
    return Blocker(text, f"the failed import in {place.split(', line')[0]}", frozenset(names),
                   match.string)


def blockers(report: Report, cells: Cells) -> list[Blocker]:
    found = []
    for problem in report.problems:
        if SYNTAX.search(problem):
            defines = DEFINES.search(problem)
            names = frozenset(n.strip() for n in defines["names"].split(",")) if defines else None
            where = problem.split(" has a syntax error")[0].split(", line")[0]
            found.append(Blocker(as_the_student_sees_it(problem, cells),
                                 f"{where}, which has the syntax error", names, problem))
        elif match := FAILED_IMPORT.search(problem):
            found.append(_import_blocker(match, cells))
    return found


def shortened(message: str, found: list[Blocker]) -> str:
    """A check's message, pointing at the blocker that caused it instead of repeating the
    generic 'not defined' advice in every check."""
    if match := MISSING.match(message):
        for blocker in found:
            if blocker.names is None or match["name"] in blocker.names:
                return f"`{match['name']}` is missing: it is in {blocker.short} (see above)."
    if match := NAME_ERROR.search(message):
        for blocker in found:
            if blocker.names is not None and match["name"] in blocker.names:
                return (f"`{match['function']}` uses `{match['name']}`, which is missing "
                        f"because of {blocker.short} (see above).")
    return message


def needed_names(report: Report) -> set[str]:
    """Names the checks found missing: not defined, or a NameError inside a function."""
    names = set()
    for stage in report.stages:
        for check in stage.checks:
            for pattern in (MISSING, NAME_ERROR):
                if match := (pattern.match(check.message) if pattern is MISSING
                             else pattern.search(check.message)):
                    names.add(match["name"])
    return names


@functools.cache
def kit_lines() -> frozenset[str]:
    """The lines of the kit's own code cells (its demos: plots, training runs), outside the
    answers: a skipped statement that is one of them is the kit's, not the student's."""
    from autograder import assignment

    try:
        text = assignment.read_source()
    except Exception:  # noqa: BLE001 - no assignment here: every statement counts as theirs
        return frozenset()
    outside = assignment._BLOCK.sub("", text)  # noqa: SLF001 - the answers' own pattern
    return frozenset(line.strip() for line in outside.splitlines()
                     if line.strip() and not line.lstrip().startswith("#"))


def students_own(entry: str, cells: Cells) -> bool:
    """A skipped statement the student wrote: in an answer cell, or not the kit's demo code."""
    match = SKIPPED.match(entry)
    if match is None:
        return True
    at = GRADING_PLACE.search(match["where"] + f", line {match['line']}")
    if at and cells.notebook and 0 < int(at["cell"]) <= len(cells.answer) \
            and cells.answer[int(at["cell"]) - 1]:
        return True
    text = match["text"].strip()
    if text.endswith("...") and len(text) > 40:  # the report cuts long lines to 80 characters
        return not any(line.startswith(text[:-3]) for line in kit_lines())
    return text not in kit_lines()


def sets(entry: str) -> set[str]:
    """The names a skipped statement (its first line) assigns."""
    match = SKIPPED.match(entry)
    assigned = ASSIGNED.match(match["text"]) if match else None
    return set(re.findall(r"\w+", assigned["targets"])) if assigned else set()


def skipped_that_matter(report: Report, cells: Cells, everything: bool) -> list[str]:
    """The skipped statements to show: the student's own that set a name a check needed (all
    the student's own with `everything`), each placed where the student sees it."""
    needed = needed_names(report)
    shown = [entry for entry in report.skipped if students_own(entry, cells)
             and (everything or sets(entry) & needed)]
    return [as_the_student_sees_it(entry, cells) for entry in shown]
