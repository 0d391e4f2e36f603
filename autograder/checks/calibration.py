"""How fast is this machine? A fixed reference workload, timed where the grading ran.

Training times from different CI runners are not comparable: the same network trains twice as
fast on a quiet laptop as on a busy shared runner. Each report that trained on MNIST therefore
also carries the seconds this fixed workload took in the same job, and the leaderboard shows
train_seconds / calibration_seconds next to the raw time.

The workload has the cost of a few epochs of minibatch training of a 784-64-10 network (the same
matrix products, one exponential per activation and element-wise arithmetic, on fixed random
data), but it is deliberately neither a forward pass nor backpropagation of the graded sigmoid
network: this module ships to students (their CI times it), so it must not be an answer to any
stage.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import click
import numpy as np

from autograder.checks.inputs import random_network
from autograder.checks.report import Report
from autograder.sandbox.isolation import THREAD_VARIABLES, THREADS_ENV

SAMPLES, PASSES, BATCH, LAYERS = 8192, 4, 32, (784, 64, 10)
REPEATS = 3


def workload_inputs(seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The fixed data and network the workload runs on (made before the clock starts)."""
    X = np.random.default_rng(seed).random((SAMPLES, LAYERS[0]))
    return X, random_network(list(LAYERS), seed)


def reference_workload(X: np.ndarray, params: dict[str, np.ndarray]) -> float:
    """Run the fixed workload once; returns a checksum so the work cannot be skipped."""
    weights = [params[f"W{layer}"] for layer in range(1, len(LAYERS))]
    back = [np.ascontiguousarray(W.T) for W in weights]  # for products back to each input size
    total = 0.0
    for start in list(range(0, SAMPLES, BATCH)) * PASSES:
        # Per minibatch, the matrix products a training step makes (one forward and one back to
        # each layer's input size, so the same number of multiplications), one exponential per
        # entry as a sigmoid has, and element-wise arithmetic, on values that mean nothing:
        # exp(min(x W, 0)) is no layer of the graded network (no sigmoid, no bias), and nothing
        # here is a gradient.
        values = [X[start:start + BATCH]]
        for W in weights:
            values.append(np.exp(np.minimum(values[-1] @ W, 0.0)))
        for layer in range(len(values) - 1, 0, -1):
            signal = values[layer] * (1.0 - values[layer])
            total += float(np.sum(signal @ back[layer - 1])) + float(np.sum(signal))
    return total


def best_time(repeats: int = REPEATS) -> float:
    """Seconds for one run of the workload here: the fastest (least disturbed) of `repeats`."""
    X, params = workload_inputs()
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        reference_workload(X, params)
        best = min(best, time.perf_counter() - started)
    return round(best, 4)


def measure(repeats: int = REPEATS) -> float:
    """Seconds for the workload in a fresh process with the sandbox worker's BLAS thread count,
    so that it is timed under the same conditions as the student's train()."""
    threads = os.environ.get(THREADS_ENV) or "1"
    env = {**os.environ, **{variable: threads for variable in THREAD_VARIABLES},
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    try:
        run = subprocess.run([sys.executable, "-m", "autograder.checks.calibration", str(repeats)],
                             env=env, capture_output=True, text=True, timeout=300, check=False)
        if run.returncode != 0:
            raise RuntimeError(f"it failed: {run.stderr.strip()[-500:]}")
        return float(run.stdout.strip())
    except (subprocess.TimeoutExpired, ValueError) as error:
        raise RuntimeError(str(error)) from None


def calibrate(report: Report) -> None:
    """Add this machine's speed to a report whose grading trained on MNIST."""
    if report.mnist.get("train_seconds") is None:
        return
    try:
        report.calibration = measure()
    except RuntimeError as error:
        report.problems.append(f"the reference workload could not be timed ({error}), so the "
                               "training time cannot be compared across machines")


@click.command(name="calibrate")
def calibrate_command() -> None:
    """Time the fixed reference workload on this machine (seconds; lower is faster)."""
    click.echo(f"{measure():.3f}")


if __name__ == "__main__":
    print(best_time(int(sys.argv[1]) if len(sys.argv) > 1 else REPEATS))
