"""Starts a daemon (double fork, new session, parent gone) that outlives the call."""

import os

import numpy as np


def neuron_cost(w, b, x, y):
    # --- cheat ---
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            try:
                os.execv("/bin/sleep", ["__MARKER__", "30"])
            finally:
                os._exit(1)  # a child must never run on as a copy of the worker
        os._exit(0)
    os.wait()
    # --- end cheat ---
    residual = b + w * np.asarray(x, dtype=float) - y
    return float(np.sum(residual**2))
