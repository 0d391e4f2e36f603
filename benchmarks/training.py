"""Training speed: the kit's reference solution vs scikit-learn's MLPClassifier vs PyTorch (CPU).

Every contender trains the reference's network with the reference's settings (its HYPERPARAMS:
784-100-10, sigmoid, plain minibatch SGD, no momentum, no weight decay), float64, for 10 epochs.
Reports seconds per epoch, seconds to 97% and 98% test accuracy, page faults per epoch, and
seconds per epoch as a fraction of the BLAS limit measured in the same run, two ways:
  - forward + full backward: the six matrix products of a textbook pass (the issue's 29 GFLOP an
    epoch), the input layer's delta included;
  - the needed products: the five the reference computes (nobody needs the input's delta).
Also the workshop's own MLPClassifier configuration, to show students what they beat.
PyTorch runs in its own process (sharing one slows NumPy), in alternation with the others.

    python benchmarks/training.py [--rounds 3] [--epochs 10] [--threads 1] [--no-workshop]
                                  [--no-torch]

scikit-learn and PyTorch are optional: a contender that is not installed is listed as such.

All contenders use the same number of BLAS threads (default 1, as the grader's sandboxed worker
does: at these small matrix shapes a second OpenBLAS thread costs more than it gives) and the
same allocator settings (autograder/student/memory.py, as the worker has them).
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import resource
import subprocess
import sys
import time
import types
import warnings
from pathlib import Path
from typing import NamedTuple


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

from autograder.student import memory  # noqa: E402


class Setup(NamedTuple):
    sizes: list[int]
    batch: int
    rate: float
    epochs: int


def reference_module() -> types.ModuleType:
    """The reference solution's definitions (its notebook demo cells are not run)."""
    from autograder import assignment
    from autograder.sandbox.loader import definitions_only

    module = types.ModuleType("reference_solution")
    tree = definitions_only(ast.parse(assignment.solution(assignment.read_source())))
    exec(compile(tree, "reference_solution.py", "exec"), module.__dict__)
    return module


def page_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def accuracy(params: dict, X: np.ndarray, labels: np.ndarray) -> float:
    from autograder.grader.arithmetic import output

    return float(np.mean(np.argmax(output(params, X), 1) == labels))


def run_reference(module: types.ModuleType, setup: Setup, data: tuple) -> dict:
    """Time the reference `train`; an epoch ends with its last minibatch's update."""
    X, Y, X_test, test_labels = data
    marks: list[tuple[float, dict]] = []
    per_epoch, calls = math.ceil(X.shape[0] / setup.batch), [0]
    original_update = module.update

    def update(params, grads, rate):
        new_params = original_update(params, grads, rate)
        calls[0] += 1
        if calls[0] % per_epoch == 0:
            marks.append((time.perf_counter(), new_params))
        return new_params

    module.update = update
    faults = page_faults()
    try:
        started = time.perf_counter()
        module.train(X, Y, setup.sizes, setup.epochs, setup.batch, setup.rate, seed=0)
    finally:
        module.update = original_update
    ends = [mark - started for mark, _ in marks]
    return {"epoch_seconds": np.diff([0.0, *ends]).tolist(),
            "faults_per_epoch": (page_faults() - faults) / setup.epochs,
            "accuracy": [accuracy(params, X_test, test_labels) for _, params in marks]}


def sklearn_model(setup: Setup, epochs: int, warm_start: bool):
    from sklearn.neural_network import MLPClassifier

    # tol=0 and n_iter_no_change > epochs: every epoch runs, as in the others' loops.
    return MLPClassifier(hidden_layer_sizes=tuple(setup.sizes[1:-1]), activation="logistic",
                         solver="sgd", batch_size=setup.batch, learning_rate_init=setup.rate,
                         momentum=0.0, nesterovs_momentum=False, alpha=0.0, max_iter=epochs,
                         tol=0.0, n_iter_no_change=epochs + 1, warm_start=warm_start,
                         shuffle=True, random_state=0)


