"""The student's staged suite: the kit's checks, run by pytest against your working copy.

Stages run in order; once a stage has a failing check, later stages are shown as locked
(skipped, with the reason) until it passes.
"""

from __future__ import annotations

import click
import pytest

from autograder.checks.context import Grading
from autograder.checks.grade import GradeOptions
from autograder.checks.grade import run_check as grade_check
from autograder.cli import find_working_copy
from autograder.errors import EXIT_ENVIRONMENT, KitEnvironmentError
from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.loader import SubmissionLoadError, read_submission

_failed_stages: set[int] = set()


def pytest_report_header(config: pytest.Config) -> str:
    try:
        return f"nnkit: checking {find_working_copy()} (the file `nnkit check` and CI grade)"
    except click.UsageError as error:
        return f"nnkit: {error.message}"


@pytest.fixture(scope="session")
def submission():
    try:
        # $NNKIT_SUBMISSION, else the student's usual file: the same rule as `nnkit check`.
        source = read_submission(find_working_copy())
    except (SubmissionLoadError, click.UsageError) as error:
        pytest.fail(str(getattr(error, "message", error)), pytrace=False)
    try:
        with SandboxedSubmission(source) as pipe:
            yield Grading(pipe, GradeOptions())
    except KitEnvironmentError as error:
        pytest.exit(f"cannot grade here: {error}", returncode=EXIT_ENVIRONMENT)


@pytest.fixture
def run_check(submission):
    def run(check) -> None:
        try:
            result = grade_check(check, submission)
        except KitEnvironmentError as error:  # the kit's fault: no point lost, no traceback
            pytest.exit(f"cannot grade here: {error}", returncode=EXIT_ENVIRONMENT)
        if not result.passed:
            pytest.fail(result.message, pytrace=False)

    return run


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("stage")
    if marker is None:
        return
    earlier = sorted(stage for stage in _failed_stages if stage < marker.args[0])
    if earlier:
        pytest.skip(f"locked: stage {earlier[0]} has failing checks; fix them first, "
                    "then run the suite again")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    marker = item.get_closest_marker("stage")
    if marker is not None and report.when == "call" and report.failed:
        _failed_stages.add(marker.args[0])
