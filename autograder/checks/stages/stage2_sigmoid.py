"""Stage 2: the sigmoid and its derivative, for any shape, without overflow.

Points are decided on the grader's side: values against the grader's own, and the overflow NumPy
reports to the grader under the grader's error state (worker_side/conditions.py). Whether sigmoid
changed its input only the worker sees: that check is worth no points."""

from __future__ import annotations

import numpy as np

from autograder.checks import expected, inputs
from autograder.checks.compare import as_array, expect_close
from autograder.checks.context import Grading
from autograder.checks.stage import CheckFailed, Stage

STAGE = Stage(2, "sigmoid", "the activation function and its derivative")


@STAGE.check("sigmoid gives 1/(1+e^-z) for scalars and arrays of any shape", 4, ["sigmoid"])
def sigmoid_values(ctx: Grading) -> None:
    zero = as_array(ctx.call("sigmoid", 0.0).value, "sigmoid(0.0)")
    if zero.size != 1 or not np.isclose(zero.reshape(-1)[0], 0.5):
        raise CheckFailed(f"sigmoid(0.0) should be 0.5 (a single number), got {zero}.")
    z = inputs.jitter("stage2.sigmoid_values", np.linspace(-6.0, 6.0, 24).reshape(2, 3, 4), 0.25)
    want = expected.of("sigmoid", z=z)
    got = ctx.call("sigmoid", z).value
    hint = ""
    flipped = as_array(got, "sigmoid(z)", shape=z.shape)
    if np.allclose(flipped, want["flipped"]):
        hint = "Your values are sigmoid(-z): the exponent should be e^(-z), not e^(+z)."
    expect_close(got, want["value"], "sigmoid(z) for a 2x3x4 array z", hint=hint)


@STAGE.check("sigmoid leaves its input z unchanged (reported by the worker; no points)", 0,
             ["sigmoid"])
def sigmoid_keeps_input(ctx: Grading) -> None:
    # Only the worker sees z after the call, so this earns nothing; failing it still fails the
    # stage (so that `nnkit check` asks for the fix before the next stage).
    z = inputs.jitter("stage2.sigmoid_keeps_input", np.linspace(-6.0, 6.0, 12).reshape(3, 4),
                      0.25)
    after = ctx.call("sigmoid", z, return_args=True).args_after
    if not np.array_equal(as_array(after[0], "z after sigmoid(z)", finite=False), z):
        raise CheckFailed("sigmoid changed its input z in place (z after the call differs from z "
                          "before it). forward passes its own arrays to sigmoid, and the caller "
                          "may still need them: compute into a new array (z = z * 0.5 makes one; "
                          "z *= 0.5 or np.exp(z, out=z) writes into the caller's).")


def extreme_inputs(label: str, public: list[float]) -> np.ndarray:
    """`public` (large values of either sign), moved by the course secret when there is one;
    every value of magnitude 700 or more stays beyond e^709, where np.exp overflows."""
    moved = inputs.jitter(label, public, 15.0, 1)
    return np.where(np.abs(np.asarray(public)) >= 700, np.sign(public) * np.maximum(
        np.abs(moved), 725.0), moved)


@STAGE.check("sigmoid does not overflow, even at z = +-1000 (NumPy's errors observed under the "
             "grader's error state)", 2, ["sigmoid"])
def sigmoid_is_stable(ctx: Grading) -> None:
    # The values alone cannot tell: 1/(1+e^-z) gives 0 at z = -1000 like any stable form. What
    # tells is the overflow inside, which NumPy reports to the grader as it happens, under the
    # grader's error state, whatever the submission set (worker_side/conditions.py).
    z = extreme_inputs("stage2.sigmoid_is_stable", [-1000.0, -745.0, -40.0, 0.0, 40.0, 745.0,
                                                    1000.0])
    result = ctx.call("sigmoid", z)
    if "over" in result.observed:
        shown = [round(float(value), 1) for value in z]
        overflow_where = warning_sides(ctx, z)
        raise CheckFailed(
            f"sigmoid(z) for z = {shown} overflowed: NumPy met an overflow inside it (the "
            "grader's own error state sees it, whatever np.seterr, np.errstate or warning "
            "filters your code sets). " + (overflow_where or
            "np.exp(-z) overflows for large negative z. Hint: for z < 0 use e^z / (1 + e^z), "
            "which is the same value, so the exponent is never positive."))
    # Outputs live in (0, 1), so an absolute error of 1e-15 is round-off: formulas such as
    # (1 + tanh(z/2)) / 2 are right even though they give 0 instead of e^-40 = 4e-18.
    expect_close(result.value, expected.of("sigmoid", z=z)["value"], "sigmoid at extreme inputs",
                 atol=1e-15)


