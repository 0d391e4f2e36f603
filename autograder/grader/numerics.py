"""The grader's own network arithmetic, written independently of the reference solution.

Every expected value a check compares against comes from here (or from numerical differences of
these functions), so a check never trusts the code it is grading.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Central differences in float64: truncation error ~eps**2 = 1e-10, round-off ~1e-16/eps = 1e-11,
# so a correct analytic gradient agrees to about 1e-8 relative; real mistakes differ by >1e-2.
EPSILON = 1e-5


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


def numerical_gradient(cost: Callable[[], float], array: np.ndarray,
                       indices: list[tuple[int, ...]] | None = None) -> np.ndarray:
    """Central differences of cost() with respect to `array`, which is perturbed in place and
    restored. With `indices`, only those entries are computed (the rest stay NaN)."""
    gradient = np.full(array.shape, np.nan)
    for index in indices if indices is not None else list(np.ndindex(array.shape)):
        saved = array[index]
        array[index] = saved + EPSILON
        plus = cost()
        array[index] = saved - EPSILON
        minus = cost()
        array[index] = saved
        gradient[index] = (plus - minus) / (2 * EPSILON)
    return gradient


def random_network(layer_sizes: list[int], seed: int, scale: float = 1.0) -> dict[str, np.ndarray]:
    """Parameters for checks: weights AND biases nonzero, so bias mistakes are visible."""
    rng = np.random.default_rng(seed)
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(0.0, scale / np.sqrt(n_in), (n_in, n_out))
        params[f"b{layer}"] = rng.normal(0.0, 0.5, n_out)
    return params


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    Y = np.zeros((labels.shape[0], classes))
    Y[np.arange(labels.shape[0]), labels] = 1.0
    return Y


def random_batch(m: int, n_in: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 1.0, (m, n_in)), one_hot(rng.integers(0, classes, m), classes)


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
