"""What the nbgrader test cells call, inside the notebook's kernel.

It is part of what a student installs (the student wheel of `nnkit release`, which holds no
`autograder/grader`): in a student's own Jupyter session the checks compare with the release's
recorded expected values, as `nnkit check` does there, and only the visible checks run (a
release holds no hidden check). At autograde the points come from outside the kernel
(autograder/grader/course/outside.py); this module only gives the student quick feedback.

A stage's test cell runs `grade_checks(3)`: the kit's stage-3 checks, through the same
`autograder.checks.grade.run_stage` that `nnkit grade` uses. The student's functions never
run in this kernel: as in `nnkit grade`, the checks call them in a sandboxed worker loaded
with only the *definitions* of the cells this kernel has run so far (IPython's input history;
the test cells themselves left out). So each check's message and points are the same in both
paths, and a function that hangs or crashes costs its own checks, not the kernel.

nbgrader gives a test cell partial credit when the cell's value is a number: `grade_checks`
prints every check's verdict and returns the points earned. Nothing here may reach stderr,
which nbgrader counts as a failed test cell.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from autograder.checks.context import Grading
from autograder.checks.grade import (
    GradeOptions,
    allowed_packages,
    drawn_inputs,
    load_problems,
    run_stage,
)
from autograder.checks.report import StageResult
from autograder.checks.stage import Check, Stage
from autograder.checks.stages import needed_names
from autograder.checks.stages import stage as stage_by_number
from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.loader import (
    CodeBlock,
    SubmissionLoadError,
    SubmissionSource,
    UnparsableCode,
    find_submission_file,
    parse_python,
    strip_magics,
)

TEST_CELL_MARKER = "# nnkit autograder:"  # first line of every generated test cell


def options() -> GradeOptions:
    """The defaults of `nnkit grade`: the same threshold, budgets and seed (the course's)."""
    return GradeOptions()


def instructor_only(check: Check) -> bool:
    """Checks kept in the hidden-test block of their stage's cell: the kit's hidden checks, and
    the training on MNIST (minutes of work that only the instructor's grading should spend every
    time; students try it with `nnkit check --stage 6`)."""
    return check.withheld or trains_on_mnist(check)


def trains_on_mnist(check: Check) -> bool:
    return {"HYPERPARAMS", "train"} <= set(check.needs)


def checks_of(number: int, instructor: bool) -> Stage:
    """Stage `number` with only its instructor-only checks, or only the others."""
    stage = stage_by_number(number)
    chosen = [check for check in stage.checks if instructor_only(check) == instructor]
    return Stage(stage.number, stage.name, stage.summary, chosen)


# -- the code to grade: what this kernel has run ----------------------------------------------
def executed_cells() -> list[str]:
    """The source of every cell this kernel has run, in order."""
    try:
        from IPython import get_ipython
    except ImportError:
        shell = None
    else:
        shell = get_ipython()
    if shell is None:
        raise RuntimeError("grade_checks() grades the cells run in a Jupyter kernel; run it in "
                           "the notebook's test cell. To grade a file, run `nnkit grade FILE`.")
    return list(shell.history_manager.input_hist_raw[1:])


def saved_cell_labels(folder: Path) -> dict[str, str]:
    """How `nnkit grade` names the saved notebook's code cells in its messages, by source (so
    that a message saying where an error happened is the same in both paths)."""
    try:
        path = find_submission_file(folder)
        if path.suffix != ".ipynb":
            return {}
        import nbformat

        notebook = nbformat.read(path, as_version=4)
    except (SubmissionLoadError, OSError, ValueError, RecursionError, MemoryError):
        return {}  # no saved notebook here: cells are named by their execution number
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    return {cell.source.strip(): f"{path.name} [code cell {number}]"
            for number, cell in enumerate(code_cells, start=1)}


def submission_source(cells: list[str], labels: dict[str, str]) -> SubmissionSource:
    """The executed cells as code blocks, read as the loader reads a saved notebook's cells."""
    blocks, problems = [], []
    for count, text in enumerate(cells, start=1):
        if any(line.startswith(TEST_CELL_MARKER) for line in text.splitlines()):
            continue  # a test cell: the grader's code, not the student's
        label = labels.get(text.strip(), f"notebook In [{count}]")
        source = strip_magics(text)
        try:
            parse_python(source, label)
        except UnparsableCode as error:
            problems.append(f"{label} {error.reason}; it was skipped, so nothing it defines can "
                            "be graded")
            continue
        blocks.append(CodeBlock(label, source))
    return SubmissionSource(Path("notebook kernel"), "ipynb", blocks, problems)


# -- one sandboxed worker per set of definitions -------------------------------------------
@dataclass
class Session:
    key: tuple[tuple[str, str], ...]  # the code blocks the worker was loaded with
    source: SubmissionSource
    sub: SandboxedSubmission
    grading: Grading  # the options and the memo (stage 6's training) shared by its cells


_session: Session | None = None


def sandbox_for(source: SubmissionSource) -> Session:
    """The worker for these definitions: reused while no new code cell has run (a stage's
    visible and hidden checks share it, and so the MNIST training), else started afresh."""
    global _session
    key = tuple((block.filename, block.source) for block in source.blocks)
    if _session is not None and _session.key == key:
        return _session
    previous, _session = _session, None
    timed_out: set[str] = set()
    if previous is not None:
        previous.sub.close()
        if key[: len(previous.key)] == previous.key:  # only new cells since: same functions
            timed_out = set(previous.sub.timed_out)  # a function that hung is not waited for again
    chosen = options()
    sub = SandboxedSubmission(source.needing(needed_names()),
                              allowed_packages=allowed_packages(chosen))
    sub.call_timeout = chosen.call_timeout
    sub.timed_out = timed_out
    sub.start()
    _session = Session(key, source, sub, Grading(sub, chosen))
    return _session


@atexit.register
def _close() -> None:
    if _session is not None:
        _session.sub.close()


# -- the test cell's entry point ---------------------------------------------------------------
VALIDATING_ENV = "NBGRADER_VALIDATING"  # set by `nbgrader validate` (and its Validate button)


def grade_checks(stage: int, instructor: bool = False) -> float:
    """Run stage `stage`'s checks (the instructor-only ones if `instructor`) on the code this
    kernel has run; print each verdict; return the points earned, nbgrader's partial credit.
    Under `nbgrader validate`, every check this kit holds for the stage runs (MNIST training
    included): the cell is worth the whole stage, and validation says whether it is earned."""
    if os.environ.get(VALIDATING_ENV) and not instructor \
            and checks_of(stage, instructor=True).checks:
        return _grade_checks(stage, False) + _grade_checks(stage, True)
    return _grade_checks(stage, instructor)


def _grade_checks(stage: int, instructor: bool) -> float:
    cells = executed_cells()
    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = sandbox_for(submission_source(cells, saved_cell_labels(Path.cwd())))
        chosen = session.grading.options
        with drawn_inputs(chosen):  # the course secret, when the grading environment has one
            result = run_stage(checks_of(stage, instructor), session.grading)
        problems = load_problems(session.source, session.sub)
    print(describe(result, stage_by_number(stage), instructor, problems))
    return float(result.score)


def describe(result: StageResult, stage: Stage, instructor: bool, problems: list[str]) -> str:
    part = "instructor's checks" if instructor else "checks"
    lines = [f"Stage {stage.number}, {stage.name}: {result.score:g} of {result.max_score:g} "
             f"points from the {part} below."]
    lines += [f"Note: {problem}" for problem in problems]
    for check in result.checks:
        mark = "PASS" if check.passed else "FAIL"
        lines.append(f"  {mark} {check.name} ({check.score:g}/{check.max_score:g})")
        lines += [f"       {line}" for line in check.message.splitlines()]
    mnist = sum(check.points for check in stage.checks
                if trains_on_mnist(check) and not check.withheld)
    if not instructor and mnist:
        lines.append(f"The other {mnist:g} points are checked when your instructor grades "
                     f"(training on MNIST takes minutes); try it with `nnkit check --stage "
                     f"{stage.number}`.")
    return "\n".join(lines)
