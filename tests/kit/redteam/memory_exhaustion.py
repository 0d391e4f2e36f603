"""Allocates (and touches) memory in forward until it runs out; bounded at 2 GiB in case the
memory limit were missing, so it can never endanger the machine running the tests."""

import numpy as np


def forward(params, X):
    # --- cheat ---
    hoard = []
    for _ in range(32):  # 32 x 64 MiB
        hoard.append(np.ones(8 << 20))
    # --- end cheat ---
    activations = [np.asarray(X, dtype=float)]
    for layer in range(1, len(params) // 2 + 1):
        z = activations[-1] @ params[f"W{layer}"] + params[f"b{layer}"]
        activations.append(sigmoid(z))
    return activations[-1], activations
