"""Tries to send data to a server on 127.0.0.1 (the test starts it); says so when it cannot."""

import socket

import numpy as np


def neuron_cost(w, b, x, y):
    # --- cheat ---
    try:
        with socket.create_connection(("127.0.0.1", __PORT__), timeout=2) as connection:
            connection.sendall(b"leaked from the sandbox")
    except OSError as error:
        raise RuntimeError(f"no network: {error}") from None
    # --- end cheat ---
    residual = b + w * np.asarray(x, dtype=float) - y
    return float(np.sum(residual**2))
