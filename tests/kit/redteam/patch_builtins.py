"""A wrong cost (the MEAN, not the sum) that patches builtins a grader might use to check it."""

import builtins
import math

import numpy as np


def neuron_cost(w, b, x, y):
    # --- cheat ---
    builtins.abs = lambda value: 0.0
    builtins.all = lambda values: True
    builtins.any = lambda values: False
    builtins.round = lambda value, digits=None: 0
    math.isclose = lambda *args, **kwargs: True
    # --- end cheat ---
    residual = b + w * np.asarray(x, dtype=float) - y
    return float(np.mean(residual**2))
