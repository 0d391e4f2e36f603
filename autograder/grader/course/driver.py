"""Running nbgrader for the course: the right folder, the right environment, and a per-student
account of what autograde did.

nbgrader reads nbgrader_config.py only from the folder it runs in, and creates its gradebook by
running the `alembic` command found on PATH. Without alembic it leaves a half-created gradebook
(tables, but no alembic version) that later commands use without complaint. Here nbgrader runs
in the course folder with this interpreter's scripts folder first on PATH, a half-created
gradebook is refused before any command, and one a failed command just created is removed.
"""

from __future__ import annotations

import contextlib
import fnmatch
import importlib
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from autograder.checks.grade import GRADINGS_ENV
from autograder.grader import run_speed
from autograder.grader.course import (  # noqa: F401 - CONFIG, CourseError: re-exported
    ASSIGNMENT,
    CONFIG,
    CourseError,
    saved_reports,
)
from autograder.grader.course.exchange import REPORTS_ENV, GradingAhead
from autograder.sandbox.policy import UNSAFE_ENV

# nbformat and nbgrader take 1-1.5 s to import. autograde starts nbgrader and the grading ahead
# first, so what needs them (the release, reading the outcomes) imports them where it is used.

GRADEBOOK = "gradebook.db"
CALLER_CWD_ENV = "NNKIT_CALLER_CWD"  # where nbgrader was asked for (export --to: relative to it)


# -- environment and folder ---------------------------------------------------------------------
def environment() -> dict[str, str]:
    """This environment, with this interpreter's scripts (nbgrader, alembic) first on PATH."""
    scripts = sysconfig.get_path("scripts")
    env = dict(os.environ, PATH=os.pathsep.join([scripts, os.environ.get("PATH", "")]))
    for command in ("nbgrader", "alembic"):
        if shutil.which(command, path=env["PATH"]) is None:
            raise CourseError(f"`{command}` is not installed beside {sys.executable} (looked in "
                              f"{scripts} and on PATH). Install the kit with its nbgrader "
                              "extra, `pip install \"nnkit[nbgrader]\"` (or the wheel: "
                              "`pip install \"nnkit-VERSION-py3-none-any.whl[nbgrader]\"`), "
                              "which installs nbgrader and alembic.")
    return env


def check_course(course: Path) -> Path:
    course = course.resolve()
    if not (course / CONFIG).is_file():
        raise CourseError(f"{course} has no {CONFIG}: make the nbgrader course with `nnkit "
                          f"nbgrader init {course}` (nbgrader reads its configuration only from "
                          "the folder it runs in).")
    return course


def gradebook_tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        return {name for (name,) in rows}


def half_created(course: Path) -> bool:
    """A gradebook file whose creation did not finish: no alembic version recorded."""
    path = course / GRADEBOOK
    return path.exists() and "alembic_version" not in gradebook_tables(path)


