"""Training speed: the kit's reference solution vs scikit-learn's MLPClassifier vs PyTorch (CPU).

Same network (784-100-10, sigmoid hidden layer), same plain minibatch SGD (batch 32, learning
rate 0.5, no momentum, no weight decay), same 10 epochs, float64. Reports seconds per epoch,
seconds to 97% and 98% test accuracy, and seconds per epoch as a fraction of the BLAS limit:
the time the epoch's matrix products alone take at the same shapes, measured in the same run.
PyTorch runs in its own process (sharing one slows NumPy), in alternation with the others.

    python benchmarks/training.py [--rounds 3] [--threads 1] [--no-workshop] [--no-torch]

All contenders use the same number of BLAS threads (default 1, as the grader's sandboxed worker
does: at these small matrix shapes a second OpenBLAS thread costs more than it gives).
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import subprocess
import sys
import time
import types
from pathlib import Path


def _threads_from_argv(default: str = "1") -> str:
    # BLAS reads its thread count when NumPy is first imported, so set it before that.
    if "--threads" in sys.argv:
        return sys.argv[sys.argv.index("--threads") + 1]
    return default


THREADS = _threads_from_argv()
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = THREADS

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median, mnist_environment, table, write_results  # noqa: E402

SIZES, EPOCHS, BATCH, RATE = [784, 100, 10], 10, 32, 0.5


def reference_module() -> types.ModuleType:
    """The reference solution's definitions (its notebook demo cells are not run)."""
    from autograder import assignment
    from autograder.loader import definitions_only

    module = types.ModuleType("reference_solution")
    tree = definitions_only(ast.parse(assignment.solution(assignment.read_source())))
    exec(compile(tree, "reference_solution.py", "exec"), module.__dict__)
    return module


def accuracy(params: dict, X: np.ndarray, labels: np.ndarray) -> float:
    from autograder.numerics import output

    return float(np.mean(np.argmax(output(params, X), 1) == labels))


def run_reference(module, data) -> dict:
    """Time the reference `train`; an epoch ends with its last minibatch's update."""
    X, Y, X_test, test_labels = data
    marks: list[tuple[float, dict]] = []
    per_epoch, calls = math.ceil(X.shape[0] / BATCH), [0]
    original_update = module.update

    def update(params, grads, rate):
        new_params = original_update(params, grads, rate)
        calls[0] += 1
        if calls[0] % per_epoch == 0:
            marks.append((time.perf_counter(), new_params))
        return new_params

    module.update = update
    try:
        started = time.perf_counter()
        module.train(X, Y, SIZES, EPOCHS, BATCH, RATE, seed=0)
    finally:
        module.update = original_update
    ends = [mark - started for mark, _ in marks]
    return {"epoch_seconds": np.diff([0.0, *ends]).tolist(), "ends": ends,
            "accuracy": [accuracy(params, X_test, test_labels) for _, params in marks]}


def run_sklearn(data, hidden=(100,), rate=RATE, epochs=EPOCHS, scale=True) -> dict:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, Y, X_test, test_labels = data
    labels = np.argmax(Y, 1)
    model = MLPClassifier(hidden_layer_sizes=hidden, activation="logistic", solver="sgd",
                          batch_size=BATCH, learning_rate_init=rate, momentum=0.0,
                          nesterovs_momentum=False, alpha=0.0, max_iter=1, warm_start=True,
                          shuffle=True, random_state=0)
    ends, accuracies, spent = [], [], 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(epochs):
            started = time.perf_counter()
            model.fit(X if scale else X * 255.0, labels)
            spent += time.perf_counter() - started
            ends.append(spent)
            accuracies.append(float(model.score(X_test if scale else X_test * 255, test_labels)))
    return {"epoch_seconds": np.diff([0.0, *ends]).tolist(), "ends": ends,
            "accuracy": accuracies}


