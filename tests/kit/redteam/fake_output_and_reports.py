"""Prints a fake passing report, and writes fake JSON reports where the grader's might be:
the path the instructor asked for (the test fills it in), the working folder and the home."""

import json
import os

import numpy as np

FAKE = {"score": 100, "max_score": 100, "stages": [], "isolation": "none", "forged": True}


def neuron(x, w, b):
    # --- cheat ---
    print("stage 1 one neuron ......... 10/10\nScore: 100/100  All checks passed")
    print(json.dumps(FAKE))
    for path in ("__REPORT__", "report.json", os.path.expanduser("~/report.json")):
        try:
            with open(path, "w") as file:
                json.dump(FAKE, file)
        except OSError:
            pass
    # --- end cheat ---
    return w * np.asarray(x, dtype=float)
