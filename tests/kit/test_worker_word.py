"""Points that rest only on the worker's word (what a function did to its arguments, warnings the
worker recorded) total at most 2 in the whole assignment, and every check that asks for such a
report says so in its name ("reported by the worker"). Found by watching which checks ask the
worker for those reports while the reference is graded."""

from __future__ import annotations

import pytest

from autograder.checks import grade as grading
from autograder.checks.grade import GradeOptions, grade
from autograder.checks.stages import STAGES
from autograder.sandbox.client import SandboxedSubmission

LABEL = "reported by the worker"


@pytest.fixture(scope="module")
def checks_asking_the_worker(solution_file) -> set[str]:
    asked: set[str] = set()
    current: list[str] = []
    run_check, call = grading.run_check, SandboxedSubmission.call

    def watched_check(check, ctx):
        current[:] = [check.id]
        return run_check(check, ctx)

    def watched_call(self, function, *args, return_args=False, record_warnings=False, **kwargs):
        if return_args or record_warnings:
            asked.update(current)
        return call(self, function, *args, return_args=return_args,
                    record_warnings=record_warnings, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grading, "run_check", watched_check)
        patch.setattr(SandboxedSubmission, "call", watched_call)
        report = grade(solution_file, GradeOptions(stages=(1, 2, 3, 4, 5)))
    assert report.score == 80
    return asked


def test_every_check_on_the_workers_word_is_labelled(checks_asking_the_worker):
    checks = {check.id: check for stage in STAGES for check in stage.checks}
    assert checks_asking_the_worker, "no check asks the worker: the watch is broken"
    unlabelled = [name for name in checks_asking_the_worker if LABEL not in checks[name].name]
    assert unlabelled == []


def test_the_workers_word_is_worth_at_most_2_points(checks_asking_the_worker):
    labelled = [check for stage in STAGES for check in stage.checks if LABEL in check.name]
    assert {check.id for check in labelled} >= checks_asking_the_worker
    assert sum(check.points for check in labelled) <= 2, [(c.id, c.points) for c in labelled]
