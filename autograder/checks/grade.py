"""Grading, as a pipeline of small steps: read the submission, start its worker, run each
selected stage's checks, and assemble the report."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import click

from autograder import settings
from autograder.checks import blame, expected, grader_seam, inputs, mistakes
from autograder.checks.context import Grading
from autograder.checks.credit import public_inputs_requested, refuse_public_inputs
from autograder.checks.explain import explain
from autograder.checks.report import CheckResult, Report, StageResult
from autograder.checks.stage import Check, CheckFailed, Stage
from autograder.checks.stages import KIT_STAGES, STAGES, needed_names
from autograder.errors import KitEnvironmentError
from autograder.sandbox.client import SandboxedSubmission, SubmissionProblem
from autograder.sandbox.isolation import NONE
from autograder.sandbox.loader import (
    SubmissionLoadError,
    SubmissionSource,
    read_submission,
    skipped_statements,
)
from autograder.sandbox.policy import fence_for_credit
from autograder.settings import CourseSettings
from autograder.student import memory

ALL_STAGES = tuple(stage.number for stage in KIT_STAGES)  # the kit's; a course may add more
MNIST_STAGE = ALL_STAGES[-1]  # the kit's MNIST stage: its data is looked for before grading
# Whatever a submission returns or prints, a report stays small (well under 1 MB): each message
# and problem is cut to a bound, and so is the number of problems.
MAX_MESSAGE, MAX_PROBLEM, MAX_PROBLEMS, MAX_SKIPPED = 8000, 1000, 50, 200


def all_stages() -> tuple[int, ...]:
    """The numbers of every stage of the course in force (the kit's six and the course's own)."""
    return STAGES.numbers()


def parse_stages(text: str | None) -> tuple[int, ...]:
    """'1-5', '2', '1,3,6' -> stage numbers."""
    every = all_stages()
    if not text:
        return every
    numbers: set[int] = set()
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            numbers.update(range(int(low), int(high or low) + 1))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a stage list like 1-5 or 1,3,6") from None
    if not numbers or not numbers <= set(every):
        raise click.BadParameter(f"stages are numbered {every[0]}-{every[-1]}")
    return tuple(sorted(numbers))


def _course() -> CourseSettings:
    return settings.current()


@dataclass
class GradeOptions:
    stages: tuple[int, ...] = field(default_factory=all_stages)  # the course's stages: all
    stop_at_first_failing_stage: bool = False  # the student's view: later stages stay locked
    # The course's settings (autograder/settings.py: nnkit-course.toml) unless given.
    mnist_threshold: float = field(default_factory=lambda: _course().threshold)
    mnist_time_budget: float = field(  # seconds for train() on MNIST
        default_factory=lambda: _course().time_budget)
    # Importable at grading besides NumPy and the standard library (the worker enforces it).
    allowed_packages: tuple[str, ...] = field(default_factory=lambda: _course().allowed_packages)
    call_timeout: float = 5.0  # seconds per call in stages 1-5 (the reference needs ms)
    stage_timeout: float = 120.0  # seconds for all calls of one stage (stage 6: + MNIST budget)
    seed: int = 0
    verbose: bool = False
    # Grade each stage with the reference in place of functions that failed in earlier stages
    # (instructor grading; see autograder/grader/substitution.py).
    substitute_reference: bool = False
    # The course secret the checks' inputs are drawn from (instructor grading; None: the public
    # inputs). Read from $NNKIT_COURSE_SECRET_FILE or $NNKIT_COURSE_SECRET unless given.
    secret: bytes | None = field(default_factory=inputs.read_secret, repr=False)
    # One bound for the whole grading of a submission (None: 2 x the MNIST budget + 60 s), so
    # that a hostile one cannot hold the grader for the sum of every stage's limit.
    submission_timeout: float | None = None
    for_credit: bool = False  # refuse to grade without a real fence (sandbox/policy.py)
    # ... and without the course secret (checks/credit.py), unless the instructor asks for the
    # public inputs (--public-inputs, or grading_on_public_inputs = true in the course).
    public_inputs: bool = field(
        default_factory=lambda: _course().grading_on_public_inputs or public_inputs_requested())
    unsafe: bool = False  # ... unless the instructor accepts the risk
    # How many submissions are graded at the same time on this machine (grade-batch's and
    # nbgrader autograde's --jobs; NNKIT_GRADINGS_AT_ONCE for their helper processes): stage 6
    # redoes a training while it runs only where that leaves a core to spare.
    gradings_at_once: int = field(default_factory=lambda: gradings_at_once_from_environment())
    on_check: object = field(default=None, repr=False)  # callback(stage, CheckResult) for progress


GRADINGS_ENV = "NNKIT_GRADINGS_AT_ONCE"


def gradings_at_once_from_environment() -> int:
    value = os.environ.get(GRADINGS_ENV, "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


def kit_version() -> str:
    """The version of the code that graded (the installed metadata may be another copy's)."""
    import autograder

    return autograder.__version__


def run_check(check: Check, ctx: Grading) -> CheckResult:
    result = CheckResult(check.id, check.name, False, 0.0, check.points)
    try:
        note = check.run(ctx)
    except CheckFailed as failure:
        result.message = str(failure)
    except SubmissionProblem as problem:
        result.message = explain(problem, check.stage, ctx.options.verbose,
                                 ctx.pipe.load_errors)
    except KitEnvironmentError:
        raise  # the environment's fault (no MNIST...): stop grading, cost nothing
    except Exception as error:  # noqa: BLE001 - one odd value must not end the whole grading
        result.message = (f"The grader could not check what your code returned "
                          f"({type(error).__name__}: {error}); please report this to your "
                          "instructor.")
    else:
        result.passed, result.score, result.message = True, check.points, str(note or "")
    result.message = bounded(result.message, MAX_MESSAGE)
    if not result.passed:
        result.mistake = mistakes.recognise(check.id, result.message)
    return result


def allowed_packages(options: GradeOptions) -> tuple[str, ...]:
    """What submitted code may import besides NumPy and the standard library."""
    if options.allowed_packages is not None:
        return tuple(options.allowed_packages)
    from autograder import settings

    return settings.current().allowed_packages


def submission_time_limit(options: GradeOptions) -> float:
    if options.submission_timeout is not None:
        return options.submission_timeout
    return 2 * options.mnist_time_budget + 60.0
def bounded(text: str, limit: int) -> str:
    """`text`, cut to `limit` characters with a note saying so."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters cut)"


def stage_time_limit(stage: Stage, options: GradeOptions) -> float:
    trains_on_mnist = "HYPERPARAMS" in stage.needs  # stage 6: train() gets the MNIST budget
    return options.stage_timeout + (options.mnist_time_budget if trains_on_mnist else 0.0)


def run_stage(stage: Stage, ctx: Grading,
              failed: dict[str, int] | None = None) -> StageResult:
    """Run `stage`'s checks. `failed` (function -> the stage it failed in) lets a failing check
    name the earlier mistake it depends on; a check that ran substituted functions earns
    nothing (blame.py)."""
    results = []
    options = ctx.options
    ctx.pipe.set_time_limit(stage_time_limit(stage, options))  # enforced from outside: SIGKILL
    try:
        for check in stage.checks:
            result = run_check(check, ctx)
            blame.substituted_result(check, result, list(ctx.pipe.proxied))
            if not result.passed and not result.substituted and failed:
                cause = blame.earlier_failure(check, failed)
                result.message = bounded(f"{result.message} {cause}".strip(), MAX_MESSAGE)
            results.append(result)
            if callable(options.on_check):
                options.on_check(stage, result)
    finally:
        ctx.pipe.set_time_limit(None)
    score = sum(result.score for result in results)
    return StageResult(stage.number, stage.name, all(r.passed for r in results), score,
                       stage.max_score, results)


def not_run(stage: Stage, message: str) -> StageResult:
    checks = [CheckResult(check.id, check.name, False, 0.0, check.points, message)
              for check in stage.checks]
    return StageResult(stage.number, stage.name, False, 0.0, stage.max_score, checks, ran=False)


def empty_report(path: Path, message: str, options: GradeOptions) -> Report:
    stages = [not_run(stage, message) for stage in STAGES]
    return assemble(str(path), stages, [message], "none (not started)", options, 0.0, fence=NONE)


def assemble(submission: str, stages: list[StageResult], problems: list[str], isolation: str,
             options: GradeOptions, seconds: float, mnist: dict | None = None,
             skipped: list[str] | None = None, fence: str = NONE) -> Report:
    return Report(
        submission=submission,
        score=sum(stage.score for stage in stages),
        max_score=sum(stage.max_score for stage in stages),
        stages=stages,
        mnist=mnist or {"accuracy": None, "train_seconds": None},
        problems=problems,
        isolation=isolation,
        fence=fence,
        kit_version=kit_version(),
        seed=options.seed,
        graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        seconds=round(seconds, 3),
        inputs="course secret" if inputs.secret_in_use() else "public",
        expected_values=expected.source().name,
        skipped=skipped or [],
        grading=grading_record(options),
        settings={"threshold": options.mnist_threshold, "time_budget": options.mnist_time_budget,
                  "allowed_packages": list(allowed_packages(options))},
    )


def mnist_ready() -> None:
    """Raise the environment's fault (KitEnvironmentError: offline without MNIST, a folder
    without it) now, before any stage is graded; milliseconds once MNIST is cached."""
    from autograder.data import ensure_mnist  # stage 6's data: not imported for stages 1-5

    ensure_mnist(progress=False)


def secret_fingerprint(secret: bytes) -> str:
    """Tells two course secrets apart without revealing either (a secret is 32+ random bytes)."""
    return hashlib.sha256(b"nnkit course secret fingerprint\0" + secret).hexdigest()[:16]


def grading_record(options: GradeOptions) -> dict:
    """The options a regrade needs to grade the same way again (Report.grading)."""
    secret = options.secret if expected.is_live() else None
    return {"stages": list(options.stages), "threshold": options.mnist_threshold,
            "time_budget": options.mnist_time_budget,
            "substitute_reference": options.substitute_reference,
            "secret_fingerprint": secret_fingerprint(secret) if secret else None}


def load_problems(source: SubmissionSource, sub: SandboxedSubmission) -> list[str]:
    problems = list(source.problems)
    for error in sub.load_errors:
        if "summary" in error:  # loading itself crashed or hung
            problems.append(error["summary"])
            continue
        where = f" at {error['where']}" if error.get("where") else ""
        problems.append(f"running your top-level code raised {error.get('type', 'an error')}: "
                        f"{error.get('message', '')}{where} (grading went on without it)")
    return problems


def drawn_inputs(options: GradeOptions):
    """The context the checks run in: inputs drawn from `options.secret` (none: the public
    ones). A release's recorded values are for the public inputs only: there it is ignored."""
    return inputs.course_secret(options.secret if expected.is_live() else None)


