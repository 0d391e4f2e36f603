"""The six stages, in the order a student meets them. Each module holds one stage's checks."""

from autograder.checks.stage import Stage
from autograder.checks.stages import (
    stage1_neuron,
    stage2_sigmoid,
    stage3_forward,
    stage4_backprop,
    stage5_training,
    stage6_mnist,
)

STAGES: list[Stage] = [
    stage1_neuron.STAGE,
    stage2_sigmoid.STAGE,
    stage3_forward.STAGE,
    stage4_backprop.STAGE,
    stage5_training.STAGE,
    stage6_mnist.STAGE,
]


def stage(number: int) -> Stage:
    return STAGES[number - 1]
