"""`nnkit nbgrader ...`: the nbgrader cycle for the kit's course folder (README: "Grading with
nbgrader"). Each command runs nbgrader in COURSE, with alembic on PATH, and never leaves a
half-created gradebook behind."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from autograder.grader.course.driver import Outcome

DEFAULT_COURSE = "course"
course_argument = click.argument("course", default=DEFAULT_COURSE,
                                 type=click.Path(file_okay=False, path_type=Path))


def fail(error: Exception) -> None:
    raise click.ClickException(str(error)) from None


@click.group(name="nbgrader")
def nbgrader_group() -> None:
    """Grade with nbgrader: the same checks and points as `nnkit grade`."""


@nbgrader_group.command()
@course_argument
def init(course: Path) -> None:
    """Make COURSE an nbgrader course: its nbgrader_config.py (the installed kit's, pinned to
    the nnkit course in force), the source notebook, the student kit beside it, and the release
    (`nbgrader generate_assignment`), checked: stubs, no solution, no hidden test."""
    from autograder.grader.course.driver import CourseError, release
    from autograder.grader.course.init import write_config

    config, written = write_config(course)
    click.echo(f"{'wrote' if written else 'kept your'} {config}")
    try:
        path = release(course)
    except CourseError as error:
        fail(error)
    click.echo(f"released {path}: stubs, no solution, no hidden test; hand out "
               f"{path.parent}/ (the notebook, and the student kit: `pip install -r "
               "requirements.txt` there)")


@nbgrader_group.command()
@course_argument
def source(course: Path) -> None:
    """Write COURSE/source/neural_network/neural_network.ipynb from the single source of truth."""
    from autograder.grader.course.notebook import write_source

    click.echo(f"wrote {write_source(course)}")


@nbgrader_group.command()
@course_argument
def release(course: Path) -> None:
    """Write the source notebook, then `nbgrader generate_assignment` and check the release."""
    from autograder.grader.course.driver import CourseError, release

    try:
        path = release(course)
    except CourseError as error:
        fail(error)
    click.echo(f"released {path}: stubs, no solution, no hidden test")


@nbgrader_group.command(name="autograde")
@course_argument
@click.option("--student", default="*", show_default=True, help="Student id, or a glob.")
@click.option("--force", is_flag=True, help="Grade again submissions graded before.")
@click.option("--unsafe", is_flag=True, help="Grade even where no fence can run (no "
              "bubblewrap, not root); also NNKIT_UNSAFE=1.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Notebooks graded at the same time, while nbgrader runs (into its one "
              "gradebook).")
def autograde_command(course: Path, student: str, force: bool, unsafe: bool, jobs: int) -> None:
    """`nbgrader autograde`, then each student's points per stage and what went wrong.

    A notebook that hangs or kills its kernel is graded 0 for what it did not finish and
    reported here; the rest of the class is graded. Exits 0 when the batch ran, 1 when nbgrader
    graded nothing at all."""
    from autograder.grader.course.driver import CourseError, autograde
    from autograder.sandbox.policy import fence_for_credit

    fence_for_credit(unsafe)  # grading for credit: no fence, no grade (nnkit's group: exit 3)
    try:
        outcomes, result = autograde(course, student, force, jobs=jobs, unsafe=unsafe)
    except CourseError as error:
        fail(error)
    click.echo(report(outcomes))
    if result.returncode != 0 and not any(outcome.graded for outcome in outcomes):
        raise click.ClickException(f"nbgrader autograde exited {result.returncode} and graded "
                                   "no submission: see its log above.")


def report(outcomes: list[Outcome]) -> str:
    from autograder.checks.stages import STAGES

    width = max([7, *(len(outcome.student) for outcome in outcomes)])
    header = f"{'student':<{width}}  " + " ".join(f"{'s' + str(s.number):>4}" for s in STAGES)
    lines = [header + "  total  notes"]
    for outcome in outcomes:
        if not outcome.graded:
            lines.append(f"{outcome.student:<{width}}  not graded: {'; '.join(outcome.problems)}")
            continue
        points = " ".join("   -" if outcome.stages.get(s.number) is None
                          else f"{outcome.stages[s.number]:>4g}" for s in STAGES)
        notes = "; ".join(outcome.problems)
        lines.append(f"{outcome.student:<{width}}  {points}  {outcome.score:>5g}  {notes}")
    return "\n".join(lines)


@nbgrader_group.command(context_settings={"ignore_unknown_options": True})
@course_argument
@click.argument("args", nargs=-1, required=True, type=click.UNPROCESSED)
def run(course: Path, args: tuple[str, ...]) -> None:
    """`nbgrader ARGS` in COURSE, e.g. `nnkit nbgrader run course generate_feedback
    neural_network` or `... export --to grades.csv`. Exits with nbgrader's code."""
    from autograder.grader.course.driver import CourseError, run_nbgrader

    try:
        result = run_nbgrader(course, list(args))
    except CourseError as error:
        fail(error)
    sys.exit(result.returncode)