def run_torch() -> dict | None:
    script = Path(__file__).with_name("_torch_training.py")
    done = subprocess.run([sys.executable, str(script), json.dumps([SIZES, EPOCHS, BATCH, RATE])],
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def blas_epoch_seconds(X: np.ndarray) -> float:
    """The epoch's matrix products alone (forward and backward), at the training shapes,
    streaming through the training rows as training does (a shuffled copy, sliced)."""
    rng = np.random.default_rng(0)
    rows = X[rng.permutation(X.shape[0])]
    W1, W2 = rng.random((784, 100)), rng.random((100, 10))
    A1, D2, D1 = rng.random((BATCH, 100)), rng.random((BATCH, 10)), rng.random((BATCH, 100))
    started = time.perf_counter()
    for start in range(0, X.shape[0] - BATCH + 1, BATCH):
        batch = rows[start:start + BATCH]
        batch @ W1, A1 @ W2, A1.T @ D2, D2 @ W2.T, batch.T @ D1  # noqa: B018 - the timed work
    return time.perf_counter() - started


def seconds_to(result: dict, target: float) -> str:
    for end, acc in zip(result["ends"], result["accuracy"]):
        if acc >= target:
            return f"{end:.2f}"
    return f"not reached in {EPOCHS} epochs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", default=THREADS, help="BLAS threads for every contender")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--no-workshop", action="store_true")
    args = parser.parse_args()
    mnist_environment()
    from autograder.data import load_mnist

    X, Y, _ = load_mnist("train")
    X_test, _, test_labels = load_mnist("test")
    data = (np.ascontiguousarray(X), Y, X_test, test_labels)
    module = reference_module()
    runs: dict[str, list[dict]] = {"kit reference (NumPy)": [], "scikit-learn MLPClassifier": [],
                                   "PyTorch (CPU, own process)": []}
    blas: list[float] = []
    for round_number in range(args.rounds):
        print(f"round {round_number + 1}/{args.rounds}", file=sys.stderr)
        blas.append(blas_epoch_seconds(X))
        runs["kit reference (NumPy)"].append(run_reference(module, data))
        runs["scikit-learn MLPClassifier"].append(run_sklearn(data))
        if not args.no_torch:
            torch_result = run_torch()
            if torch_result:
                runs["PyTorch (CPU, own process)"].append(torch_result)
    blas_seconds = median(blas)
    rows, per_epoch = [], {}
    for name, results in runs.items():
        if not results:
            rows.append([name, "not installed", "", "", "", ""])
            continue
        epoch = median([median(r["epoch_seconds"]) for r in results])
        per_epoch[name] = epoch
        final = median([r["accuracy"][-1] for r in results])
        rows.append([name, f"{epoch:.3f}", f"{blas_seconds / epoch:.0%}",
                     seconds_to(results[0], 0.97), seconds_to(results[0], 0.98),
                     f"{final:.4f}"])
    reference_epoch = per_epoch["kit reference (NumPy)"]
    ratios = [[name, f"{seconds / reference_epoch:.2f}x"] for name, seconds in per_epoch.items()]
    body = (f"784-100-10 sigmoid network, plain SGD, batch {BATCH}, learning rate {RATE}, "
            f"{EPOCHS} epochs, float64, {THREADS} BLAS thread(s) for every contender; medians "
            f"over {args.rounds} alternating rounds. "
            f"BLAS limit: the epoch's five matrix products alone take {blas_seconds:.3f} s. "
            "scikit-learn's output layer is softmax (its multi-class loss), the rest matches. "
            "Times to a target accuracy are from the first round; evaluation is not timed.\n\n"
            + table(["trainer", "s / epoch", "of BLAS limit", "s to 97%", "s to 98%",
                     "final test accuracy"], rows)
            + "\n\nSeconds per epoch relative to the kit's reference:\n\n"
            + table(["trainer", "time per epoch vs reference"], ratios))
    if not args.no_workshop:
        started = time.perf_counter()
        workshop = run_sklearn(data, hidden=(14, 14), rate=0.01, epochs=100, scale=False)
        body += ("\n\nThe workshop's baseline (MLPClassifier (14, 14), logistic, sgd, learning "
                 "rate 0.01, 100 epochs, raw pixels 0-255, batch 32, no momentum here): test "
                 f"accuracy {workshop['accuracy'][-1]:.4f} in "
                 f"{time.perf_counter() - started:.1f} s (the workshop reported 0.8725).")
    write_results("training", "Training speed", body)


if __name__ == "__main__":
    main()
