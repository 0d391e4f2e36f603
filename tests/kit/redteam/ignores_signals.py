"""Ignores and blocks every signal it may, arms an alarm for itself, then never returns."""

import signal
import time

import numpy as np


def neuron(x, w, b):
    # --- cheat ---
    for name in ("SIGALRM", "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGXCPU"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL,
                                                                    signal.SIGSTOP})
    signal.alarm(1)
    while True:
        time.sleep(0.01)
    # --- end cheat ---
    return b + w * np.asarray(x, dtype=float)
