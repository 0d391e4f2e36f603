"""The overflowing textbook sigmoid that then walks up into the worker's frames and empties every
list and set it finds there (the warnings recorded, the kinds of error already sent) and in
each frame's module. The overflow went to the grader as it happened, so
nothing left in the worker can take it back."""

import numpy as np


def sigmoid(z):
    value = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
    # --- cheat ---
    import sys

    frame = sys._getframe(1)
    while frame is not None:
        for name, local in list(frame.f_locals.items()):
            if isinstance(local, list | set) and name not in ("args", "buffers", "out_buffers"):
                local.clear()
        for name, found in list(frame.f_globals.items()):
            if isinstance(found, set) and name.startswith("_"):
                found.clear()
        frame = frame.f_back
    # --- end cheat ---
    return value
