"""Stage 4: the cross-entropy cost and backpropagation, checked against numerical gradients."""

from __future__ import annotations

import numpy as np

from autograder.checks import expected, inputs
from autograder.checks.expect import as_number
from autograder.checks.explain import explain
from autograder.checks.gradcheck import compare_gradients, gradient_shape_hint
from autograder.checks.stage import CheckFailed, Stage
from autograder.sandbox.client import SandboxedSubmission, SubmissionProblem

STAGE = Stage(4, "backpropagation", "cross-entropy cost and its gradients by the chain rule")


@STAGE.check("cross_entropy is the mean over samples of the summed log losses", 5,
             ["cross_entropy"])
def cross_entropy_values(sub: SandboxedSubmission) -> None:
    rng = inputs.rng("stage4.cross_entropy_values", 4)
    for m, k in ((6, 3), (1, 4), (10, 10)):
        A = rng.uniform(0.05, 0.95, (m, k))
        Y = inputs.one_hot(rng.integers(0, k, m), k)
        got = as_number(sub.call("cross_entropy", A, Y).value, f"cross_entropy for m={m}, k={k}")
        want = expected.of("cross_entropy", A=A, Y=Y)
        expected_cost = want["cost"]
        if np.isclose(got, expected_cost, rtol=1e-9):
            continue
        hint = ""
        if np.isclose(got, expected_cost * m, rtol=1e-9) and m > 1:
            hint = f" It is m = {m} times too big: average over the samples (divide by m)."
        elif np.isclose(got, want["without_negatives"], rtol=1e-9):
            hint = " The (1 - y) log(1 - a) term is missing: wrong outputs that fire must cost too."
        elif np.isclose(got, -expected_cost, rtol=1e-9):
            hint = " The sign is flipped: the cost has a minus in front."
        elif np.isclose(got, expected_cost * m / (m * k), rtol=1e-9):
            hint = " You averaged over every entry; divide by m only."
        raise CheckFailed(f"cross_entropy(A, Y) for m={m} samples and {k} outputs returned "
                          f"{got:.8g}, expected {expected_cost:.8g}.{hint}")


def check_backward(sub: SandboxedSubmission, layer_sizes: list[int], m: int, seed: int) -> None:
    seed = inputs.seed(f"stage4.backward/{seed}", seed)
    params = inputs.random_network(layer_sizes, seed)
    X, Y = inputs.random_batch(m, layer_sizes[0], layer_sizes[-1], seed)
    forward = sub.call("forward", params, X).value
    if not isinstance(forward, tuple | list) or len(forward) != 2:
        raise CheckFailed("forward should return (A, cache); backward needs the cache.")
    grads = sub.call("backward", params, forward[1], Y).value
    want = expected.of("gradients", params=params, X=X, Y=Y)
    compare_gradients(grads, want["numerical"], m, f"(layer_sizes={layer_sizes}, m={m} samples)",
                      models=want["models"])


@STAGE.check("backward returns a gradient for every parameter, same keys and shapes", 4,
             ["forward", "backward"])
def backward_shapes(sub: SandboxedSubmission) -> None:
    layer_sizes, m, seed = [5, 4, 3], 7, inputs.seed("stage4.backward_shapes", 1)
    params = inputs.random_network(layer_sizes, seed)
    X, Y = inputs.random_batch(m, 5, 3, seed)
    cache = sub.call("forward", params, X).value
    grads = sub.call("backward", params, cache[1] if isinstance(cache, tuple | list) and
                     len(cache) == 2 else None, Y).value
    if not isinstance(grads, dict):
        raise CheckFailed(f"backward should return a dict, got {type(grads).__name__}.")
    for key, value in params.items():
        if key not in grads:
            raise CheckFailed(f"backward's result has no '{key}'; it needs the same keys as "
                              "params.")
        shape = np.shape(grads[key]) if not hasattr(grads[key], "type_name") else None
        if shape != value.shape:
            raise CheckFailed(f"backward's gradient for {key} has shape {shape}; it must match "
                              f"params['{key}'], shape {value.shape} (layer_sizes={layer_sizes}, "
                              f"m={m} samples)." + gradient_shape_hint(key, shape, value.shape, m))


@STAGE.check("backward matches numerical gradients on a 5-4-3 network", 8,
             ["forward", "backward"])
def backward_one_hidden_layer(sub: SandboxedSubmission) -> None:
    check_backward(sub, [5, 4, 3], 7, seed=2)


@STAGE.check("backward matches numerical gradients for other depths, square layers, m = 1", 8,
             ["forward", "backward"])
def backward_any_depth(sub: SandboxedSubmission) -> None:
    for seed, (layer_sizes, m) in enumerate((([3, 2], 5), ([4, 4, 4], 6), ([6, 5, 4, 3], 1),
                                             ([3, 3, 3, 3, 3], 4)), start=10):
        try:
            check_backward(sub, layer_sizes, m, seed)
        except SubmissionProblem as problem:
            if problem.kind != "raised" or not works_with_one_hidden_layer(sub):
                raise
            raise CheckFailed(
                f"{explain(problem, STAGE.number, verbose(sub))} (layer_sizes={layer_sizes}, "
                f"m={m}) Your "
                "backward works for one hidden layer (layer_sizes=[5, 4, 3]) but not for "
                f"{len(layer_sizes) - 2} hidden layers: it must work for any number of layers. "
                "Loop over the layers from L down to 1 instead of writing each layer out."
            ) from None


def verbose(sub: SandboxedSubmission) -> bool:
    return bool(getattr(sub.options, "verbose", False))


def works_with_one_hidden_layer(sub: SandboxedSubmission) -> bool:
    try:
        check_backward(sub, [5, 4, 3], 7, seed=2)
    except (CheckFailed, SubmissionProblem):
        return False
    return True
