"""The rules of minibatch gradient descent, checked on the calls a student's `train` made.

The worker records every call `train` makes to the student's own `forward`, `backward`, `update`
and `init_params` (sandbox/worker_side/worker.py, `call_spied`). Each rule below reads that record
and, when it is broken, raises CheckFailed naming the rule in plain words. They run in order:
the first broken rule is the one reported.

Train is judged by what it does, not by how it groups its calls: the minibatch behind an update
is every row that went through a forward call whose result reached backward since the previous
update. One forward/backward of the whole minibatch, one per sample, or any split in between,
all make the same minibatch; a forward that no backward used (the cost of the epoch, say) is
not part of any minibatch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.checks.compare import as_array
from autograder.checks.stage import CheckFailed


@dataclass
class TrainingRun:
    """One spied call of train(X, Y, ..., epochs, batch_size, rate) and what it returned."""

    m: int
    epochs: int
    batch_size: int
    rate: float
    events: list[dict]
    history: Any
    initial_sum: Callable[[], float]  # the parameter sum of init_params(layer_sizes, seed)

    @property
    def where(self) -> str:
        return (f"train(m={self.m} rows, epochs={self.epochs}, batch_size={self.batch_size}, "
                f"learning_rate={self.rate})")

    @property
    def per_epoch(self) -> int:
        return math.ceil(self.m / self.batch_size)

    def called(self, function: str) -> list[int]:
        return [i for i, event in enumerate(self.events) if event["function"] == function]

    def batch_rows(self, update: int) -> np.ndarray:
        """The rows of the minibatch behind the update at event `update`: those of the forward
        calls that backward calls used since the previous update (the grader tags each row with
        its id in column 0)."""
        forwards = [self.events[i] for i in gradient_forwards(self.events, update)]
        ids = np.concatenate([np.asarray(e["row_ids"], dtype=float) for e in forwards] or [[]])
        return np.rint(ids * 10 * self.m).astype(int) - 1

    def epoch_batches(self) -> list[list[np.ndarray]]:
        rows = [self.batch_rows(i) for i in self.called("update")]
        return [rows[k * self.per_epoch:(k + 1) * self.per_epoch] for k in range(self.epochs)]


def gradient_forwards(events: list[dict], update: int) -> list[int]:
    """Indices of the forward calls whose results the backward calls before event `update` (and
    after the update before it) used. Each backward is paired with the latest unpaired forward
    of as many rows as its Y (or the latest unpaired one when it says nothing of its rows); a
    backward with no forward before it is paired with the forward it calls itself."""
    start = max((i for i in range(update) if events[i]["function"] == "update"), default=-1)
    pending: list[int] = []
    used: list[int] = []
    waiting = False  # a backward came first: it runs forward itself (its cache was X)
    for i in range(start + 1, update):
        event = events[i]
        if event["function"] == "forward" and waiting:
            used.append(i)
            waiting = False
        elif event["function"] == "forward":
            pending.append(i)
        elif event["function"] == "backward" and pending:
            rows = event.get("rows")
            match = next((j for j in reversed(pending) if events[j].get("rows") == rows),
                         pending[-1])
            pending.remove(match)
            used.append(match)
        elif event["function"] == "backward":
            waiting = True
    return sorted(used)


WHY_WATCHED = ("The grader learns how train walks through the data by watching the calls it "
               "makes to your module-level forward, backward and update functions, so train must "
               "use them: for each minibatch, forward, then backward, then params = "
               "update(params, grads, learning_rate).")


def calls_the_watched_functions(run: TrainingRun) -> None:
    missing = [name for name in ("forward", "backward", "update") if not run.called(name)]
    if missing:
        raise CheckFailed(f"{run.where} never called {' or '.join(missing)}. {WHY_WATCHED}")


def one_update_per_minibatch(run: TrainingRun) -> None:
    expected, updates = run.epochs * run.per_epoch, len(run.called("update"))
    if updates == expected:
        return
    hint = ""
    if updates == run.epochs * (run.m // run.batch_size):
        hint = " The last, smaller minibatch was dropped: it must be used too."
    elif updates == run.epochs:
        hint = " That is one per epoch: did you ignore batch_size and use all the data at once?"
    elif updates == (run.epochs - 1) * run.per_epoch:
        hint = " That is one epoch too few: `for _ in range(epochs)` runs exactly epochs times."
    raise CheckFailed(f"{run.where} called update {updates} times; expected {expected} "
                      f"({run.per_epoch} minibatches per epoch).{hint}")


def update_after_forward_and_backward(run: TrainingRun) -> None:
    for number, i in enumerate(run.called("update"), start=1):
        if not gradient_forwards(run.events, i):
            raise CheckFailed(f"{run.where}: update call {number} came without a forward and a "
                              f"backward call before it (since the previous update). "
                              f"{WHY_WATCHED}")


def learning_rate_passed_on(run: TrainingRun) -> None:
    for i in run.called("update"):
        used = run.events[i].get("learning_rate")
        if used is None or not np.isclose(used, run.rate):
            raise CheckFailed(f"{run.where} passed learning_rate={used} to update; it must pass "
                              f"the learning_rate it was given ({run.rate}).")


def every_row_once_per_epoch(run: TrainingRun) -> None:
    for epoch, batches in enumerate(run.epoch_batches(), start=1):
        seen = np.sort(np.concatenate(batches))
        if np.array_equal(seen, np.arange(run.m)):
            continue
        hint = "Shuffle the row order once per epoch, then slice it into consecutive batches."
        if len(batches) > 2 and all(np.array_equal(batches[0], b) for b in batches[1:-1]):
            hint = (f"Every minibatch of epoch {epoch} held the same rows: slice "
                    "order[start:start + batch_size] with start moving by batch_size.")
        raise CheckFailed(f"{run.where}: in epoch {epoch} the minibatches did not cover every row "
                          f"exactly once ({len(np.unique(seen))} of {run.m} rows seen, "
                          f"{len(seen) - len(np.unique(seen))} repeats). {hint}")


def shuffled(run: TrainingRun) -> None:
    if np.array_equal(np.concatenate(run.epoch_batches()[0]), np.arange(run.m)):
        raise CheckFailed(f"{run.where}: the minibatches took the rows in their original order, "
                          "so the data is never shuffled. Walk through rng.permutation(m) "
                          "instead (a new permutation each epoch).")


def reshuffled_each_epoch(run: TrainingRun) -> None:
    firsts = [batches[0] for batches in run.epoch_batches()]
    if all(np.array_equal(firsts[0], first) for first in firsts[1:]):
        raise CheckFailed(f"{run.where}: every epoch used the same first minibatch, so the data "
                          "is not reshuffled each epoch (use rng.permutation(m) inside the loop).")


def initialised_once(run: TrainingRun) -> None:
    calls = len(run.called("init_params"))
    if calls > 1:
        raise CheckFailed(f"{run.where} called init_params {calls} times; expected once, before "
                          "the epochs loop. Calling it again re-initialised the network and threw "
                          "away what it had learned.")


def parameters_carried_over(run: TrainingRun) -> None:
    updates = run.called("update")
    for previous, current in zip(updates, updates[1:]):
        returned = run.events[previous]["result_sum"]
        forwards = [run.events[i] for i in gradient_forwards(run.events, current)]
        if not all(np.isclose(returned, forward["param_sum"], rtol=1e-9, atol=1e-12)
                   for forward in forwards):
            raise CheckFailed(f"{run.where}: the parameters returned by update were not used by "
                              "the next forward call. Keep them: params = update(params, grads, "
                              "rate); don't re-initialise inside the loop.")


def starts_from_init_params(run: TrainingRun) -> None:
    first = run.events[run.called("forward")[0]]
    if not np.isclose(first["param_sum"], run.initial_sum(), rtol=1e-9):
        raise CheckFailed(f"{run.where}: the first forward call did not use "
                          "init_params(layer_sizes, seed); train must start from exactly those "
                          "parameters.")


def one_cost_per_epoch(run: TrainingRun) -> None:
    size = as_array(run.history, f"the history from {run.where}", finite=True).size
    if size == run.epochs:
        return
    hint = ""
    if size == run.epochs * run.per_epoch:
        hint = " That is one per minibatch: append the cost once, after each epoch."
    elif size == run.epochs + 1:
        hint = " It includes the cost before training: record the cost only after each epoch."
    raise CheckFailed(f"{run.where} returned a history of {size} values; expected "
                      f"{run.epochs}, one training cost per epoch.{hint}")


RULES = [calls_the_watched_functions, one_update_per_minibatch,
         update_after_forward_and_backward, learning_rate_passed_on,
         every_row_once_per_epoch, shuffled, reshuffled_each_epoch, initialised_once,
         parameters_carried_over, starts_from_init_params, one_cost_per_epoch]


def check_rules(run: TrainingRun) -> None:
    for rule in RULES:
        rule(run)
