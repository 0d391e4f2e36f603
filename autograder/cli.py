"""The `nnkit` command line."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

from autograder import early_fence

early_fence.begin(sys.argv)  # the fence's self-test overlaps the imports below

import click  # noqa: E402

from autograder import __version__, assignment  # noqa: E402
from autograder.checks.fence import weakened  # noqa: E402
from autograder.checks.grade import GradeOptions, all_stages, grade, parse_stages  # noqa: E402
from autograder.checks.instructor_options import (  # noqa: E402
    apply_instructor_options,
    course_values,
    instructor_options,
    threshold_option,
    time_budget_option,
)
from autograder.checks.report import Report, default_student  # noqa: E402
from autograder.checks.terminal import Printer  # noqa: E402
from autograder.course_option import course_option, use_course  # noqa: E402
from autograder.errors import EXIT_ENVIRONMENT, KitEnvironmentError  # noqa: E402
from autograder.outputs import adding_to_folder, one_line_errors  # noqa: E402
from autograder.resources import ASSIGNMENT_ENV  # noqa: E402
from autograder.sandbox.loader import PREFERRED_NAMES  # noqa: E402
from autograder.sandbox.policy import choose_isolation  # noqa: E402

WORK_FOLDER = "."  # the student's notebook lives at the top of their repository
LEGACY_FOLDER = "my_work"  # where `nnkit start` used to write it


def find_working_copy() -> Path:
    """The student's one working copy, the same for `nnkit start`, `nnkit check`, the pytest
    suite and the CI workflow: $NNKIT_SUBMISSION, else neural_network.ipynb (or .py) in the
    current folder; a copy in my_work/ (written by older kits) only when there is none here."""
    if os.environ.get("NNKIT_SUBMISSION"):
        return Path(os.environ["NNKIT_SUBMISSION"])
    for folder in (Path(WORK_FOLDER), Path(LEGACY_FOLDER)):
        for name in PREFERRED_NAMES:
            if (folder / name).is_file():
                return folder / name
    raise click.UsageError(
        "No work found: expected neural_network.ipynb (or neural_network.py) in this folder. "
        "Run `nnkit start` to create it, or pass --submission PATH."
    )


def warn_if_unfenced(report: Report) -> None:
    """One line on stderr when the worker ran behind a weak fence (see checks/fence.py)."""
    warning = weakened(report.fence, report.isolation)
    if warning:
        click.echo(warning, err=True)
class KitGroup(click.Group):
    """The `nnkit` group: an environment fault (no MNIST, no usable fence, a bad setting) in any
    command ends it with one line naming the fix and exit status 3, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KitEnvironmentError as error:
            click.echo(f"nnkit: cannot grade here: {error}", err=True)
            sys.exit(EXIT_ENVIRONMENT)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A command of its own module is imported when it is run (see LAZY_COMMANDS)."""
        command = super().get_command(ctx, cmd_name)
        target = lazy_commands().get(cmd_name) if command is None else None
        if target:
            import importlib

            module, attribute = target.split(":")
            command = getattr(importlib.import_module(module), attribute)
            self.add_command(command, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *lazy_commands()})


def grading_options(stages: tuple[int, ...], threshold: float | None, time_budget: float | None,
                    seed: int, verbose: bool, printer: Printer | None,
                    locked: bool) -> GradeOptions:
    """The options of one grading; a threshold or budget not given is the course's."""
    options = GradeOptions(stages=stages, stop_at_first_failing_stage=locked, seed=seed,
                           verbose=verbose, on_check=printer.check_line if printer else None)
    return course_values(options, threshold, time_budget)


common = [
    threshold_option,
    time_budget_option,
    click.option("--seed", type=int, default=0, show_default=True,
                 help="Seed passed to train() on MNIST."),
    click.option("--verbose", is_flag=True, help="Show full tracebacks from your code."),
]


def with_common(function):
    for option in reversed(common):
        function = option(function)
    return function


@click.group(cls=KitGroup)
@click.version_option(version=__version__, prog_name="nnkit")
@click.option("--assignment", "assignment_source", type=click.Path(exists=True),
              envvar=ASSIGNMENT_ENV, show_envvar=True,
              help="Your own copy of the assignment (the folder holding neural_network.py, or "
                   "the file): start, generate, release and grade --reference use it.")
@course_option
@click.pass_context
def main(context: click.Context, assignment_source: str | None,
         course_folder: Path | None) -> None:
    """nnkit: build a neural network from scratch, and have it graded."""
    if assignment_source:  # read by autograder.resources, here and in the commands' helpers
        previous = os.environ.get(ASSIGNMENT_ENV)
        os.environ[ASSIGNMENT_ENV] = str(Path(assignment_source).resolve())
        context.call_on_close(lambda: restore_variable(ASSIGNMENT_ENV, previous))
    use_course(context, course_folder)  # its settings, secret, keys and assignment


