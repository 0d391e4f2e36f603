"""Stage 4: the cross-entropy cost and backpropagation, checked against numerical gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks import expected, inputs
from autograder.checks.compare import as_number, as_sequence, type_name
from autograder.checks.context import Grading
from autograder.checks.explain import explain
from autograder.checks.gradcheck import compare_gradients, gradient_shape_hint
from autograder.checks.stage import CheckFailed, Stage
from autograder.checks.tolerances import COST_RTOL, pair
from autograder.sandbox.client import SubmissionProblem
from autograder.sandbox.worker_side.codec import Handle

STAGE = Stage(4, "backpropagation", "cross-entropy cost and its gradients by the chain rule")


@STAGE.check("cross_entropy is the mean over samples of the summed log losses", 5,
             ["cross_entropy"])
def cross_entropy_values(ctx: Grading) -> None:
    rng = inputs.rng("stage4.cross_entropy_values", 4)
    for m, k in ((6, 3), (1, 4), (10, 10)):
        A = rng.uniform(0.05, 0.95, (m, k))
        Y = inputs.one_hot(rng.integers(0, k, m), k)
        got = as_number(ctx.call("cross_entropy", A, Y).value, f"cross_entropy for m={m}, k={k}")
        want = expected.of("cross_entropy", A=A, Y=Y)
        expected_cost = want["cost"]
        if np.isclose(got, expected_cost, rtol=COST_RTOL, atol=0.0):
            continue
        hint = ""
        if np.isclose(got, expected_cost * m, rtol=COST_RTOL) and m > 1:
            hint = f" It is m = {m} times too big: average over the samples (divide by m)."
        elif np.isclose(got, want["without_negatives"], rtol=COST_RTOL):
            hint = " The (1 - y) log(1 - a) term is missing: wrong outputs that fire must cost too."
        elif np.isclose(got, -expected_cost, rtol=COST_RTOL):
            hint = " The sign is flipped: the cost has a minus in front."
        elif np.isclose(got, expected_cost * m / (m * k), rtol=COST_RTOL):
            hint = " You averaged over every entry; divide by m only."
        elif np.isclose(got, expected_cost / np.log(10), rtol=COST_RTOL):
            hint = " You used log10: the cost uses the natural logarithm, np.log."
        shown = pair(expected_cost, got, digits=8)
        raise CheckFailed(f"cross_entropy(A, Y) for m={m} samples and {k} outputs returned "
                          f"{shown[1]}, expected {shown[0]} (within a relative {COST_RTOL:g})."
                          f"{hint}")


def check_backward(ctx: Grading, layer_sizes: list[int], m: int, seed: int) -> None:
    seed = inputs.seed(f"stage4.backward/{seed}", seed)
    params = inputs.random_network(layer_sizes, seed)
    X, Y = inputs.random_batch(m, layer_sizes[0], layer_sizes[-1], seed)
    forward = as_sequence(ctx.call("forward", params, X).value, 2,
                          "forward should return (A, cache), as backward needs the cache")
    grads = ctx.call("backward", params, forward[1], Y).value
    want = expected.of("gradients", params=params, X=X, Y=Y)
    compare_gradients(grads, want["numerical"], m, f"(layer_sizes={layer_sizes}, m={m} samples)",
                      models=want["models"])


@STAGE.check("backward returns a gradient for every parameter, same keys and shapes", 3,
             ["forward", "backward"])
def backward_shapes(ctx: Grading) -> None:
    layer_sizes, m, seed = [5, 4, 3], 7, inputs.seed("stage4.backward_shapes", 1)
    params = inputs.random_network(layer_sizes, seed)
    X, Y = inputs.random_batch(m, 5, 3, seed)
    cache = as_sequence(ctx.call("forward", params, X).value, 2,
                        "forward should return (A, cache), as backward needs the cache")[1]
    grads = ctx.call("backward", params, cache, Y).value
    if not isinstance(grads, dict):
        raise CheckFailed(f"backward should return a dict, got {type_name(grads)}.")
    for key, value in params.items():
        if key not in grads:
            layer_one = key == "W1" and any(other in grads for other in params)
            raise CheckFailed(f"backward's result has no '{key}'; it needs the same keys as "
                              "params." + (" Your loop stops before layer 1: "
                                           "range(L, 0, -1) runs l = L, ..., 1."
                                           if layer_one else ""))
        shape = np.shape(grads[key]) if not isinstance(grads[key], Handle) else None
        if shape != value.shape:
            raise CheckFailed(f"backward's gradient for {key} has shape {shape}; it must match "
                              f"params['{key}'], shape {value.shape} (layer_sizes={layer_sizes}, "
                              f"m={m} samples)." + gradient_shape_hint(key, shape, value.shape, m))


@STAGE.check("backward leaves forward's cache unchanged (reported by the worker; no points)", 0,
             ["forward", "backward"])
def backward_keeps_cache(ctx: Grading) -> None:
    # Only the worker sees the cache after the call: worth no points, but it fails the stage.
    layer_sizes, m, seed = [5, 4, 3], 7, inputs.seed("stage4.backward_keeps_cache", 1)
    params = inputs.random_network(layer_sizes, seed)
    X, Y = inputs.random_batch(m, 5, 3, seed)
    cache = as_sequence(ctx.call("forward", params, X).value, 2,
                        "forward should return (A, cache), as backward needs the cache")[1]
    call = ctx.call("backward", params, cache, Y, return_args=True)
    if not same_values(call.args_after[1], cache):
        raise CheckFailed("backward changed the cache that forward returned (its arrays differ "
                          "after the call). The cache holds forward's output A, which train still "
                          "uses for the epoch's cost, so it comes out wrong (often NaN) later. "
                          "Work on new arrays: delta = (A - Y) / m makes one; delta = A followed "
                          "by delta -= Y writes into the cache.")


@STAGE.check("backward matches numerical gradients on a 5-4-3 network", 5,
             ["forward", "backward"])
def backward_one_hidden_layer(ctx: Grading) -> None:
    check_backward(ctx, [5, 4, 3], 7, seed=2)


@STAGE.check("backward matches numerical gradients for other depths, square layers, m = 1", 4,
             ["forward", "backward"])
def backward_any_depth(ctx: Grading) -> None:
    for seed, (layer_sizes, m) in enumerate((([3, 2], 5), ([4, 4, 4], 6), ([6, 5, 4, 3], 1),
                                             ([3, 3, 3, 3, 3], 4)), start=10):
        try:
            check_backward(ctx, layer_sizes, m, seed)
        except SubmissionProblem as problem:
            if problem.kind != "raised" or not works_with_one_hidden_layer(ctx):
                raise
            raise CheckFailed(
                f"{explain(problem, STAGE.number, verbose(ctx))} (layer_sizes={layer_sizes}, "
                f"m={m}) Your "
                "backward works for one hidden layer (layer_sizes=[5, 4, 3]) but not for "
                f"{len(layer_sizes) - 2} hidden layers: it must work for any number of layers. "
                "Loop over the layers from L down to 1 instead of writing each layer out."
            ) from None


def same_values(after: Any, before: Any) -> bool:
    """Whether a cache came back from a call as it went in (arrays equal, same nesting); what
    the grader cannot compare (handles of other objects) counts as unchanged."""
    if isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
        try:
            return np.array_equal(np.asarray(after), np.asarray(before), equal_nan=True)
        except (TypeError, ValueError):
            return np.shape(after) == np.shape(before)
    if isinstance(before, list | tuple):
        return (isinstance(after, list | tuple) and len(after) == len(before)
                and all(same_values(a, b) for a, b in zip(after, before)))
    if isinstance(before, dict):
        return (isinstance(after, dict) and after.keys() == before.keys()
                and all(same_values(after[key], before[key]) for key in before))
    return True
REALISTIC_SIZES, REALISTIC_BATCH = [784, 100, 10], 32


@STAGE.check("backward is backpropagation: a 784-100-10 network, batch 32, within the time "
             "limit", 8, ["forward", "backward"])
def backward_realistic_size(ctx: Grading) -> None:
    """79,510 parameters: backpropagation takes about a millisecond; differentiating the cost
    numerically needs 159,020 forward passes (minutes), far beyond the per-call limit. The
    expected gradients are the grader's own chain rule (arithmetic.gradients), not differences."""
    seed = inputs.seed("stage4.backward_realistic_size", 40)
    params = inputs.random_network(REALISTIC_SIZES, seed)
    X, Y = inputs.random_batch(REALISTIC_BATCH, REALISTIC_SIZES[0], REALISTIC_SIZES[-1], seed)
    where = f"(layer_sizes={REALISTIC_SIZES}, m={REALISTIC_BATCH} samples)"
    forward = ctx.call("forward", params, X).value
    if not isinstance(forward, tuple | list) or len(forward) != 2:
        raise CheckFailed("forward should return (A, cache); backward needs the cache.")
    try:
        grads = ctx.call("backward", params, forward[1], Y).value
    except SubmissionProblem as problem:
        if problem.kind != "timeout" or problem.detail.get("stage_limit"):
            raise
        raise CheckFailed(
            f"backward did not finish within {problem.detail.get('seconds', 0):g} s {where}. "
            "Backpropagation computes all 79,510 gradients of this network in about a "
            "millisecond, with one backward pass of matrix products; estimating them by "
            "nudging each parameter and recomputing the cost takes minutes. Use the chain "
            "rule: delta_L = (A - Y) / m, then delta_(l-1) = (delta_l W_l^T) * a(1 - a)."
        ) from None
    try:
        exact = expected.of("exact_gradients", params=params, X=X, Y=Y)["gradients"]
        compare_gradients(grads, exact, REALISTIC_BATCH, where)
    except CheckFailed as failure:  # the expected values here are exact, not differences
        raise CheckFailed(str(failure).replace("numerical gradients", "the exact gradients")
                          .replace("expected (numerical)", "expected (exact)")) from None


def verbose(ctx: Grading) -> bool:
    return bool(getattr(ctx.options, "verbose", False))


def works_with_one_hidden_layer(ctx: Grading) -> bool:
    try:
        check_backward(ctx, [5, 4, 3], 7, seed=2)
    except (CheckFailed, SubmissionProblem):
        return False
    return True
