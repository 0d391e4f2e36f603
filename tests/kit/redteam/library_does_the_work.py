"""Libraries doing the work: SciPy's expit as the sigmoid and scikit-learn's log_loss as the
cost, reached by every import route (a top-level import, an import inside the function,
__import__, importlib, and code compiled under a standard-library file name). With the
default course settings none of them is available at grading, and each says so."""

import os

import numpy as np

# --- cheat ---
import scipy.special  # noqa: E402

# --- end cheat ---


def sigmoid(z):
    # --- cheat ---
    import importlib

    routes = (lambda: scipy.special,
              lambda: __import__("scipy.special", fromlist=["expit"]),
              lambda: importlib.import_module("scipy.special"),
              lambda: eval(compile("__import__('scipy.special', fromlist=['expit'])",
                                   os.__file__, "eval")))
    errors = []
    for route in routes:
        try:
            return route().expit(z)
        except (ImportError, NameError) as error:
            errors.append(f"{type(error).__name__}: {error}")
    raise ImportError(" | ".join(errors))
    # --- end cheat ---
    return 0.5 + 0.5 * np.tanh(0.5 * np.asarray(z, dtype=float))


def cross_entropy(A, Y):
    # --- cheat ---
    from sklearn.metrics import log_loss

    return log_loss(np.argmax(Y, axis=1), A, labels=list(range(np.shape(Y)[1])))
    # --- end cheat ---
    A, Y = np.asarray(A, dtype=float), np.asarray(Y, dtype=float)
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / Y.shape[0])
