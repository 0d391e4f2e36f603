"""The grader's own network arithmetic, written independently of the reference solution.

Every expected value a check compares against comes from here (or from numerical differences of
these functions), so a check never trusts the code it is grading.
"""

from __future__ import annotations

import numpy as np

# The checks' inputs and central differences of any cost are not answers: they ship with the
# checks (a release generates the same public inputs) and are re-exported here for the grader.
from autograder.checks.inputs import one_hot, random_batch, random_network  # noqa: F401
from autograder.checks.numerical import EPSILON, numerical_gradient  # noqa: F401


def logistic(z: np.ndarray) -> np.ndarray:
    # exp(-log(1 + e^-z)) never overflows: logaddexp is evaluated stably.
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))


def layer_count(params: dict[str, np.ndarray]) -> int:
    return sum(1 for key in params if key.startswith("W"))


def activations(params: dict[str, np.ndarray], X: np.ndarray) -> list[np.ndarray]:
    """[a_0 = X, a_1, ..., a_L] with a_l = logistic(a_{l-1} W_l + b_l)."""
    layers = [np.asarray(X, dtype=np.float64)]
    for layer in range(1, layer_count(params) + 1):
        weights, bias = params[f"W{layer}"], params[f"b{layer}"]
        layers.append(logistic(np.dot(layers[-1], weights) + bias[np.newaxis, :]))
    return layers


def output(params: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    return activations(params, X)[-1]


def cross_entropy(A: np.ndarray, Y: np.ndarray) -> float:
    total = np.einsum("ik,ik->", Y, np.log(A)) + np.einsum("ik,ik->", 1 - Y, np.log1p(-A))
    return float(-total / A.shape[0])


def network_cost(params: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    return cross_entropy(output(params, X), Y)


def gradients(params: dict[str, np.ndarray], X: np.ndarray,
              Y: np.ndarray) -> dict[str, np.ndarray]:
    """The exact gradients of network_cost, by the chain rule: what a correct backward returns.
    Used where central differences would be too slow (a realistic network, training replays);
    elsewhere the checks still compare with numerical_gradient, independent of any derivation."""
    layers = activations(params, X)
    count = layer_count(params)
    # Sigmoid outputs with the cross-entropy cost: dC/dz_L = (a_L - y) / m.
    delta = (layers[-1] - Y) / X.shape[0]
    grads: dict[str, np.ndarray] = {}
    for layer in range(count, 0, -1):
        grads[f"W{layer}"] = layers[layer - 1].T @ delta
        grads[f"b{layer}"] = delta.sum(axis=0)
        if layer > 1:
            below = layers[layer - 1]
            delta = (delta @ params[f"W{layer}"].T) * below * (1.0 - below)
    return {key: grads[key] for key in params}


def replay_training(initial: dict[str, np.ndarray], X: np.ndarray, Y: np.ndarray,
                    batches: list[np.ndarray], learning_rate: float) -> dict[str, np.ndarray]:
    """Minibatch gradient descent redone by the grader: from `initial`, one step of
    `learning_rate` against the exact gradients on each batch of row indices, in order."""
    params = {key: np.array(value, dtype=np.float64) for key, value in initial.items()}
    for rows in batches:
        step = gradients(params, X[rows], Y[rows])
        params = {key: params[key] - learning_rate * step[key] for key in params}
    return params