def restore_variable(name: str, value: str | None) -> None:
    """Put an environment variable back (the CLI may run inside another program, or a test)."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@main.command()
@click.argument("folder", default=WORK_FOLDER, type=click.Path(file_okay=False))
@click.option("--py", "as_py", is_flag=True, help="Write a .py file instead of a notebook.")
def start(folder: str, as_py: bool) -> None:
    """Create your notebook (stubs to fill in) in FOLDER (default: here), unless it exists."""
    target = Path(folder) / (f"{assignment.DEFAULT}.py" if as_py else f"{assignment.DEFAULT}.ipynb")
    checked = "`nnkit check`" if folder == WORK_FOLDER else f"`nnkit check --submission {target}`"
    if target.exists():
        click.echo(f"Your work is already in {target} (left as it is). Open it, fill in the "
                   f"stubs, and run {checked}.")
        return
    with one_line_errors():
        path = assignment.write_student_copy(folder, as_notebook=not as_py)
    click.echo(f"Wrote {path}: your working copy. Open it, fill in the stubs, and run {checked}.")


@main.command()
@click.argument("file", required=False, type=click.Path(exists=True))
@click.option("--stage", "stage", type=click.IntRange(min=1),
              help="Check only this stage.")
@click.option("--submission", type=click.Path(exists=True), help="Your file or folder (the "
              "same as FILE).")
@with_common
def check(file: str | None, stage: int | None, submission: str | None, threshold: float,
          time_budget: float, seed: int, verbose: bool) -> None:
    """Check your work (FILE, default: your notebook here), stage by stage (later stages stay
    locked until earlier ones pass)."""
    if file and submission and Path(file) != Path(submission):
        raise click.UsageError("give your work as FILE or as --submission, not both")
    submission = file or submission
    path = Path(submission) if submission else find_working_copy()
    printer = Printer(verbose=verbose)
    early_fence.wait()
    fence = choose_isolation()
    notes = []  # said after the report: nothing is printed before grading has finished
    if not fence.fenced:  # fine on a student's own machine; grading for credit refuses this
        notes.append((f"Note: no sandbox here ({fence.reason}); your code runs as you.", None))
    legacy = Path(LEGACY_FOLDER) / path.name
    if not submission and path.parent == Path(WORK_FOLDER) and legacy.is_file():
        notes.append((f"Note: {legacy} is another copy and is not checked; the workflow grades "
                      f"{path}. Move your work into {path}.", "yellow"))
    if stage and stage not in all_stages():  # the course may add stages after the kit's six
        raise click.BadParameter(f"stages are numbered 1-{all_stages()[-1]}", param_hint="--stage")
    stages = (stage,) if stage else all_stages()
    report = grade(path, grading_options(stages, threshold, time_budget, seed, verbose, printer,
                                         locked=stage is None))
    for stage_result in report.stages:
        if not stage_result.ran and stage_result.stage in stages:
            printer.locked(stage_result)
    printer.summary(report, selected=None if stage is None else stages)
    for note, colour in notes:
        printer.say(note, fg=colour)
    selected = [s for s in report.stages if s.stage in stages]
    sys.exit(0 if all(s.passed for s in selected) else 1)


@main.command(name="grade")
@click.argument("submission", required=False, type=click.Path(exists=True))
@click.option("--reference", is_flag=True, help="Grade the kit's reference solution.")
@click.option("--stages", "stages_text", help="Stages to grade, e.g. 1-5 (default: all).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the report.")
@click.option("--quiet", is_flag=True, help="Print only the score.")
@click.option("--student", help="Whose work this is, for the leaderboard (default: "
              "$GITHUB_ACTOR, else $GITHUB_REPOSITORY_OWNER, else the submission's folder).")
@instructor_options
@with_common
def grade_command(submission: str | None, reference: bool, stages_text: str | None,
                  json_path: str | None, quiet: bool, student: str | None,
                  substitute_reference: bool, secret_file: str | None, threshold: float,
                  time_budget: float, seed: int, verbose: bool) -> None:
    """Grade SUBMISSION (.py, .ipynb or a folder) and optionally write a JSON report.

    Exits 0 whenever grading completed, whatever the score; 2 on a usage error; 3 when the
    environment cannot grade (no MNIST, no usable fence): the message names the fix."""
    if bool(submission) == reference:
        raise click.UsageError("give a SUBMISSION to grade, or --reference (not both)")
    if reference and not assignment.holds_solution():
        raise click.UsageError("this copy of the kit holds no reference solution (it is a "
                               "student release); grade your own file instead")
    stages = parse_stages(stages_text)
    printer = None if quiet else Printer(verbose=verbose)
    options = grading_options(stages, threshold, time_budget, seed, verbose, printer, False)
    apply_instructor_options(options, substitute_reference, secret_file)
    early_fence.wait()
    with tempfile.TemporaryDirectory(prefix="nnkit-reference-") as scratch:
        path = Path(submission) if submission else assignment.write_solution(scratch)
        report = grade(path, options)
    report.student = student or ("reference" if reference else default_student(path))
    from autograder.checks import calibration

    calibration.calibrate(report)  # the same job's speed, for the leaderboard (after MNIST)
    if printer:  # the reference was graded from a temporary file, gone by now: no name
        printer.summary(report, selected=None if stages == all_stages() else stages,
                        graded="the kit's reference solution" if reference else None,
                        command="grade")
    else:
        click.echo(f"{report.score:g}/{report.max_score:g}")
    warn_if_unfenced(report)
    if json_path:
        report.write(json_path)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False))
def generate(folder: str) -> None:
    """Write every generated version of the assignment into FOLDER (for instructors)."""
    out = Path(folder)
    with one_line_errors(), adding_to_folder(out) as staging:
        # A student release holds only stubs: a "solution" made from them would be a stub too.
        has_solution = assignment.holds_solution()
        made = [assignment.write_student_copy(staging / "student"),
                assignment.write_student_copy(staging / "student", as_notebook=False)]
        if has_solution:
            made.append(assignment.write_solution(staging / "solution"))
    written = [out / path.relative_to(staging) for path in made]
    for path in written:
        click.echo(f"wrote {path}")
    if not has_solution:
        click.echo("no solution written: this copy of the kit holds no reference solution (it is "
                   "a student release)")


@main.command(name="download-mnist")
def download_mnist() -> None:
    """Download (or copy from $NNKIT_MNIST_DIR) and verify MNIST into the kit's cache."""
    from autograder.data import ensure_mnist

    # A failure is the environment's (offline, a wrong NNKIT_MNIST_DIR, a full disk): KitGroup
    # prints its one line and exits 3, as in every other command.
    folder = ensure_mnist()
    click.echo(f"MNIST is ready in {folder}")