def run_nbgrader(course: Path, args: list[str], capture: bool = False,
                 extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`nbgrader ARGS` in the course folder; never leaves a half-created gradebook behind."""
    course = check_course(course)
    env = {**environment(), **(extra_env or {})}
    if half_created(course):
        raise CourseError(f"{course / GRADEBOOK} is half-created (it has no alembic_version "
                          "table: alembic was not on PATH when nbgrader created it). If it holds "
                          "no grades yet, delete it and run the command again; otherwise stamp it "
                          "with `alembic` (see nbgrader's `nbgrader db upgrade`).")
    env.setdefault(CALLER_CWD_ENV, os.getcwd())  # export --to FILE: relative to the caller
    existed = (course / GRADEBOOK).exists()
    command = [sys.executable, "-m", "nbgrader", *args]
    result = subprocess.run(command, cwd=course, env=env, text=True,
                            capture_output=capture)
    if not existed and half_created(course):
        (course / GRADEBOOK).unlink()
        raise CourseError(f"`nbgrader {' '.join(args)}` failed while creating the gradebook; "
                          f"the half-created {course / GRADEBOOK} was removed.")
    return result


def require_success(result: subprocess.CompletedProcess, what: str) -> None:
    if result.returncode != 0:
        tail = "\n".join((result.stderr or "").splitlines()[-15:])
        raise CourseError(f"{what} failed (nbgrader exited {result.returncode})"
                          + (f":\n{tail}" if tail else "; see its log above."))


# -- the release ----------------------------------------------------------------------------------
def release(course: Path, capture: bool = False, student_kit: bool = True) -> Path:
    """Write the source notebook from the single source of truth and, beside it, the student
    kit (the student wheel and its requirements.txt, init.py), generate the students' release
    with nbgrader, and make sure it holds stubs and no solution or hidden test."""
    from autograder.grader.course.init import write_student_kit
    from autograder.grader.course.notebook import write_source

    course = check_course(course)
    source = write_source(course)
    if student_kit:
        write_student_kit(source.parent)
    require_success(run_nbgrader(course, ["generate_assignment", ASSIGNMENT, "--force"],
                                 capture), "nbgrader generate_assignment")
    path = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    leaks = release_leaks(path)
    if leaks:
        raise CourseError(f"{path} is not safe to hand out: " + "; ".join(leaks))
    # The course's public settings beside the notebook: the students' test cells read them.
    from autograder.grader.release import public_settings
    from autograder.settings import SETTINGS_FILE

    (path.parent / SETTINGS_FILE).write_text(public_settings(), encoding="utf-8")
    return path


def release_leaks(path: Path) -> list[str]:
    """What a release notebook must not hold: solution code, hidden tests; and it needs stubs."""
    import nbformat

    from autograder import assignment
    from autograder.grader.course.notebook import BEGIN_HIDDEN

    text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    leaks = []
    bodies = ["\n".join(block.splitlines()[1:-1])
              for block in assignment.solution_blocks(assignment.read_source())]
    shown = sum(1 for body in bodies if body.strip() and body in text)
    if "BEGIN SOLUTION" in text or shown:
        leaks.append(f"it contains solution code ({shown} solution block(s) verbatim)")
    if BEGIN_HIDDEN in text or "instructor=True" in text:
        leaks.append("it contains hidden tests")
    if "NotImplementedError" not in text:
        leaks.append("it has no stubs (no NotImplementedError)")
    return leaks


# -- autograde and what it did ------------------------------------------------------------------
@dataclass
class Outcome:
    student: str
    graded: bool
    stages: dict[int, float | None] = field(default_factory=dict)  # test cell points
    problems: list[str] = field(default_factory=list)  # dead or stuck kernel, timeouts

    @property
    def score(self) -> float:
        return sum(points or 0.0 for points in self.stages.values())


def submitted_students(course: Path, pattern: str = "*") -> list[str]:
    folder = course / "submitted"
    return sorted(path.parent.name for path in folder.glob(f"*/{ASSIGNMENT}")
                  if path.is_dir() and fnmatch.fnmatchcase(path.parent.name, pattern))


@contextlib.contextmanager
def environment_variable(name: str, value: str):  # noqa: ANN201 - a context manager
    """`name` set to `value` in this process's environment (inherited by the processes it
    starts) while the block runs, then as it was."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def autograde(course: Path, student: str = "*", force: bool = False,
              capture: bool = False, jobs: int = 1, unsafe: bool = False
              ) -> tuple[list[Outcome], subprocess.CompletedProcess]:
    """`nbgrader autograde` for the submissions matching `student`, then what happened to each.

    nbgrader grades each notebook's definitions in the fenced sandbox, from outside the kernel
    (outside.py), in its one process and gradebook. With `jobs` > 1, `jobs` - 1 helper
    processes grade the class from its other end at the same time, and nbgrader takes their
    reports (exchange.py). nbgrader exits 1 when any notebook could not be graded; the outcomes
    say which, so one student's notebook never hides the results of the others. `unsafe`
    grades even where no fence can run (NNKIT_UNSAFE=1 for nbgrader's process)."""
    course = check_course(course)
    students = submitted_students(course, student)
    if not students:
        raise CourseError(f"no submissions matching {student!r} in {course / 'submitted'} "
                          f"(expected submitted/STUDENT/{ASSIGNMENT}/{ASSIGNMENT}.ipynb; "
                          "`nbgrader collect` or `nbgrader zip_collect` puts them there).")
    args = ["autograde", ASSIGNMENT, f"--student={student}", *(["--force"] if force else [])]
    todo = sorted((course / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
                   for name in students if force or not (
                       course / "autograded" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
                   ).exists()), key=lambda path: str(path.parent))  # nbgrader's own order
    # Reading the outcomes needs nbgrader's api, whose package takes about 1.5 s to import (it
    # imports its server extensions): that happens while nbgrader runs, not after.
    importing = threading.Thread(target=importlib.import_module, args=("nbgrader.api",),
                                 daemon=True)
    importing.start()
    extra = {UNSAFE_ENV: "1"} if unsafe else {}
    extra[GRADINGS_ENV] = str(jobs)  # nbgrader's process and the helpers share the cores
    with contextlib.ExitStack() as stack:
        stack.enter_context(environment_variable(GRADINGS_ENV, str(jobs)))  # (the helpers')
        if jobs > 1 and len(todo) > 1:  # helpers grade from the class's other end
            folder = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="nnkit-nbgrader-reports-"))
            stack.enter_context(GradingAhead(todo, Path(folder), jobs - 1, unsafe))
            extra[REPORTS_ENV] = folder
        result = run_nbgrader(course, args, capture, extra)
    importing.join()
    # This machine's speed, once per run, beside the training times just graded (boards and
    # the class report then show normalised times).
    run_speed.add_calibration(saved_reports.report_path(course, ASSIGNMENT, name)
                              for name in students)
    return [outcome(course, name) for name in students], result


def outcome(course: Path, student: str) -> Outcome:
    path = course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    if not path.exists():
        return Outcome(student, False, problems=["nbgrader could not grade this notebook (see "
                                                 "its log); it holds no score"])
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.checks.stages import STAGES
    from autograder.grader.course.notebook import stage_tests_id

    result = Outcome(student, True, problems=cell_problems(path))
    with Gradebook(f"sqlite:///{course / GRADEBOOK}") as gradebook:
        for stage in STAGES:
            try:
                grade = gradebook.find_grade(stage_tests_id(stage.number), ASSIGNMENT,
                                             ASSIGNMENT, student)
            except MissingEntry:
                result.stages[stage.number] = None
            else:
                result.stages[stage.number] = grade.score
    return result


def cell_problems(path: Path) -> list[str]:
    """The autograded notebook's cells that timed out, killed the kernel, or were not run."""
    import nbformat

    from autograder.grader.course.preprocessors import KERNEL_DIED, KERNEL_STUCK, NOT_RUN, TIMED_OUT

    problems, not_run = [], 0
    code_cells = [cell for cell in nbformat.read(path, as_version=4).cells
                  if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        found = {output.ename: output.evalue for output in cell.get("outputs", [])
                 if output.output_type == "error"}
        if NOT_RUN in found:
            not_run += 1
        elif KERNEL_DIED in found or KERNEL_STUCK in found:
            problems.append(found.get(KERNEL_DIED) or found[KERNEL_STUCK])
        elif TIMED_OUT in found:
            problems.append(f"code cell {number} ran past its time limit and was interrupted")
    if not_run:
        problems.append(f"{not_run} later code cell(s) not run, their test cells scored 0")
    return problems
