"""Stage 1: one neuron a(x) = b + w*x, its summed squared cost, and gradient descent."""

from __future__ import annotations

import numpy as np

from autograder.checks import expected, inputs
from autograder.checks.compare import as_array, as_number, as_sequence, expect_close
from autograder.checks.context import Grading
from autograder.checks.stage import CheckFailed, Stage
from autograder.checks.tolerances import COST_RTOL, GRADIENT_RTOL, pair
from autograder.sandbox.client import SubmissionProblem
from autograder.student.workshop import TABLE_X, TABLE_Y

STAGE = Stage(1, "one neuron", "a(x) = b + w*x fitted to the workshop's ten points")
PUBLIC_POINTS = [(0.0, 0.0), (-0.5, 1.0), (1.3, -2.2)]


def points() -> list[tuple[float, float]]:
    """The (w, b) the cost and gradient are checked at (moved by the course secret, if any)."""
    return [tuple(float(v) for v in inputs.jitter(f"stage1.points/{i}", point, 0.3, 3))
            for i, point in enumerate(PUBLIC_POINTS)]


def cost(w: float, b: float) -> float:
    return expected.of("neuron_cost", w=float(w), b=float(b), x=TABLE_X, y=TABLE_Y)["cost"]


def sum_squared(w: float, b: float) -> float:
    """(the sum of the errors) squared: a common wrong cost."""
    return expected.of("neuron_cost", w=float(w), b=float(b), x=TABLE_X, y=TABLE_Y)["sum_squared"]


def least_squares() -> tuple[float, float]:
    fit = expected.of("neuron_fit", x=TABLE_X, y=TABLE_Y)
    return fit["w"], fit["b"]


@STAGE.check("neuron computes b + w*x elementwise", 2, ["neuron"])
def neuron_values(ctx: Grading) -> None:
    x = inputs.jitter("stage1.neuron_values", [-2.0, 0.0, 0.5, 3.0], 0.2, 3)
    w, b = (float(v) for v in inputs.jitter("stage1.neuron_values/wb", [1.5, -0.25], 0.2, 3))
    want = expected.of("neuron", x=x, w=w, b=b)
    got = ctx.call("neuron", x, w, b).value
    swapped = np.allclose(as_array(got, f"neuron(x, w={w:g}, b={b:g})"), want["swapped"])
    expect_close(got, want["value"], f"neuron(x, w={w:g}, b={b:g}) for x = {x.tolist()}",
                 hint="you swapped w and b: w multiplies x, b is added." if swapped else
                 "the output is b + w*x for every entry of x.")
    x1, w1, b1 = (float(v) for v in inputs.jitter("stage1.neuron_values/single",
                                                  [2.0, 0.5, 1.0], 0.2, 3))
    what = f"neuron({x1:g}, w={w1:g}, b={b1:g})"
    single = as_number(ctx.call("neuron", x1, w1, b1).value, what)
    right = expected.of("neuron", x=x1, w=w1, b=b1)["value"]
    if not np.isclose(single, right):
        raise CheckFailed(f"{what} returned {single:.6g}, expected {right:g}.")


@STAGE.check("neuron_cost is the SUM of squared errors", 2, ["neuron_cost"])
def cost_values(ctx: Grading) -> None:
    for w, b in points():
        got = as_number(ctx.call("neuron_cost", w, b, TABLE_X, TABLE_Y).value,
                        f"neuron_cost(w={w}, b={b}) on the workshop table")
        expected = cost(w, b)
        if np.isclose(got, expected, rtol=COST_RTOL, atol=0.0):
            continue
        hint = ""
        if np.isclose(got, expected / TABLE_X.size, rtol=COST_RTOL):
            hint = " It equals the MEAN of the squared errors: the workshop's cost is their SUM."
        elif np.isclose(got, expected / 2, rtol=COST_RTOL):
            hint = " It is half the expected value: don't multiply by 1/2."
        elif np.isclose(got, sum_squared(w, b), rtol=COST_RTOL):
            hint = (" It equals (sum of the errors) squared: you squared the sum. Square each "
                    "error first, then add them up: np.sum(residual ** 2).")
        shown = pair(expected, got)
        raise CheckFailed(f"neuron_cost(w={w}, b={b}) on the workshop table returned {shown[1]},"
                          f" expected {shown[0]}.{hint}")


