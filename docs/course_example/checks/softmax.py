"""Stage 7 of our course: softmax turns the output layer into probabilities."""

import numpy as np

from autograder.checks import expected, inputs
from autograder.checks.compare import as_array, expect_close
from autograder.checks.stage import CheckFailed, Stage

STAGE = Stage(7, "softmax", "the output layer as probabilities")


@expected.request("softmax")  # the grader's arithmetic: a release records its answers instead
def softmax_answers(z):
    rows = np.exp(z - z.max(axis=1, keepdims=True))
    columns = np.exp(z - z.max(axis=0, keepdims=True))
    return {"value": rows / rows.sum(axis=1, keepdims=True),
            "columns": columns / columns.sum(axis=0, keepdims=True)}


@STAGE.check("softmax gives each row's probabilities", 6, ["softmax"])
def softmax_values(ctx):
    z = inputs.jitter("stage7.softmax_values", np.linspace(-3, 3, 12).reshape(3, 4), 0.5)
    want = expected.of("softmax", z=z)
    got = as_array(ctx.call("softmax", z).value, "softmax(z)", shape=z.shape)
    hint = ("Each column sums to 1: normalise each ROW (one sample per row), "
            "with keepdims=True." if np.allclose(got, want["columns"]) else "")
    expect_close(got, want["value"], "softmax(z) for a batch of 3 samples", hint=hint)


@STAGE.check("softmax does not overflow at z = 1000", 4, ["softmax"])
def softmax_is_stable(ctx):
    z = np.array([[1000.0, 1000.0, 0.0], [-1000.0, 0.0, 1.0]])
    result = ctx.call("softmax", z, record_warnings=True)
    if result.warnings:
        raise CheckFailed(f"softmax(z) printed warnings ({result.warnings[0]}): subtract each "
                          "row's largest value before np.exp; the result is the same.")
    expect_close(result.value, expected.of("softmax", z=z)["value"], "softmax at z = 1000")
