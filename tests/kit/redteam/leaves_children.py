"""Starts child processes that ignore SIGTERM and outlive the call, and returns normally."""

import signal
import subprocess

import numpy as np


def neuron_cost(w, b, x, y):
    # --- cheat ---
    for _ in range(3):  # argv[0] carries the marker the test looks for
        subprocess.Popen(["__MARKER__", "30"], executable="/bin/sleep",
                         preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN))
    # --- end cheat ---
    residual = b + w * np.asarray(x, dtype=float) - y
    return float(np.sum(residual**2))