@STAGE.check("neuron_gradient matches numerical differences", 3, ["neuron_gradient"])
def gradient_values(ctx: Grading) -> None:
    eps = 1e-6
    for w, b in points():
        value = as_sequence(ctx.call("neuron_gradient", w, b, TABLE_X, TABLE_Y).value, 2,
                            "neuron_gradient should return a pair (dC/dw, dC/db)")
        dw = as_number(value[0], f"dC/dw at (w={w}, b={b})")
        db = as_number(value[1], f"dC/db at (w={w}, b={b})")
        numerical = tuple(expected.of("neuron_gradient", w=w, b=b, x=TABLE_X, y=TABLE_Y,
                                      eps=eps)["numerical"])
        # The cost is quadratic, so central differences are exact up to round-off (~1e-9).
        if np.allclose([dw, db], numerical, rtol=GRADIENT_RTOL, atol=1e-6):
            continue
        hint = ""
        if np.allclose([db, dw], numerical, rtol=1e-6, atol=1e-6):
            hint = "You returned them in the wrong order: (dC/dw, dC/db)."
        elif np.isclose(db, numerical[1], rtol=1e-6) and np.isclose(dw, numerical[1], rtol=1e-6):
            hint = ("Your dC/dw equals dC/db: dC/dw is missing the factor x. Each error is "
                    "multiplied by its own x_i: dC/dw = 2 * sum((a - y) * x).")
        else:
            for factor, words in ((0.5, "the factor 2 from differentiating the square is missing"),
                                  (-1.0, "the sign is flipped: it is (a - y), not (y - a)"),
                                  (1 / TABLE_X.size, "you averaged over the samples; the cost "
                                   "is a sum, so its gradient is a sum too"),
                                  (0.5 / TABLE_X.size, "you averaged and dropped the factor 2")):
                if np.allclose([dw, db], np.multiply(numerical, factor), rtol=1e-6, atol=1e-9):
                    hint = f"Both are {factor:.3g} times the right values: {words}."
        (nw, gw), (nb, gb) = pair(numerical[0], dw), pair(numerical[1], db)
        raise CheckFailed(f"neuron_gradient(w={w}, b={b}) returned ({gw}, {gb}), "
                          f"numerical differences give ({nw}, {nb}). " + hint)


def descend(ctx: Grading, rate: float, steps: int, w: float = 0.0, b: float = 0.0):
    value = as_sequence(ctx.call("gradient_descent", TABLE_X, TABLE_Y, rate, steps, w=w,
                                 b=b).value, 3, "gradient_descent should return (w, b, costs)")
    where = f"gradient_descent(learning_rate={rate}, steps={steps}, w={w}, b={b})"
    costs = as_array(value[2], f"the costs from {where}", finite=False)
    return (as_number(value[0], f"w from {where}", finite=False),
            as_number(value[1], f"b from {where}", finite=False), costs.ravel(), where)


@STAGE.check("gradient_descent converges on the workshop table", 1, ["gradient_descent"])
def descent_converges(ctx: Grading) -> None:
    w, b, _, where = descend(ctx, 0.01, 1000)
    best_w, best_b = least_squares()
    if not (np.isclose(w, best_w, atol=1e-3) and np.isclose(b, best_b, atol=1e-3)):
        raise CheckFailed(f"{where} ended at w = {w:.5g}, b = {b:.5g}; expected about "
                          f"w = {best_w:.4f}, b = {best_b:.4f} (the best straight line). "
                          + descent_hint(ctx, replay(ctx)))


PUBLIC_START, RATE = (0.5, -0.2), 0.01  # the replayed three steps of the descent checks


def start() -> tuple[float, float]:
    w, b = inputs.jitter("stage1.start", PUBLIC_START, 0.1, 3)
    return float(w), float(b)


def walks() -> dict:
    """Three steps from start(), right and in the known wrong ways (see expectations)."""
    return expected.of("neuron_descent", x=TABLE_X, y=TABLE_Y, start=list(start()), rate=RATE,
                       steps=3)


def replay(ctx: Grading) -> tuple[float, float]:
    """Where the student's three steps from start() end (NaN when they cannot be replayed)."""
    try:
        return descend(ctx, RATE, 3, *start())[:2]
    except (CheckFailed, SubmissionProblem):
        return np.nan, np.nan


