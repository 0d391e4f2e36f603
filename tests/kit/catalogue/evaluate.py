"""Grade catalogue entries and judge them: a mistake must be caught where the catalogue says,
with the catalogued diagnosis; a correct variant must pass. Each entry is graded once per process
(cached), so the tests and the report share one grading."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from autograder import assignment
from autograder.checks.grade import GradeOptions, grade
from autograder.checks.mistakes import recognise
from autograder.checks.report import Report
from tests.kit.catalogue.entries import Mistake, Variant
from tests.kit.conftest import apply_edits, failing_checks

Entry = Mistake | Variant


@dataclass(frozen=True)
class Outcome:
    entry: Entry
    ok: bool  # the mistake was caught as catalogued / the variant passed every graded stage
    problem: str  # why not, in words ("" when ok)
    messages: dict[str, str]  # check id -> message of every failing check that was graded


@functools.cache
def reference_text() -> str:
    return assignment.solution(assignment.read_source())


def grade_text(text: str, stages: tuple[int, ...], allowed_packages: tuple[str, ...] = ()
               ) -> Report:
    with tempfile.TemporaryDirectory(prefix="nnkit-catalogue-") as folder:
        path = Path(folder) / "submission.py"
        path.write_text(text, encoding="utf-8")
        return grade(path, GradeOptions(stages=stages, allowed_packages=allowed_packages))


def judge_mistake(mistake: Mistake, report: Report, messages: dict[str, str]) -> str:
    for stage in report.stages[: mistake.stage - 1]:
        if not stage.passed:
            first = next(c for c in stage.checks if not c.passed)
            return (f"stage {stage.stage} failed before stage {mistake.stage}: {first.id}: "
                    f"{first.message}")
    if report.stages[mistake.stage - 1].passed:
        return f"not caught: stage {mistake.stage} passed"
    check_id = f"stage{mistake.stage}.{mistake.check}"
    if check_id not in messages:
        return f"{check_id} passed; the stage failed elsewhere: {messages}"
    if mistake.diagnosis not in messages[check_id]:
        return (f"{check_id} failed without the diagnosis {mistake.diagnosis!r}; "
                f"its message: {messages[check_id]}")
    named = (recognise(check_id, messages[check_id]) or {}).get("id")
    if named != mistake.id:  # the id the report's `mistake` and the class report count it by
        return (f"{check_id}'s message is named {named!r}, not {mistake.id!r} "
                "(autograder/checks/mistakes.py)")
    return ""


def judge_variant(variant: Variant, report: Report, messages: dict[str, str]) -> str:
    if messages:
        return "false fail: " + "; ".join(f"{key}: {text}" for key, text in messages.items())
    not_run = [stage.stage for stage in report.stages
               if stage.stage in variant.stages and not stage.ran]
    return f"stages {not_run} did not run" if not_run else ""


@functools.cache
def evaluate(entry: Entry) -> Outcome:
    text = apply_edits(reference_text(), list(entry.edits))
    report = grade_text(text, entry.stages, getattr(entry, "allowed_packages", ()))
    messages = failing_checks(report)
    judge = judge_mistake if isinstance(entry, Mistake) else judge_variant
    problem = judge(entry, report, messages)
    return Outcome(entry, not problem, problem, messages)


@dataclass(frozen=True)
class Summary:
    caught: int
    mistakes: int
    false_fails: int
    variants: int
    distinct_diagnoses: int

    @property
    def catch_rate(self) -> float:
        return self.caught / self.mistakes if self.mistakes else 0.0

    @property
    def false_fail_rate(self) -> float:
        return self.false_fails / self.variants if self.variants else 0.0


def summarise(outcomes: Iterable[Outcome]) -> Summary:
    outcomes = list(outcomes)
    mistakes = [o for o in outcomes if isinstance(o.entry, Mistake)]
    variants = [o for o in outcomes if isinstance(o.entry, Variant)]
    # A diagnosis counts once it was shown to a student, however many mistakes lead to it.
    shown = {o.entry.diagnosis for o in mistakes if o.ok}
    return Summary(caught=sum(o.ok for o in mistakes), mistakes=len(mistakes),
                   false_fails=sum(not o.ok for o in variants), variants=len(variants),
                   distinct_diagnoses=len(shown))


def format_summary(summary: Summary) -> str:
    return "\n".join([
        f"catch rate: {summary.catch_rate:.0%} ({summary.caught}/{summary.mistakes} mistakes "
        "failed the catalogued stage first, with the catalogued diagnosis)",
        f"false-fail rate: {summary.false_fail_rate:.0%} ({summary.false_fails}/"
        f"{summary.variants} correct variants failed a check)",
        f"distinct diagnoses: {summary.distinct_diagnoses}",
    ])


def format_outcome(outcome: Outcome) -> str:
    entry = outcome.entry
    mark = "ok  " if outcome.ok else "FAIL"
    if isinstance(entry, Mistake):
        line = f"{mark} mistake  stage {entry.stage}  {entry.id}: {entry.diagnosis!r}"
    else:
        line = f"{mark} variant  stages {entry.stages[0]}-{entry.stages[-1]}  {entry.id}"
    return line + ("" if outcome.ok else f"\n       {outcome.problem}")
