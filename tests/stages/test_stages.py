"""Every check of every stage, in stage order. Run: pytest tests/stages (or nnkit check)."""

import pytest

from autograder.checks.stages import STAGES

CASES = [
    pytest.param(check, id=f"stage{stage.number}-{check.run.__name__}",
                 marks=pytest.mark.stage(stage.number))
    for stage in STAGES
    for check in stage.checks
    if not check.withheld
]


@pytest.mark.parametrize("check", CASES)
def test_check(check, run_check):
    run_check(check)
