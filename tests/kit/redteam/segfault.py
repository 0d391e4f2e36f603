"""Crashes its own process with a segmentation fault (reads address 0) in stage 2."""

import ctypes


def sigmoid_prime(z):
    # --- cheat ---
    ctypes.string_at(0)
    # --- end cheat ---
    s = sigmoid(z)
    return s * (1.0 - s)
