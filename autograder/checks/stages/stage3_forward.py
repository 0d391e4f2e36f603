"""Stage 3: initialising a network and the forward pass."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks import expected, inputs
from autograder.checks.compare import as_array, as_sequence, expect_close, type_name
from autograder.checks.context import Grading
from autograder.checks.stage import CheckFailed, Stage

STAGE = Stage(3, "forward pass", "random initialisation and a_l = sigmoid(a_{l-1} W_l + b_l)")
SHAPES = [[3, 2], [5, 4, 3], [4, 4, 4, 4], [6, 5, 4, 3, 2]]


def expected_shapes(layer_sizes: list[int]) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        shapes[f"W{layer}"] = (n_in, n_out)
        shapes[f"b{layer}"] = (n_out,)
    return shapes


def parameters(value: Any, layer_sizes: list[int], what: str) -> dict[str, np.ndarray]:
    """Validate a params dict against layer_sizes; plain float64 arrays out."""
    if not isinstance(value, dict):
        raise CheckFailed(f"{what} should be a dict of arrays, but it is {type_name(value)}.")
    shapes = expected_shapes(layer_sizes)
    missing = [key for key in shapes if key not in value]
    extra = [key for key in value if key not in shapes]
    if missing or extra:
        zero_based = "W0" in extra or "b0" in extra
        raise CheckFailed(
            f"{what} for layer_sizes={layer_sizes} should have exactly the keys "
            f"{', '.join(shapes)}" + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unexpected {', '.join(map(str, extra))}" if extra else "") + "."
            + (" The keys count the layers from 1: the first layer's are W1 and b1 "
               "(enumerate(..., start=1))." if zero_based else "")
        )
    for key, shape in shapes.items():
        if key.startswith("b") and np.shape(value[key]) == (1, *shape):
            raise CheckFailed(f"{what}['{key}'] has shape (1, {shape[0]}), expected {shape}: a "
                              "bias is a 1-D vector: np.zeros(n_out), not np.zeros((1, n_out)).")
    return {key: as_array(value[key], f"{what}['{key}']", shape=shape)
            for key, shape in shapes.items()}


@STAGE.check("init_params makes W1..WL of shape (n_in, n_out) and b1..bL of shape (n_out,)", 3,
             ["init_params"])
def init_shapes(ctx: Grading) -> None:
    for layer_sizes in SHAPES:
        parameters(ctx.call("init_params", layer_sizes,
                            seed=inputs.seed("stage3.init_shapes", 1)).value, layer_sizes,
                   f"init_params({layer_sizes})")


@STAGE.check("init_params: zero-mean weights with std about 1/sqrt(n_in), zero biases", 3,
             ["init_params"])
def init_statistics(ctx: Grading) -> None:
    layer_sizes = [400, 300, 50]
    params = parameters(ctx.call("init_params", layer_sizes,
                                 seed=inputs.seed("stage3.init_statistics", 3)).value, layer_sizes,
                        f"init_params({layer_sizes})")
    for layer, n_in in ((1, 400), (2, 300)):
        weights = params[f"W{layer}"]
        target = 1 / np.sqrt(n_in)
        std, mean = float(weights.std()), float(weights.mean())
        if std == 0:
            raise CheckFailed(f"W{layer} is all the same value ({mean:g}): every neuron would "
                              "compute the same thing and learn the same thing. Use random "
                              "weights (np.random.default_rng(seed).normal(...)).")
        if not target / 2 <= std <= target * 2:
            hint = ""
            if 0.7 < std < 1.4:
                hint = " That looks like unscaled standard normal weights: divide by sqrt(n_in)."
            elif 0.7 / n_in < std < 1.4 / n_in:
                hint = " That looks like 1/n_in: you divided by n_in instead of sqrt(n_in)."
            raise CheckFailed(f"W{layer} (n_in = {n_in}) has standard deviation {std:.4g}; "
                              f"expected about 1/sqrt({n_in}) = {target:.4g} (within a factor "
                              f"of 2).{hint}")
        # The mean of n samples has standard error std/sqrt(n); 6 of those is never hit by chance.
        if abs(mean) > 6 * std / np.sqrt(weights.size):
            raise CheckFailed(f"W{layer} has mean {mean:.4g}; it should be zero-mean (draw from "
                              "a distribution centred on 0, e.g. normal(0, ...)).")
        if np.any(params[f"b{layer}"] != 0):
            raise CheckFailed(f"b{layer} should start at zero, but it holds nonzero values.")


@STAGE.check("init_params: the same seed gives the same network, another seed another", 2,
             ["init_params"])
def init_seeding(ctx: Grading) -> None:
    layer_sizes = [5, 4, 3]
    same = inputs.seed("stage3.init_seeding", 7)
    other = inputs.seed("stage3.init_seeding/other", 8)
    other += other == same  # two different seeds, always
    runs = [parameters(ctx.call("init_params", layer_sizes, seed=seed).value, layer_sizes,
                       f"init_params({layer_sizes}, seed={seed})") for seed in (same, same, other)]
    if not all(np.array_equal(runs[0][key], runs[1][key]) for key in runs[0]):
        raise CheckFailed(f"Calling init_params twice with seed={same} gave different weights. "
                          "Make the randomness depend only on the seed: "
                          "rng = np.random.default_rng(seed).")
    if np.all(runs[0]["W1"] == runs[0]["W1"].flat[0]):
        raise CheckFailed("init_params gave W1 with every value the same, for every seed: the "
                          "weights must be random (see the statistics check above).")
    if np.array_equal(runs[0]["W1"], runs[2]["W1"]):
        raise CheckFailed(f"init_params gave the same W1 for seed={same} and seed={other}: it "
                          "ignores its seed. Pass the seed to np.random.default_rng(seed).")


def forward_output(ctx: Grading, params: dict, X: np.ndarray, what: str):
    return as_sequence(ctx.call("forward", params, X).value, 2,
                       "forward should return a pair (A, cache)")


def forward_hint(got: np.ndarray, want: dict) -> str:
    """`want`: the expected values of the "forward" request (see grader/computed_values.py)."""
    if np.allclose(got, want["no_bias"]):
        return "Your output equals the network without biases: add b_l in every layer."
    if np.allclose(got, want["pre_activation"]):
        return "Your output is z_L, before the sigmoid: the output layer needs the sigmoid too."
    for reused, output in want["reused_weights"].items():  # square networks only
        if np.allclose(got, output):
            return (f"Your output is what you get when every layer uses the weights W{reused}: "
                    "layer l must use its own W{l} and b{l}.")
    return ""


# A square network comes early: a forward that reuses one layer's weights runs on it (and
# gets a named diagnosis) instead of stopping at a shape error.
FORWARD_CASES = (([3, 2], 4), ([4, 4, 4, 4], 7), ([5, 4, 3], 1), ([6, 5, 4, 3, 2], 3))


@STAGE.check("forward computes sigmoid(a W + b) layer by layer", 6, ["forward"])
def forward_values(ctx: Grading) -> None:
    for case, (layer_sizes, m) in enumerate(FORWARD_CASES):
        seed = inputs.seed(f"stage3.forward_values/{case}", case)
        params = inputs.random_network(layer_sizes, seed)
        X = np.random.default_rng(seed).normal(size=(m, layer_sizes[0]))
        value = forward_output(ctx, params, X, "forward")
        want = expected.of("forward", params=params, X=X)
        expected_output = want["output"]
        what = f"A from forward for layer_sizes={layer_sizes} and m={m} samples"
        if (layer_sizes[-2] != layer_sizes[-1] and not hasattr(value[0], "type_name")
                and np.shape(value[0]) == (m, layer_sizes[-2])):
            raise CheckFailed(
                f"{what} has shape {np.shape(value[0])}, expected {expected_output.shape}: it has "
                f"{layer_sizes[-2]} columns, the size of the layer BEFORE the output, so your "
                "loop stops one layer early. With L = len(params) // 2 layers, "
                "range(1, L + 1) runs l = 1, ..., L (range(1, L) stops at L - 1).")
        got = as_array(value[0], what, shape=expected_output.shape)
        expect_close(value[0], expected_output, what, hint=forward_hint(got, want))


@STAGE.check("forward does not modify X or params (reported by the worker)", 1, ["forward"])
def forward_is_pure(ctx: Grading) -> None:
    # The grader's copies never change; the worker sends back what forward did to its inputs.
    # Only the worker sees that, so this is worth little, and only for a forward that answers.
    layer_sizes, seed = [4, 3, 2], inputs.seed("stage3.forward_is_pure", 11)
    params = inputs.random_network(layer_sizes, seed)
    X = np.random.default_rng(seed).normal(size=(5, 4))
    call = ctx.call("forward", params, X, return_args=True)
    value = as_sequence(call.value, 2, "forward should return a pair (A, cache)")
    as_array(value[0], "A from forward for layer_sizes=[4, 3, 2] and m=5 samples", shape=(5, 2))
    result = call.args_after
    if not np.array_equal(as_array(result[1], "X after forward", shape=X.shape), X):
        raise CheckFailed("forward changed its input X. Work on new arrays (a = sigmoid(a @ W + b)"
                          " makes a new one); avoid in-place changes such as X -= ... or "
                          "X[...] = ...")
    after = result[0]
    for key, value in params.items():
        if not np.array_equal(as_array(after.get(key), f"params['{key}'] after forward"), value):
            raise CheckFailed(f"forward changed params['{key}']; it must only read them. Keep "
                              "a reshaped or converted copy in a local variable instead of "
                              "storing it back into params.")
