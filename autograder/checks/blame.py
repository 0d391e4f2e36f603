"""Which function a failing check should blame: a mistake costs points once, where it is.

Each function the checks call is introduced by one stage (`owners`); a stage's failing checks
blame the functions of that stage they needed (`blamed`). A later check that fails while it
needs a function that failed earlier says so ("train uses your backward, which failed stage 4")
instead of blaming correct code; a check that ran on the reference's code in place of the
submission's (grading with --substitute-reference) earns nothing and says what it would have
shown (`substituted_result`).
"""

from __future__ import annotations

from autograder.checks.report import CheckResult, StageResult
from autograder.checks.stage import Check, Stage
from autograder.checks.stages import STAGES


def owners(stages: list[Stage] = STAGES) -> dict[str, int]:
    """Each function the checks call, with the stage that introduces it."""
    found: dict[str, int] = {}
    for stage in stages:
        for name in stage.needs:
            if not name.isupper():  # HYPERPARAMS is a setting, not a function
                found.setdefault(name, stage.number)
    return found


def blamed(stage: Stage, result: StageResult) -> set[str]:
    """The functions of `stage` itself that one of its failing checks needed."""
    own = {name for name, number in owners().items() if number == stage.number}
    failing = {check.id for check in result.checks if not check.passed}
    return {name for check in stage.checks if check.id in failing
            for name in check.needs if name in own}


def earlier_failure(check: Check, failed: dict[str, int]) -> str:
    """For a failing check: the words naming the earlier failure it depends on ("" if none)."""
    causes = [(failed[name], name) for name in check.needs
              if name in failed and failed[name] < check.stage]
    if not causes:
        return ""
    stage_of = owners()
    user = next((name for name in check.needs if stage_of.get(name) == check.stage), None) or \
        next((name for name in check.needs if name in stage_of and name not in failed), "it")
    names = sorted(causes)
    listed = " and ".join(f"your {name}, which failed stage {number}" for number, name in names)
    return (f"(This check may fail only because {user} uses {listed}: fix "
            f"{'that' if len(names) == 1 else 'those'} first.)")


def substituted_result(check: Check, result: CheckResult, replaced: list[str]) -> None:
    """A check that ran the reference's `replaced` functions in place of the submission's
    earns nothing; its message keeps what it showed."""
    used = [name for name in check.needs if name in replaced]
    if not used:
        return
    names = ", ".join(used)
    shown = result.message or "no remarks"
    if result.passed:
        result.message = (f"Would have passed ({shown}), but it ran the reference solution's "
                          f"{names} in place of yours, so it earns nothing.")
    else:
        result.message = (f"{shown} (It ran the reference solution's {names} in place of "
                          "yours; it earns nothing either way.)")
    result.passed, result.score, result.substituted = False, 0.0, used