def descent_hint(ctx: Grading, end: tuple[float, float]) -> str:
    """Name the rule that three steps from start(), ending at `end`, broke."""
    walked = walks()
    if not gradient_is_right(ctx):
        return ("Hint: your neuron_gradient does not match numerical differences yet (see its "
                "check above); gradient_descent steps with it, so fix it first.")
    if np.allclose(end, walked["uphill"], rtol=1e-9):
        return ("Hint: your steps go uphill, so the cost grows at every step: subtract the "
                "gradient (w -= learning_rate * dC/dw), don't add it.")
    if np.allclose(end, walked["w_then_b"], rtol=1e-9):
        return ("Hint: you updated w first and then you computed b's gradient with the NEW w. "
                "Both gradients belong to the same point: compute dw, db at the current (w, b), "
                "then update both (w, b = w - learning_rate * dw, b - learning_rate * db).")
    if np.allclose(end, walked["stale"], rtol=1e-9):
        return ("Hint: every step moved (w, b) by the same amount: recompute the gradient at "
                "the current (w, b) inside the loop, not once before it.")
    if np.allclose(end, walked["from_zero"], rtol=1e-9):
        return ("Hint: it ended where three steps from w = 0, b = 0 end: start from the w and b "
                "it is given.")
    return ("Hint: each step is w -= learning_rate * dC/dw (same for b), using the gradient at "
            "the current (w, b).")


def cost_is_right(ctx: Grading) -> bool:
    """Whether the student's own neuron_cost is right at start() (unknown counts as right)."""
    try:
        value = ctx.call("neuron_cost", *start(), TABLE_X, TABLE_Y).value
        return bool(np.isclose(float(value), walks()["start_cost"], rtol=1e-9))
    except (SubmissionProblem, TypeError, ValueError):
        return True


def gradient_is_right(ctx: Grading) -> bool:
    """Whether the student's own neuron_gradient is right at start() (unknown counts as
    right)."""
    try:
        value = ctx.call("neuron_gradient", *start(), TABLE_X, TABLE_Y).value
        return np.allclose(np.asarray(value, dtype=float), walks()["start_gradient"], rtol=1e-6)
    except (SubmissionProblem, TypeError, ValueError):
        return True


@STAGE.check("gradient_descent records one cost per step", 1, ["gradient_descent"])
def descent_records_costs(ctx: Grading) -> None:
    walked = walks()
    w, b, costs, where = descend(ctx, RATE, 3, *start())
    trajectory, (tw, tb) = walked["costs"], walked["end"]
    if costs.size != 3:
        hint = {2: " That is one step too few: `for _ in range(steps)` runs exactly steps times.",
                4: " That is one too many: record the cost after each step only, not before "
                   "the first."}.get(costs.size, "")
        raise CheckFailed(f"{where} returned {costs.size} costs; expected 3, one per step.{hint}")
    if not np.isclose(w, tw, rtol=COST_RTOL) or not np.isclose(b, tb, rtol=COST_RTOL):
        (ew, gw), (eb, gb) = pair(tw, w), pair(tb, b)
        raise CheckFailed(f"{where} ended at ({gw}, {gb}), expected ({ew}, {eb}). "
                          + descent_hint(ctx, (w, b)))
    if not np.allclose(costs, trajectory, rtol=COST_RTOL):
        hint = ""
        if np.isclose(costs[0], walked["start_cost"], rtol=1e-9):
            hint = " costs[0] is the cost BEFORE the first step; record it after each step."
        elif not cost_is_right(ctx):
            hint = (" The costs come from your neuron_cost, which is not right yet (see its "
                    "check above): fix it first.")
        expect_close(costs, trajectory, f"the costs from {where}", rtol=COST_RTOL,
                     hint=hint.strip())


@STAGE.check("gradient_descent diverges when the learning rate is too big", 1,
             ["gradient_descent"])
def descent_diverges(ctx: Grading) -> None:
    _, _, costs, where = descend(ctx, 0.02, 200)
    start = cost(0.0, 0.0)
    if costs.size != 200 or (np.isfinite(costs[-1]) and costs[-1] < 1e6 * start):
        last = costs[-1] if costs.size else "nothing"
        hint = ("Don't clip or normalise the steps." if gradient_is_right(ctx) else
                "Your neuron_gradient is not right yet (see its check above): fix it first.")
        raise CheckFailed(f"{where} should blow up (each step overshoots further), but the "
                          f"last cost is {last}. {hint}")
