"""A forward with the right output that then wipes its input X in place (a real bug: the caller's
array changes), and patches NumPy so that the worker would report X untouched. It also patches
NumPy's comparison helpers, so that any comparison made in its process says "equal"."""

import numpy as np


def forward(params, X):
    activations = [np.array(X, dtype=float)]
    for layer in range(1, len(params) // 2 + 1):
        z = activations[-1] @ params[f"W{layer}"] + params[f"b{layer}"]
        activations.append(sigmoid(z))
    # --- cheat ---
    pristine, real = np.array(X), np.ascontiguousarray
    np.ascontiguousarray = lambda a, *args, **kw: pristine if a is X else real(a, *args, **kw)
    np.allclose = lambda *args, **kwargs: True
    np.isclose = lambda a, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
    np.array_equal = lambda *args, **kwargs: True
    # --- end cheat ---
    X[...] = 0.0  # the bug
    return activations[-1], activations