# Commands with a module of their own, imported only when run (or listed by --help): `nnkit
# check` need not pay for Jinja, cryptography or nbgrader's helpers at every start.
LAZY_COMMANDS = {
    "summary": "autograder.checks.summary:summary_command",
    "calibrate": "autograder.checks.calibration:calibrate_command",
}
# The instructor's commands: only in the instructor's kit. A student release holds no
# autograder/grader, so it has none.
INSTRUCTOR_COMMANDS = {  # the same as autograder/grader/commands.py's COMMANDS (tested)
    "release": "autograder.grader.release:release_command",
    "leaderboard": "autograder.grader.classroom.leaderboard:leaderboard_command",
    "gradescope": "autograder.grader.gradescope:gradescope_command",
    "nbgrader": "autograder.grader.course.cli:nbgrader_group",
    "grade-batch": "autograder.grader.batch:grade_batch_command",
    "classroom": "autograder.grader.classroom.cli:classroom_group",
    "class-report": "autograder.grader.classroom.class_report:class_report_command",
    "export-grades": "autograder.grader.classroom.lms_export:export_grades_command",
    "regrade": "autograder.grader.regrade:regrade_command",
    "course": "autograder.grader.course_folder:course_group",
}


def lazy_commands() -> dict[str, str]:
    """Command name -> "module:attribute", the instructor's only where autograder/grader is."""
    import importlib.util

    commands = dict(LAZY_COMMANDS)
    if importlib.util.find_spec("autograder.grader") is not None:
        commands.update(INSTRUCTOR_COMMANDS)
    return commands


def instructor_commands() -> list[click.Command]:
    """The instructor's commands, imported (autograder/grader/commands.py lists them too)."""
    return [command for name in INSTRUCTOR_COMMANDS
            if (command := main.get_command(click.Context(main), name)) is not None]


def run() -> NoReturn:
    """The `nnkit` program (its console script, and `python -m autograder.cli`). A command that
    grades ends without the interpreter's teardown of every module (NumPy's among them): about
    30 ms of a half-second `nnkit check`. Nothing is lost but that time: its exit handlers run
    (temporary folders, the kept worker) and its output is flushed first. Any other command, or
    an error that escapes, ends as Python ends."""
    if sys.argv[1:2] and sys.argv[1] in early_fence.COMMANDS:
        try:
            main()
        except SystemExit as done:
            finish(done.code)
    main()
    raise SystemExit(0)  # not reached: click ends the command with SystemExit


def finish(code: object) -> NoReturn:
    """End now with `code` (as SystemExit would take it), after the exit handlers."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # sys.exit("message"): the message, status 1
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a reader gone: nothing more to say
            stream.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    run()
