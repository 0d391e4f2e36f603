"""Grading a whole class: one submission per student, several at a time, resumable.

`find_submissions` reads a folder holding one `.py`, `.ipynb` or folder per student (named after
the student), or nbgrader's `submitted/<student>/<assignment>/` layout. `grade_batch` grades them
in a pool of processes, each submission in its own sandbox, and writes each report to
OUT/<student>.json as soon as it is done, then OUT/grades.csv for the whole class. A report
already in OUT means that student is done: running again grades only the others (or all, with
`force`). If a grading process itself dies, the submissions it took down with it are graded
again one at a time, so no submission can cost another its result. In a course with a signing
key (keys/course.key, made by `nnkit course init`), each report it wrote is signed with it, so
that the course's board accepts grade-batch's reports and no hand-written one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import click
from tqdm import tqdm

from autograder import settings
from autograder.checks.credit import refuse_public_inputs
from autograder.checks.grade import GradeOptions, grade, parse_stages
from autograder.checks.instructor_options import (
    apply_instructor_options,
    course_values,
    instructor_options,
    public_inputs_option,
    threshold_option,
    time_budget_option,
)
from autograder.checks.report import Report, ReportError, read_report
from autograder.errors import KitEnvironmentError
from autograder.grader import run_speed, signing
from autograder.grader.course_folder import course_key, ensure_secret
from autograder.grader.grades_csv import CSV_NAME, csv_row, write_grades_csv
from autograder.outputs import write_atomically
from autograder.sandbox.policy import fence_for_credit

IGNORED = {"__pycache__": "a Python cache folder, not a submission",
           ".ipynb_checkpoints": "Jupyter's checkpoint folder, not a submission"}
SUBMISSION_SUFFIXES = (".py", ".ipynb")


class BatchError(Exception):
    """The folder cannot be graded as a class; the message says why and what to do."""


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path

    @property
    def report_name(self) -> str:
        """A safe file name; names that had to be changed get a digest of the original, so
        `alice!` and `alice?` keep reports of their own."""
        safe = re.sub(r"[^\w.-]", "_", self.student).lstrip(".") or "_"
        if safe != self.student:
            safe += "-" + hashlib.sha256(self.student.encode("utf-8", "surrogateescape")
                                         ).hexdigest()[:8]
        return safe + ".json"


@dataclass
class BatchResult:
    submissions: list[Submission]
    graded: list[str] = field(default_factory=list)  # students graded by this run
    skipped: list[str] = field(default_factory=list)  # their report was already there
    errors: dict[str, str] = field(default_factory=dict)  # student -> why no report
    ignored: dict[str, str] = field(default_factory=dict)  # entry in the folder -> why
    csv_path: Path | None = None


def why_ignored(entry: Path, submissions_are_folders: bool = False) -> str | None:
    """Why an entry of the class folder is not a submission (None: it is one)."""
    if entry.name in IGNORED:
        return IGNORED[entry.name]
    if entry.name.startswith("."):
        return "a hidden file or folder (its name starts with a dot)"
    if entry.is_symlink():
        return "a symbolic link (submissions are real files or folders)"
    if submissions_are_folders and not entry.is_dir():
        return "not a folder (nbgrader's layout is submitted/<student>/<assignment>/)"
    if not entry.is_dir() and entry.suffix not in SUBMISSION_SUFFIXES:
        return "not a .py file, .ipynb notebook or folder"
    return None


def find_submissions(folder: Path, assignment: str | None = None,
                     exclude: Path | None = None,
                     ignored: dict[str, str] | None = None) -> list[Submission]:
    """Every student's submission in `folder` (`exclude`: the output folder, if inside it);
    every other entry goes into `ignored` with the reason, so none is skipped silently."""
    if not folder.is_dir():
        raise BatchError(f"{folder} is not a folder of submissions")
    if (folder / "submitted").is_dir():
        folder = folder / "submitted"
    nbgrader = folder.name == "submitted"  # nbgrader: submitted/<student>/<assignment>/
    ignored = {} if ignored is None else ignored
    entries = []
    for entry in sorted(folder.iterdir()):
        if exclude is not None and entry.resolve() == exclude.resolve():
            continue
        reason = why_ignored(entry, nbgrader)
        if reason is None:
            entries.append(entry)
        else:
            ignored[entry.name] = reason
    if nbgrader:
        found = [Submission(entry.name, assignment_folder(entry, assignment))
                 for entry in entries]
    else:
        found = [Submission(entry.name if entry.is_dir() else entry.stem, entry)
                 for entry in entries]
    if not found:
        raise BatchError(f"no submissions in {folder}: expected one .py file, .ipynb notebook or "
                         "folder per student, or nbgrader's submitted/<student>/<assignment>/")
    clashes = sorted({s.report_name for s in found
                      if [t.report_name for t in found].count(s.report_name) > 1})
    if clashes:
        raise BatchError(f"several submissions would share a report ({', '.join(clashes)}): "
                         "give each student a single .py, .ipynb or folder")
    return found


def assignment_folder(student: Path, assignment: str | None) -> Path:
    if assignment:
        return student / assignment  # missing: graded as "does not exist", with that reason
    folders = [entry for entry in sorted(student.iterdir())
               if entry.is_dir() and why_ignored(entry) is None]
    if len(folders) == 1:
        return folders[0]
    names = ", ".join(folder.name for folder in folders) or "none"
    raise BatchError(f"{student} should hold one assignment folder (found: {names}); choose one "
                     "with --assignment NAME")


def finished_report(path: Path) -> Report | None:
    """The report already written at `path`, or None (none there, or not a whole report)."""
    try:
        return read_report(path)
    except ReportError:
        return None


def grade_one(submission: Submission, options: GradeOptions, out: Path) -> float:
    """Runs in a pool process: grade, write the report, return the score. grade() returns
    only once every process of the submission is dead, so nothing of it can touch the file."""
    report = grade(submission.path, options)
    report.student = submission.student
    write_atomically(out / submission.report_name, report.to_json() + "\n")
    return report.score


GradeFunction = Callable[[Submission, GradeOptions, Path], float]


def run_pool(submissions: list[Submission], options: GradeOptions, out: Path, jobs: int,
             task: GradeFunction, done: Callable[[Submission, str | None], None]) -> None:
    """Grade in `jobs` processes; call done(submission, error or None) as each finishes."""
    context = multiprocessing.get_context("spawn")  # no threads or state forked from us
    options = dataclasses.replace(options, gradings_at_once=max(jobs, 1))
    casualties: list[Submission] = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(task, s, options, out): s for s in submissions}
        for future in as_completed(futures):
            submission = futures[future]
            try:
                future.result()
            except BrokenProcessPool:  # a grading process died: retry its work alone
                casualties.append(submission)
                continue
            except KitEnvironmentError:
                raise  # no MNIST, no fence: no submission can be graded here
            except Exception as error:  # noqa: BLE001 - one failure must not end the batch
                done(submission, f"the grader failed: {type(error).__name__}: {error}")
                continue
            done(submission, None)
    for submission in casualties:  # now a death costs only the submission that caused it
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            try:
                pool.submit(task, submission, options, out).result()
            except BrokenProcessPool:
                done(submission, "its grading process died twice (out of memory?)")
            except KitEnvironmentError:
                raise
            except Exception as error:  # noqa: BLE001
                done(submission, f"the grader failed: {type(error).__name__}: {error}")
            else:
                done(submission, None)


def sign_reports(paths: Iterable[Path], key: signing.Key) -> None:
    """Sign the reports at `paths` (those this run wrote) with the course's key: a board in
    the course then accepts them, and refuses a report edited or written by hand."""
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # no report: the batch's CSV says why
        data.pop(signing.FIELD, None)
        write_atomically(path, json.dumps(signing.sign(data, key), indent=2) + "\n")


def grade_batch(folder: Path, out: Path, options: GradeOptions, jobs: int = 1,
                force: bool = False, assignment: str | None = None, progress: bool = True,
                task: GradeFunction = grade_one, key: signing.Key | None = None) -> BatchResult:
    """Grade every submission in `folder` into `out` (see the module's docstring), signing
    each report with `key` when given. Grading is for credit: without a fence it refuses
    (KitEnvironmentError) unless `options.unsafe`."""
    options.for_credit = True
    refuse_public_inputs(options)  # no course secret: refuse before anything is graded
    fence_for_credit(options.unsafe)
    out.mkdir(parents=True, exist_ok=True)
    ignored: dict[str, str] = {}
    result = BatchResult(find_submissions(folder, assignment, exclude=out, ignored=ignored),
                         ignored=ignored)
    todo = []
    for submission in result.submissions:
        report_path = out / submission.report_name
        if not force and finished_report(report_path) is not None:
            result.skipped.append(submission.student)
        else:
            report_path.unlink(missing_ok=True)  # never leave an old report for a new failure
            todo.append(submission)
    with tqdm(total=len(todo), desc="grading", unit="submission",
              disable=not (progress and todo)) as bar:

        def done(submission: Submission, error: str | None) -> None:
            if error is None:
                result.graded.append(submission.student)
            else:
                result.errors[submission.student] = error
            bar.set_postfix_str(submission.student, refresh=False)
            bar.update(1)

        if todo:
            run_pool(todo, options, out, max(1, min(jobs, len(todo))), task, done)
    # This machine's speed, measured once for the run, beside every training time it graded.
    run_speed.add_calibration(out / s.report_name for s in todo if s.student in result.graded)
    if key is not None:  # last: the signature covers the speed too
        sign_reports((out / s.report_name for s in todo if s.student in result.graded),
                     key)
    result.csv_path = write_csv(out, result)
    return result


def write_csv(out: Path, result: BatchResult) -> Path:
    """One row per student, in the order found, from the reports in `out`."""
    rows = []
    for submission in result.submissions:
        error = result.errors.get(submission.student)
        report = None if error else finished_report(out / submission.report_name)
        rows.append(csv_row(submission.student, submission.path, report, error))
    return write_grades_csv(out / CSV_NAME, rows)


@click.command(name="grade-batch")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the reports: <student>.json for each, and grades.csv.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Submissions graded at the same time, each in a process of its own.")
@click.option("--force", is_flag=True, help="Grade again students whose report is in --out.")
@click.option("--stages", "stages_text", help="Stages to grade, e.g. 1-5 (default: all).")
@click.option("--assignment", help="nbgrader layout: which assignment folder to grade "
              "(default: each student's only one).")
@threshold_option
@time_budget_option
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed passed to train() on MNIST.")
@click.option("--submission-timeout", type=click.FloatRange(min=1), default=None,
              help="Seconds for the whole grading of one submission [default: 2 x "
                   "--time-budget + 60].")
@click.option("--unsafe", is_flag=True,
              help="Grade even where no fence can run (no bubblewrap, not root): submitted "
                   "code then runs as you and can read and change your files.")
@public_inputs_option
@instructor_options
def grade_batch_command(folder: Path, out: Path, jobs: int, force: bool,
                        stages_text: str | None, assignment: str | None,
                        threshold: float | None, time_budget: float | None, seed: int,
                        substitute_reference: bool, submission_timeout: float | None,
                        unsafe: bool, secret_file: str | None = None,
                        public_inputs: bool | None = None) -> None:
    """Grade every submission in FOLDER (one per student), JOBS at a time.

    Exits 0 when every submission was graded (whatever the scores), 1 when the grader could
    not grade some (the CSV says which and why), 2 on a usage error."""
    ensure_secret(settings.current())  # a course makes its secret the first time it grades
    options = course_values(GradeOptions(stages=parse_stages(stages_text), seed=seed,
                                         submission_timeout=submission_timeout, unsafe=unsafe),
                            threshold, time_budget, public_inputs)
    apply_instructor_options(options, substitute_reference, secret_file)
    key_path = course_key(private=True)  # the course's keys/course.key: boards verify with it
    try:
        result = grade_batch(folder, out, options, jobs, force, assignment,
                             key=signing.load_key(key_path) if key_path else None)
    except BatchError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"{len(result.graded)} graded, {len(result.skipped)} already done "
               f"(--force grades them again), {len(result.errors)} could not be graded; "
               f"wrote {result.csv_path}")
    for student, error in result.errors.items():
        click.echo(f"  {student}: {error}", err=True)
    for name, reason in result.ignored.items():
        click.echo(f"  not a submission: {name!r}: {reason}", err=True)
    raise SystemExit(1 if result.errors else 0)
