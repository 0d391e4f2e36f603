"""The stages, in the order a student meets them. Each module holds one stage's checks.

`STAGES` is the kit's six stages as the course in force has them (autograder/checks/adapted.py):
with the checks and stages of the instructor's own modules (`COURSE/checks/*.py`) added.
`KIT_STAGES` is the kit's own six, whatever the course.
"""

from autograder.checks.adapted import StageRegistry
from autograder.checks.stage import Stage
from autograder.checks.stages import (
    stage1_neuron,
    stage2_sigmoid,
    stage3_forward,
    stage4_backprop,
    stage5_training,
    stage6_mnist,
)

KIT_STAGES: list[Stage] = [
    stage1_neuron.STAGE,
    stage2_sigmoid.STAGE,
    stage3_forward.STAGE,
    stage4_backprop.STAGE,
    stage5_training.STAGE,
    stage6_mnist.STAGE,
]
STAGES = StageRegistry(KIT_STAGES)


def stage(number: int) -> Stage:
    return STAGES.by_number(number)


def needed_names() -> frozenset[str]:
    """What the checks of the course in force call (its functions and HYPERPARAMS): a top-level
    statement that makes one of them runs at grading (sandbox/worker_side/plan.py)."""
    return frozenset(name for each in STAGES for name in each.needs)
