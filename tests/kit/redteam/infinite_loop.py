"""Never returns from neuron: an endless loop."""

import numpy as np


def neuron(x, w, b):
    # --- cheat ---
    while True:
        pass
    # --- end cheat ---
    return b + w * np.asarray(x, dtype=float)