def warning_sides(ctx: Grading, z: np.ndarray) -> str:
    """Which formula overflowed, told by which signs of z overflow (plain 1/(1+e^-z) overflows
    only for negative z)."""
    negative, positive = ("over" in ctx.call("sigmoid", values).observed
                          for values in (z[z <= -700], z[z >= 700]))
    if negative and positive:
        return ("Both signs of z overflow: np.where(condition, a, b) computes BOTH a and b for "
                "every entry before choosing, so e^(-z) still overflows for negative z and e^z "
                "for positive z. Compute each formula only on its own entries (out[z < 0] = ...), "
                "or use a form that never overflows (built on np.exp(-np.abs(z)), or "
                "0.5 + 0.5 * np.tanh(z / 2)).")
    if positive:
        return ("e^z overflows for large positive z: for z >= 0 use 1 / (1 + e^(-z)), whose "
                "exponent is never positive.")
    return ""


@STAGE.check("sigmoid_prime is the derivative of the sigmoid", 4, ["sigmoid_prime"])
def derivative_values(ctx: Grading) -> None:
    z = inputs.jitter("stage2.derivative_values", np.linspace(-5.0, 5.0, 12).reshape(3, 4), 0.25)
    result = ctx.call("sigmoid_prime", z)
    got = as_array(result.value, "sigmoid_prime(z)", shape=z.shape)
    eps = 1e-6
    want = expected.of("sigmoid_prime", z=z, eps=eps)
    numerical = want["numerical"]
    hint = ""
    if np.allclose(got, want["of_z"]):
        hint = ("You computed z(1-z): the formula s(1-s) needs s = sigmoid(z), "
                "not z itself.")
    elif np.allclose(got, want["applied_twice"]):
        hint = ("You applied the sigmoid twice: sigmoid_prime(z) = s(1-s) with s = sigmoid(z); "
                "don't pass an activation a = sigmoid(z) where z is expected.")
    elif np.allclose(got, want["sigmoid"]):
        hint = "You returned sigmoid(z) itself; the derivative is sigmoid(z) * (1 - sigmoid(z))."
    elif np.allclose(got, want["s_times_one_minus_z"]):
        hint = ("You computed s(1 - z): both factors use s = sigmoid(z), the derivative is "
                "s * (1 - s).")
    elif np.allclose(got, want["negated"]):
        hint = "The sign is flipped: the derivative is s(1 - s), not s(s - 1); it is positive."
    # Central differences of a smooth function: agreement to ~1e-9; 1e-6 is generous.
    expect_close(result.value, numerical, "sigmoid_prime(z) against numerical differences",
                 rtol=1e-6, atol=1e-9, hint=hint)
    z_extreme = extreme_inputs("stage2.derivative_values/extreme", [-1000.0, 1000.0])
    extreme = ctx.call("sigmoid_prime", z_extreme)
    values = as_array(extreme.value, "sigmoid_prime at extreme z", shape=z_extreme.shape,
                      finite=False)
    if not np.allclose(values, 0.0, rtol=0.0, atol=1e-12):  # also NaN and inf
        shown = [round(float(value), 1) for value in z_extreme]
        raise CheckFailed(f"sigmoid_prime(z) for z = {shown} returned {values.tolist()}, "
                          "expected values within 1e-12 of 0 (the sigmoid is flat there). "
                          "e^(-z) / (1 + e^(-z))^2 gives inf / inf = nan when e^(-z) overflows. "
                          "Build it on your stable sigmoid: s = sigmoid(z); s * (1 - s).")
