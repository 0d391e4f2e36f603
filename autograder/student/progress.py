"""Watch the student's `train` as it runs: a live progress bar and per-epoch test accuracy.

`train(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed=0)` has a fixed signature and
reports nothing until it returns. It does call the module-level `forward`, `backward` and
`update` once per minibatch, though, so - like the grader's spy - `train_with_progress` swaps
those names in `train`'s own globals for thin wrappers while it runs, and puts them back after:
- `update` is called once per minibatch: it moves the bar, and the params it returns at the end
  of an epoch are measured on the test set (with the student's own `forward`);
- `forward` then `backward(params, cache, Y)` give the minibatch's output and labels, hence its
  cost (the student's own `cross_entropy`, if defined), shown as a running average over the
  epoch.
The student's code and results are unchanged: the wrappers only look. This module ships to
students, so it holds no forward pass or cost of its own.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.student import memory

SPIED = ("forward", "backward", "update")


@dataclass
class TrainingRun:
    params: Any  # whatever train returned first: the trained network
    history: list[float]  # train's own record: training cost per epoch
    test_accuracy: list[float] = field(default_factory=list)  # one per epoch, if test data given
    batch_costs: list[float] = field(default_factory=list)  # cost of every minibatch, in order
    steps: int = 0  # update() calls seen
    seconds: float = 0.0


def accuracy(forward: Callable, params: dict[str, np.ndarray], X: np.ndarray,
             labels: np.ndarray) -> float:
    """Fraction of rows of X the network labels correctly (with the student's `forward`)."""
    return float(np.mean(np.argmax(np.asarray(forward(params, X)[0]), axis=1) == labels))


def batch_cost(cross_entropy: Callable | None, A: Any, Y: Any) -> float | None:
    """The student's cross-entropy of one minibatch, or None if there is none or A and Y don't
    fit together."""
    if cross_entropy is None:
        return None
    A, Y = np.asarray(A, dtype=float), np.asarray(Y, dtype=float)
    if A.shape != Y.shape or A.ndim != 2:
        return None
    return float(cross_entropy(np.clip(A, 1e-12, 1 - 1e-12), Y))


class _Watcher:
    """The wrappers and the bar for one run."""

    def __init__(self, run: TrainingRun, bar: Any, batches_per_epoch: int, epochs: int,
                 test: tuple[np.ndarray, np.ndarray] | None, namespace: dict) -> None:
        self.run, self.bar, self.test = run, bar, test
        # The student's own functions, as they were before the wrappers went in.
        self.own_forward = namespace["forward"]
        self.own_cost = namespace.get("cross_entropy") if callable(
            namespace.get("cross_entropy")) else None
        self.batches_per_epoch, self.epochs = batches_per_epoch, epochs
        self.last_output: Any = None
        self.epoch_costs: list[float] = []

    def forward(self, original: Callable) -> Callable:
        def watched(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            if isinstance(result, tuple) and result:
                self.last_output = result[0]
            return result

        return watched

    def backward(self, original: Callable) -> Callable:
        def watched(params: Any, cache: Any, Y: Any, *args: Any, **kwargs: Any) -> Any:
            cost = (batch_cost(self.own_cost, self.last_output, Y)
                    if self.last_output is not None else None)
            if cost is not None:
                self.run.batch_costs.append(cost)
                self.epoch_costs.append(cost)
            return original(params, cache, Y, *args, **kwargs)

        return watched

    def update(self, original: Callable) -> Callable:
        def watched(*args: Any, **kwargs: Any) -> Any:
            params = original(*args, **kwargs)
            self.run.steps += 1
            self.step_done(params)
            return params

        return watched

    def step_done(self, params: Any) -> None:
        epoch = min((self.run.steps - 1) // self.batches_per_epoch + 1, self.epochs)
        shown = {}
        if self.epoch_costs:
            shown["cost"] = f"{np.mean(self.epoch_costs):.4f}"
        if self.run.steps % self.batches_per_epoch == 0:  # the last minibatch of an epoch
            self.epoch_costs = []
            if self.test is not None and isinstance(params, dict):
                self.run.test_accuracy.append(accuracy(self.own_forward, params, *self.test))
        if self.run.test_accuracy:
            shown["test accuracy"] = f"{self.run.test_accuracy[-1]:.2%}"
        self.bar.set_description(f"epoch {epoch}/{self.epochs}", refresh=False)
        self.bar.set_postfix(shown, refresh=False)
        self.bar.update(1)


def format_bar(bar: Any) -> str:
    """The bar's last state as one line of text (tqdm's own format)."""
    return bar.format_meter(**bar.format_dict)


def default_bar() -> Callable[..., Any]:
    """tqdm's bar, imported when a bar opens: importing tqdm (and asyncio with it) took 60 ms
    of every grading, whose worker imports this module with the notebook and never trains
    with a bar."""
    from tqdm.auto import tqdm

    return tqdm


def open_bar(progress_bar: Callable[..., Any], **settings: Any) -> tuple[Any, Any]:
    """The progress bar, and in a Jupyter kernel the display that shows it.

    A Jupyter widget is live while the cell runs, but a saved notebook keeps only the text the
    widget had when it first appeared ("0%"). So in a kernel the bar is shown through a
    display of its own, which `train_with_progress` replaces at the end by the bar's last
    state as plain text: the saved notebook reads "epoch 4/4: 100%|...| 10000/10000 ...".
    """
    if progress_bar is not default_bar() or not in_jupyter_kernel():
        return progress_bar(**settings), None
    from IPython.display import display  # in a Jupyter kernel, IPython is there
    from tqdm.notebook import tqdm as notebook_bar

    try:
        bar = notebook_bar(display=False, **settings)
    except ImportError:  # no ipywidgets: tqdm falls back to text by itself
        return progress_bar(**settings), None
    return bar, display(bar.container, display_id=True)


def in_jupyter_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def train_with_progress(train: Callable, X: np.ndarray, Y: np.ndarray, layer_sizes: list[int],
                        epochs: int, batch_size: int, learning_rate: float, seed: int = 0, *,
                        X_test: np.ndarray | None = None, test_labels: np.ndarray | None = None,
                        progress_bar: Callable[..., Any] | None = None) -> TrainingRun:
    """Call your `train` as the grader does (the same arguments, and the grader's one BLAS
    thread), showing epoch, minibatch and running cost while it runs. With X_test and
    test_labels, the test accuracy after every epoch is measured too (for the learning
    curves)."""
    namespace = getattr(train, "__globals__", None)
    if namespace is None:
        raise TypeError(f"train should be your train function, got {type(train).__name__}.")
    missing = [name for name in SPIED if not callable(namespace.get(name))]
    if missing:
        raise NameError(f"{', '.join(missing)} not defined where train is: run the cells that "
                        "define forward, backward and update first.")
    if (X_test is None) != (test_labels is None):
        raise ValueError("give both X_test and test_labels, or neither.")
    memory.keep_freed_memory()  # as the grader's worker does: see autograder/student/memory.py
    with grader_threads():
        return _train_watched(train, X, Y, layer_sizes, epochs, batch_size, learning_rate, seed,
                              X_test, test_labels, progress_bar or default_bar(), namespace)


GRADER_THREADS_ENV = "NNKIT_THREADS"  # sandbox/isolation.py's THREADS_ENV: the worker's count


@contextlib.contextmanager
def grader_threads() -> Iterator[bool]:
    """BLAS with as many threads as the grader's worker has (one, unless NNKIT_THREADS says
    otherwise), so the notebook trains as fast as `nnkit check` reports. A Jupyter kernel has
    OpenBLAS's default of a thread per core, whose spinning made training 10 to 18 times slower
    on a busy 2-core machine. threadpoolctl (a kit dependency) changes it in the running
    kernel; without it, nothing changes (True: limited)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield False
        return
    try:
        threads = max(1, int(os.environ.get(GRADER_THREADS_ENV, "1")))
    except ValueError:
        threads = 1
    with threadpool_limits(limits=threads):
        yield True


def _train_watched(train: Callable, X: np.ndarray, Y: np.ndarray, layer_sizes: list[int],
                   epochs: int, batch_size: int, learning_rate: float, seed: int,
                   X_test: np.ndarray | None, test_labels: np.ndarray | None,
                   progress_bar: Callable[..., Any], namespace: dict) -> TrainingRun:
    batches_per_epoch = math.ceil(len(X) / batch_size)
    run = TrainingRun(params=None, history=[])
    bar, shown = open_bar(progress_bar, total=epochs * batches_per_epoch, unit="batch",
                          desc=f"epoch 1/{epochs}")
    test = None if X_test is None else (np.asarray(X_test), np.asarray(test_labels))
    watcher = _Watcher(run, bar, batches_per_epoch, epochs, test, namespace)
    originals = {name: namespace[name] for name in SPIED}
    started = time.perf_counter()
    try:
        for name, original in originals.items():
            namespace[name] = getattr(watcher, name)(original)
        result = train(X, Y, layer_sizes, epochs, batch_size, learning_rate, seed=seed)
    finally:
        for name, original in originals.items():
            namespace[name] = original
        bar.close()
        if shown is not None:  # the live widget makes way for its last state, as text
            from IPython.display import Pretty

            shown.update(Pretty(format_bar(bar)))
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise TypeError(f"train should return (params, history), but it returned "
                        f"{type(result).__name__}.")
    run.params, run.history = result[0], [float(cost) for cost in result[1]]
    run.seconds = time.perf_counter() - started
    if run.steps != epochs * batches_per_epoch:
        warnings.warn(f"train called update() {run.steps} times, but {epochs} epochs of "
                      f"{batches_per_epoch} minibatches need {epochs * batches_per_epoch}: the "
                      "progress bar could not follow it (call update once per minibatch).",
                      stacklevel=2)
    return run
