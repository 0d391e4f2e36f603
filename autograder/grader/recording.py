"""Record the expected values a student release checks with.

The release's checks cannot compute what they compare against (the release holds no grader
arithmetic), so `nnkit release` runs the checks it ships, stages 1 to 5, on the kit's reference
solution with the public inputs and the grader's live arithmetic, and stores every answer the
checks asked for (autograder/checks/expected.py, `Recording`). Each request asks, at once, for
the right answer and the wrong answers its hints recognise, so grading the reference asks for
everything a failing submission will need.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from autograder import assignment
from autograder.checks import adapted, expected, inputs
from autograder.checks.context import Grading
from autograder.checks.grade import GradeOptions, run_check
from autograder.checks.stages import STAGES
from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.loader import read_submission

RECORDED_STAGES = (1, 2, 3, 4, 5)  # stage 6 compares with nothing recordable (see stage6_mnist)
UNRECORDED = 6  # ... and the course's own stages (after it) are recorded too


def recorded_stages() -> tuple[int, ...]:
    return tuple(stage.number for stage in STAGES if stage.number != UNRECORDED)


class RecordingFailed(RuntimeError):
    """The reference did not pass a check it must pass, so its answers cannot be trusted."""


def record_reference(reference_text: str, path: Path) -> int:
    """Grade `reference_text` with the visible checks of stages 1-5, recording every expected
    value asked for into `path`; returns how many were recorded."""
    recording = expected.Recording()
    previous = expected.use(recording)
    try:
        with tempfile.TemporaryDirectory(prefix="nnkit-record-") as folder, \
                inputs.course_secret(None):  # the public inputs, never the secret
            solution = Path(folder) / "neural_network.py"
            solution.write_text(reference_text, encoding="utf-8")
            with SandboxedSubmission(read_submission(solution)) as sub:
                ctx = Grading(sub, GradeOptions(stages=recorded_stages(), secret=None))
                sub.call_timeout = ctx.options.call_timeout
                for stage in STAGES:
                    if stage.number == UNRECORDED:
                        continue
                    for check in stage.checks:
                        if check.withheld:  # cut from the release: its answers stay here
                            continue
                        result = run_check(check, ctx)
                        if not result.passed:
                            own = check.run.__module__.startswith(adapted.MODULE_PREFIX)
                            raise RecordingFailed(
                                f"the reference fails {check.id}: {result.message}" + (
                                    " (the course's own check needs the function it checks "
                                    "in the course's assignment, between the solution "
                                    "markers)" if own else ""))
    finally:
        expected.use(previous)
    recording.save(path)
    return len(recording.answers)


def record_kit_reference(path: Path, source: Path) -> int:
    """Record for the reference solution in the assignment source `source`."""
    text = source.read_text(encoding="utf-8")
    if not assignment.solution_blocks(text):
        raise RecordingFailed(f"{source} holds no reference solution to record the expected "
                              "values from (is this a student release?)")
    return record_reference(assignment.solution(text), path)