def grade_source(source: SubmissionSource, options: GradeOptions) -> Report:
    with drawn_inputs(options):
        return _grade_source(source, options)


def _grade_source(source: SubmissionSource, options: GradeOptions) -> Report:
    started = time.perf_counter()
    source.needing(needed_names())
    if MNIST_STAGE in options.stages and not options.stop_at_first_failing_stage:
        mnist_ready()  # no MNIST: stop before stages 1-5 are graded and reported for nothing
    if MNIST_STAGE in options.stages:
        memory.no_huge_pages()  # stage 6's copies of the images: no compaction stalls
    results: list[StageResult] = []
    if options.for_credit:
        refuse_public_inputs(options)
    isolation = fence_for_credit(options.unsafe) if options.for_credit else None
    sub = SandboxedSubmission(source, isolation, allowed_packages(options))
    sub.set_overall_limit(submission_time_limit(options))  # loading included
    with sub:
        sub.call_timeout = options.call_timeout
        ctx = Grading(sub, options)
        substitution = None
        if options.substitute_reference:  # instructor grading only: a release has no grader/
            substitution = grader_seam.substitution(sub, options.stages)
        blocked_by = None
        failed: dict[str, int] = {}  # function -> the stage where it failed
        try:
            for stage in STAGES:
                if stage.number not in options.stages:
                    results.append(not_run(stage, "not selected for this grading"))
                elif blocked_by is not None:
                    results.append(not_run(stage, f"locked: stage {blocked_by} must pass first"))
                else:
                    results.append(run_stage(stage, ctx, failed))
                    for name in blame.blamed(stage, results[-1]):
                        failed.setdefault(name, stage.number)
                    if substitution is not None:
                        substitution.after_stage(stage, results[-1])
                    if options.stop_at_first_failing_stage and not results[-1].passed:
                        blocked_by = stage.number
        finally:
            if substitution is not None:
                substitution.close()  # the reference's own worker
        mnist = ctx.memo.get("mnist")
        mnist_summary = mnist_report(mnist)
        problems = load_problems(source, sub) + (substitution.notes if substitution else [])
        if len(problems) > MAX_PROBLEMS:
            problems = [*problems[:MAX_PROBLEMS - 1],
                        f"... and {len(problems) - MAX_PROBLEMS + 1} more problems"]
        problems = [bounded(problem, MAX_PROBLEM) for problem in problems]
        skipped = [bounded(str(statement), MAX_PROBLEM)
                   for statement in skipped_statements(source)[:MAX_SKIPPED]]
        return assemble(str(source.path), results, problems,
                        sub.isolation.name, options, time.perf_counter() - started, mnist_summary,
                        skipped, fence=sub.isolation.strength)