def run_sklearn(setup: Setup, data: tuple, curve: bool) -> dict | None:
    """Seconds per epoch from one fit() of all the epochs (no per-call overhead counted); with
    `curve`, the test accuracy after every epoch from a second, warm-started run of one epoch
    per fit(), timed apart. None when scikit-learn is not installed."""
    try:
        from sklearn.exceptions import ConvergenceWarning
    except ImportError:
        return None

    X, Y, X_test, test_labels = data
    labels = np.argmax(Y, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = sklearn_model(setup, setup.epochs, warm_start=False)
        faults, started = page_faults(), time.perf_counter()
        model.fit(X, labels)
        seconds = time.perf_counter() - started
        result = {"epoch_seconds": [seconds / setup.epochs] * setup.epochs,
                  "faults_per_epoch": (page_faults() - faults) / setup.epochs,
                  "accuracy": [float(model.score(X_test, test_labels))]}
        if curve:
            model = sklearn_model(setup, 1, warm_start=True)
            accuracies = []
            for _ in range(setup.epochs):
                model.fit(X, labels)
                accuracies.append(float(model.score(X_test, test_labels)))
            result["accuracy"] = accuracies
    return result


def run_workshop(data: tuple) -> tuple[float, float]:
    """The workshop's own MLPClassifier, its other settings left at scikit-learn's defaults
    (batch 200, momentum 0.9, early stop when the loss stalls), on raw 0-255 pixels."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, Y, X_test, test_labels = data
    model = MLPClassifier(hidden_layer_sizes=(14, 14), activation="logistic", solver="sgd",
                          learning_rate_init=0.01, max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        started = time.perf_counter()
        model.fit(X * 255.0, np.argmax(Y, 1))
        seconds = time.perf_counter() - started
    return float(model.score(X_test * 255.0, test_labels)), seconds


def run_torch(setup: Setup) -> dict | None:
    script = Path(__file__).with_name("_torch_training.py")
    settings = json.dumps([setup.sizes, setup.epochs, setup.batch, setup.rate])
    done = subprocess.run([sys.executable, str(script), settings], capture_output=True,
                          text=True, timeout=1800, env={**os.environ, **memory.ENVIRONMENT})
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def blas_epoch_seconds(X: np.ndarray, setup: Setup) -> dict[str, float]:
    """The epoch's matrix products alone, at the training shapes, streaming through the training
    rows as training does (a shuffled copy, sliced): the five a network needs, and the same plus
    the input layer's delta (D1 @ W1.T), which completes a textbook backward pass."""
    rng = np.random.default_rng(0)
    rows = X[rng.permutation(X.shape[0])]
    n_in, n_hidden, n_out = setup.sizes
    W1, W2 = rng.random((n_in, n_hidden)), rng.random((n_hidden, n_out))
    A1, D1 = rng.random((setup.batch, n_hidden)), rng.random((setup.batch, n_hidden))
    D2 = rng.random((setup.batch, n_out))
    starts = range(0, X.shape[0] - setup.batch + 1, setup.batch)
    started = time.perf_counter()
    for start in starts:
        batch = rows[start:start + setup.batch]
        batch @ W1, A1 @ W2, A1.T @ D2, D2 @ W2.T, batch.T @ D1  # noqa: B018 - the timed work
    needed = time.perf_counter() - started
    started = time.perf_counter()
    for _ in starts:
        D1 @ W1.T  # noqa: B018
    return {"needed": needed, "textbook": needed + time.perf_counter() - started}


def flops_per_epoch(setup: Setup, m: int) -> float:
    """Forward + full backward: three products per layer, 2 * n_in * n_out flops per row each."""
    return m * sum(6 * n_in * n_out for n_in, n_out in zip(setup.sizes[:-1], setup.sizes[1:]))


def seconds_to(result: dict, target: float, epoch_seconds: float) -> str:
    """Epochs the run needed to reach the target, times the median seconds per epoch."""
    reached = [epoch for epoch, acc in enumerate(result["accuracy"], 1) if acc >= target]
    if not reached:
        epochs = len(result["accuracy"])
        return f"not reached in {epochs} epoch{'s' if epochs != 1 else ''}"
    return f"{reached[0] * epoch_seconds:.2f}"


def installed_version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10,
                        help="more than the reference trains for, so that 98%% can show")
    parser.add_argument("--threads", default=THREADS, help="BLAS threads for every contender")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--no-workshop", action="store_true")
    args = parser.parse_args()
    mnist_environment()
    memory.keep_freed_memory()
    from autograder.data import load_mnist

    module = reference_module()
    chosen = module.HYPERPARAMS
    setup = Setup(chosen["layer_sizes"], chosen["batch_size"], chosen["learning_rate"],
                  args.epochs)
    X, Y, _ = load_mnist("train")
    X_test, _, test_labels = load_mnist("test")
    data = (np.ascontiguousarray(X), Y, X_test, test_labels)
    runs: dict[str, list[dict]] = {"kit reference (NumPy)": [], "scikit-learn MLPClassifier": [],
                                   "PyTorch (CPU, own process)": []}
    blas: list[dict[str, float]] = []
    for round_number in range(args.rounds):
        print(f"round {round_number + 1}/{args.rounds}", file=sys.stderr)
        blas.append(blas_epoch_seconds(X, setup))
        runs["kit reference (NumPy)"].append(run_reference(module, setup, data))
        if sklearn_result := run_sklearn(setup, data, curve=round_number == 0):
            runs["scikit-learn MLPClassifier"].append(sklearn_result)
        if not args.no_torch and (torch_result := run_torch(setup)):
            runs["PyTorch (CPU, own process)"].append(torch_result)
    textbook = median([b["textbook"] for b in blas])
    needed = median([b["needed"] for b in blas])
    flops = flops_per_epoch(setup, X.shape[0])
    rows, per_epoch = [], {}
    for name, results in runs.items():
        if not results:
            rows.append([name, "not run (not installed, or left out)", "", "", "", "", "", ""])
            continue
        epoch = median([median(r["epoch_seconds"]) for r in results])
        per_epoch[name] = epoch
        rows.append([name, f"{epoch:.3f}", f"{textbook / epoch:.0%}", f"{needed / epoch:.0%}",
                     seconds_to(results[0], 0.97, epoch), seconds_to(results[0], 0.98, epoch),
                     f"{median([r['faults_per_epoch'] for r in results]):,.0f}",
                     f"{median([r['accuracy'][-1] for r in results]):.4f}"])
    reference_epoch = per_epoch["kit reference (NumPy)"]
    ratios = [[name, f"{seconds / reference_epoch:.2f}x"] for name, seconds in per_epoch.items()]
    sizes = "-".join(map(str, setup.sizes))
    torch_runs = runs["PyTorch (CPU, own process)"]
    versions = (f"scikit-learn {installed_version('scikit-learn')}, PyTorch "
                + (torch_runs[0]["version"] if torch_runs else "not run"))
    body = (f"The reference's HYPERPARAMS for every contender: {sizes} sigmoid network, plain "
            f"SGD, batch {setup.batch}, learning rate {setup.rate}; {setup.epochs} epochs, "
            f"float64, {THREADS} BLAS thread(s) and the kit's allocator settings; medians over "
            f"{args.rounds} alternating rounds; {versions}.\n\n"
            f"BLAS limit, measured in this run at the batch shape: forward + full backward (six "
            f"products, {flops / 1e9:.1f} GFLOP an epoch) take {textbook:.3f} s "
            f"({flops / textbook / 1e9:.0f} GFLOP/s); the five products a network needs (not "
            f"the input layer's delta) take {needed:.3f} s. scikit-learn's output layer is "
            "softmax (its multi-class loss), the rest matches; its seconds per epoch come from "
            "one fit() of all epochs. Seconds to a target accuracy: the epochs the first round "
            "needed times the median seconds per epoch (evaluation not timed).\n\n"
            + table(["trainer", "s / epoch", "of BLAS limit (forward + full backward)",
                     "of the needed products", "s to 97%", "s to 98%", "page faults / epoch",
                     "final test accuracy"], rows)
            + "\n\nSeconds per epoch relative to the kit's reference:\n\n"
            + table(["trainer", "time per epoch vs reference"], ratios))
    if not args.no_workshop and runs["scikit-learn MLPClassifier"]:
        score, seconds = run_workshop(data)
        body += ("\n\nThe workshop's baseline (MLPClassifier (14, 14), logistic, sgd, learning "
                 "rate 0.01, max_iter 100, raw pixels 0-255, scikit-learn's defaults otherwise: "
                 f"batch 200, momentum 0.9, early stop): test accuracy {score:.4f} in "
                 f"{seconds:.1f} s (the workshop reported 0.8725).")
    write_results("training", "Training speed", body)


if __name__ == "__main__":
    main()
