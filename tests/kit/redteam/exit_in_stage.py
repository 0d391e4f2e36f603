"""Ends the worker with a hard exit (no exception to catch) in the middle of stage 2."""

import os


def sigmoid_prime(z):
    # --- cheat ---
    os._exit(3)
    # --- end cheat ---
    s = sigmoid(z)
    return s * (1.0 - s)