def mnist_report(mnist: dict | None) -> dict:
    """The report's `mnist`: the accuracy only of a training the grader verified (a student
    release cannot verify: there it is the accuracy measured), with the training time from the
    handover of the data and what verifying it cost. A training that ran the reference's code
    (--substitute-reference) has neither accuracy nor time: they are the reference's."""
    if not mnist:
        return {"accuracy": None, "train_seconds": None}
    replay = mnist.get("replay_seconds")
    summary = {"accuracy": None if mnist.get("problem") else mnist["accuracy"],
               "train_seconds": round(mnist["train_seconds"], 3),
               "verified": bool(mnist.get("verified")),
               "replay_seconds": None if replay is None else round(replay, 3)}
    if mnist.get("substituted"):  # trained with the reference's code: shown, never ranked
        summary.update(accuracy=None, train_seconds=None, substituted=mnist["substituted"],
                       accuracy_with_reference=summary["accuracy"],
                       seconds_with_reference=summary["train_seconds"])
    if mnist.get("settings"):  # what the student chose, for the class report
        summary["hyperparams"] = mnist["settings"]
    return summary


def grade(path: str | Path, options: GradeOptions | None = None) -> Report:
    """Grade one submission (.py, .ipynb, or a folder holding one). Never raises for bad code."""
    options = options or GradeOptions()
    try:
        source = read_submission(path)
    except SubmissionLoadError as error:
        return empty_report(Path(path), str(error), options)
    except (RecursionError, MemoryError, ValueError, TypeError) as error:  # a backstop
        return empty_report(Path(path), f"{Path(path).name} could not be read "
                                        f"({type(error).__name__}: {str(error)[:300]})", options)
    return grade_source(source, options)
