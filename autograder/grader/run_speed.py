"""The grading machine's speed, measured once per class run and added to every report that
trained on MNIST (`calibration`, autograder/checks/calibration.py), so that boards built from
grade-batch's reports show normalised training times as classroom's do."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from autograder.checks import calibration
from autograder.outputs import write_atomically


def add_calibration(paths: Iterable[Path],
                    measure: Callable[[], float] = calibration.measure) -> float | None:
    """Add this machine's speed to the reports in `paths` that trained and have none; measured
    once, on the first such report. Returns the speed (None: no report needed it)."""
    speed: float | None = None
    failure: str | None = None
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # no report: the batch's CSV says why
        if (data.get("mnist") or {}).get("train_seconds") is None or data.get("calibration"):
            continue
        if speed is None and failure is None:
            try:
                speed = measure()
            except RuntimeError as error:
                failure = (f"the reference workload could not be timed ({error}), so the "
                           "training time cannot be compared across machines")
        if speed is not None:
            data["calibration"] = speed
        else:
            data.setdefault("problems", []).append(failure)
        write_atomically(path, json.dumps(data, indent=2) + "\n")
    return speed
