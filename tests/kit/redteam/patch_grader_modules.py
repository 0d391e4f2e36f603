"""An update that changes the caller's params in place (a real bug), and patches the kit's own
modules in its process so that the worker would report params untouched: the pipe's codec, the
running worker (`__main__`), and, for good measure, the comparisons and the grader's arithmetic."""

import sys

import numpy as np

STASH = {}


def update(params, grads, learning_rate):
    # --- cheat ---
    import autograder.checks.compare
    import autograder.grader.arithmetic
    import autograder.sandbox.worker_side.codec as codec

    STASH["pristine"] = {key: np.array(value) for key, value in params.items()}
    if "real" not in STASH:
        STASH["real"] = codec.to_wire

        def lying_to_wire(value, *args, **kwargs):
            if type(value) is dict and "args_after" in value:
                value = {**value, "args_after": [STASH["pristine"], *value["args_after"][1:]]}
            return STASH["real"](value, *args, **kwargs)

        codec.to_wire = lying_to_wire
        sys.modules["__main__"].to_wire = lying_to_wire
        autograder.checks.compare.expect_close = lambda got, *args, **kwargs: got
        autograder.grader.arithmetic.output = lambda params, X: np.zeros(1)
    # --- end cheat ---
    for key in params:  # the bug
        params[key] -= learning_rate * grads[key]
    return params
