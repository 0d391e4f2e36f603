"""Tolerances sit between the measured error of correct variants and the nearest mistake; a
low-precision result passes at its own precision or is named; numbers in messages differ."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from autograder.checks.compare import expect_close
from autograder.checks.gradcheck import TOLERANCE
from autograder.checks.stage import CheckFailed
from autograder.checks.tolerances import COST_RTOL, GRADIENT_RTOL, pair
from autograder.grader.arithmetic import logistic
from tests.kit.conftest import ROOT, apply_edits, failing_checks


def measurements():
    spec = importlib.util.spec_from_file_location("tolerances_benchmark",
                                                  ROOT / "benchmarks" / "tolerances.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_measured_correct_variant_is_well_inside_its_tolerance():
    bench = measurements()
    # A margin of 10 at least, so that a slightly different correct variant passes too.
    assert max(bench.cross_entropy_variants().values()) * 10 < COST_RTOL
    stage1 = bench.float32_stage1()
    assert stage1["neuron_cost"] * 10 < COST_RTOL
    assert stage1["gradient_descent (3 steps)"] * 10 < COST_RTOL
    assert stage1["neuron_gradient"] * 10 < GRADIENT_RTOL
    assert bench.float32_forward() * 10 < 100 * np.finfo(np.float32).eps
    assert bench.float32_backward() * 10 < TOLERANCE


def test_a_float32_array_is_compared_at_float32_precision_only():
    z = np.linspace(-6.0, 6.0, 24)
    half = np.float32(0.5)
    float32 = half + half * np.tanh(half * z.astype(np.float32))  # 5.6e-6 off near 0.0025
    expect_close(float32, logistic(z), "sigmoid(z)")  # float32: passes at its own precision
    with pytest.raises(CheckFailed):  # the same numbers claimed as float64 do not
        expect_close(float32.astype(np.float64), logistic(z), "sigmoid(z)")


def test_a_float16_result_is_named_in_the_message():
    z = np.linspace(-6.0, 6.0, 24)
    with pytest.raises(CheckFailed) as failure:
        expect_close(logistic(z).astype(np.float16), logistic(z), "sigmoid(z)")
    assert "Your result is float16 (about 3 significant digits)" in str(failure.value)
    assert "compute in float64" in str(failure.value)


@pytest.mark.parametrize("expected, got", [(3.9469832, 3.9469833), (0.1, 0.1 + 1e-12),
                                           (19.6261, 19.62610004)])
def test_numbers_in_messages_are_printed_with_enough_digits_to_differ(expected, got):
    shown = pair(expected, got)
    assert shown[0] != shown[1]
    assert float(shown[0]) == pytest.approx(expected, rel=1e-15)


def test_equal_numbers_are_printed_the_short_way():
    assert pair(0.5, 0.5) == ("0.5", "0.5")


def test_a_cost_off_by_round_off_of_float32_passes_and_one_off_by_1e_4_fails(grade_text,
                                                                            solution_text):
    cost = "    return float(np.sum(residual**2))"
    float32 = apply_edits(solution_text, [(cost, "    return float(np.sum(np.float32(residual)"
                                                 " ** 2))")])
    assert "stage1.cost_values" not in failing_checks(grade_text(float32, stages=(1,)))
    off = apply_edits(solution_text, [(cost, "    return float(np.sum(residual**2)) * 1.0001")])
    message = failing_checks(grade_text(off, stages=(1,)))["stage1.cost_values"]
    assert "returned 24.3248, expected 24.3224." in message
