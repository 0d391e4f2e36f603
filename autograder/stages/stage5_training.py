"""Stage 5: parameter updates, prediction, and minibatch gradient descent (`train`)."""

from __future__ import annotations

import math

import numpy as np

from autograder import numerics
from autograder.expect import as_array, expect_close
from autograder.sandbox.client import SandboxedSubmission
from autograder.stage import CheckFailed, Stage
from autograder.stages.stage3_forward import parameters

STAGE = Stage(5, "gradient descent", "update, predict, and train with shuffled minibatches")


@STAGE.check("update returns params - learning_rate * grads", 3, ["update"])
def update_values(sub: SandboxedSubmission) -> None:
    params = numerics.random_network([4, 3, 2], 5)
    grads = numerics.random_network([4, 3, 2], 6)
    got = sub.call("update", params, grads, 0.3).value
    new = parameters(got, [4, 3, 2], "update's result")
    for key in params:
        expected = params[key] - 0.3 * grads[key]
        hint = ("You added the gradient: step AGAINST it (minus) to go downhill."
                if np.allclose(new[key], params[key] + 0.3 * grads[key]) else "")
        expect_close(new[key], expected, f"update's result['{key}'] with learning_rate=0.3",
                     hint=hint)


@STAGE.check("update changes neither params nor grads", 2, ["update"])
def update_is_pure(sub: SandboxedSubmission) -> None:
    params = numerics.random_network([4, 3, 2], 7)
    grads = numerics.random_network([4, 3, 2], 8)
    params_after, grads_after, _ = sub.call("update", params, grads, 0.1,
                                            return_args=True).args_after
    for label, before, after in (("params", params, params_after), ("grads", grads, grads_after)):
        for key in before:
            if not np.array_equal(as_array(after[key], f"{label}['{key}']"), before[key]):
                raise CheckFailed(
                    f"update changed its argument {label}['{key}'] in place. Return new arrays "
                    "(W - rate * dW) instead of W -= rate * dW: train and the grader may still "
                    "need the old values."
                )


@STAGE.check("predict returns one integer label per row", 3, ["predict"])
def predict_labels(sub: SandboxedSubmission) -> None:
    params = numerics.random_network([6, 5, 4], 9, scale=3.0)
    X = np.random.default_rng(9).normal(size=(8, 6))
    got = sub.call("predict", params, X).value
    expected = np.argmax(numerics.output(params, X), axis=1)
    labels = as_array(got, "predict's result")
    if labels.shape == (8, 4):
        raise CheckFailed("predict returned the output activations (shape (8, 4)); "
                          "return the index of the largest one per row: np.argmax(A, axis=1).")
    if labels.shape != (8,):
        axis_hint = (" That is one value per output, not per sample: use axis=1."
                     if labels.shape == (4,) else "")
        raise CheckFailed(f"predict returned shape {labels.shape}; expected (8,), one label "
                          f"per row of X.{axis_hint}")
    if not np.all(labels == np.round(labels)):
        raise CheckFailed("predict returned fractions; it should return whole class numbers "
                          "(np.argmax gives them).")
    if not np.array_equal(labels, expected):
        index = int(np.argmax(labels != expected))
        raise CheckFailed(f"predict's label for row {index} is {labels[index]:g}, expected "
                          f"{expected[index]} (the output neuron with the largest activation).")


def toy_problem(m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two separable blobs; column 0 is a unique row id so the grader can track minibatches."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, m)
    features = rng.normal(0.0, 0.6, (m, 2)) + np.where(labels[:, None] == 1, 1.0, -1.0)
    ids = (np.arange(m) + 1.0) / (10 * m)  # small, so it barely affects learning
    return np.column_stack([ids, features]), numerics.one_hot(labels, 2)


def training_events(sub: SandboxedSubmission, X: np.ndarray, Y: np.ndarray, epochs: int,
                    batch_size: int, rate: float):
    result = sub.call_spied("train", X, Y, [3, 4, 2], epochs, batch_size, rate, seed=3,
                            spied=["forward", "backward", "update"])
    value = result.value
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise CheckFailed("train should return (params, history).")
    return value, result.events


@STAGE.check("train walks shuffled minibatches, one update each, covering the data once "
             "per epoch", 8, ["train", "forward", "backward", "update", "init_params"])
def train_behaviour(sub: SandboxedSubmission) -> None:
    m, batch_size, epochs, rate = 23, 5, 3, 0.7
    X, Y = toy_problem(m, 1)
    (params, history), events = training_events(sub, X, Y, epochs, batch_size, rate)
    where = f"train(m={m} rows, epochs={epochs}, batch_size={batch_size}, learning_rate={rate})"
    updates = [i for i, event in enumerate(events) if event["function"] == "update"]
    per_epoch = math.ceil(m / batch_size)
    if len(updates) != epochs * per_epoch:
        hint = ""
        if len(updates) == epochs * (m // batch_size):
            hint = " The last, smaller minibatch was dropped: it must be used too."
        elif len(updates) == epochs:
            hint = " That is one per epoch: did you ignore batch_size and use all the data at once?"
        raise CheckFailed(f"{where} called update {len(updates)} times; expected "
                          f"{epochs * per_epoch} ({per_epoch} minibatches per epoch).{hint}")
    # The forward call right before each update is the one that built that minibatch's cache.
    batches = []
    for i in updates:
        forwards = [e for e in events[:i] if e["function"] == "forward"]
        if not forwards or not any(e["function"] == "backward" for e in events[:i]):
            raise CheckFailed(f"{where}: update was called before forward and backward.")
        batches.append(np.rint(np.asarray(forwards[-1]["row_ids"]) * 10 * m).astype(int) - 1)
    for i in updates:
        rate_used = events[i].get("learning_rate")
        if rate_used is None or not np.isclose(rate_used, rate):
            raise CheckFailed(f"{where} passed learning_rate={rate_used} to update; it must pass "
                              f"the learning_rate it was given ({rate}).")
    for epoch in range(epochs):
        seen = np.sort(np.concatenate(batches[epoch * per_epoch:(epoch + 1) * per_epoch]))
        if not np.array_equal(seen, np.arange(m)):
            repeated = len(seen) - len(np.unique(seen))
            raise CheckFailed(
                f"{where}: in epoch {epoch + 1} the minibatches did not cover every row exactly "
                f"once ({len(np.unique(seen))} of {m} rows seen, {repeated} repeats). "
                "Shuffle the row order once per epoch, then slice it into consecutive batches."
            )
    if all(np.array_equal(batches[0], batches[k * per_epoch]) for k in range(1, epochs)):
        raise CheckFailed(f"{where}: every epoch used the same first minibatch, so the data is "
                          "not reshuffled each epoch (use rng.permutation(m) inside the loop).")
    for previous, current in zip(updates, updates[1:]):
        carried = events[previous]["result_sum"]
        used = [e for e in events[previous:current] if e["function"] == "forward"][-1]["param_sum"]
        if not np.isclose(carried, used, rtol=1e-9, atol=1e-12):
            raise CheckFailed(f"{where}: the parameters returned by update were not used by the "
                              "next forward call. Keep them: params = update(params, grads, rate); "
                              "don't re-initialise inside the loop.")
    initial = parameters(sub.call("init_params", [3, 4, 2], seed=3).value, [3, 4, 2],
                         "init_params([3, 4, 2], seed=3)")
    first_sum = sum(float(np.sum(v)) for v in initial.values())
    if not np.isclose(events[0]["param_sum"], first_sum, rtol=1e-9):
        raise CheckFailed(f"{where}: the first forward call did not use init_params(layer_sizes, "
                          "seed); train must start from exactly those parameters.")
    history_array = as_array(history, f"the history from {where}", finite=True).ravel()
    if history_array.size != epochs:
        raise CheckFailed(f"{where} returned a history of {history_array.size} values; expected "
                          f"{epochs}, one training cost per epoch.")
    parameters(params, [3, 4, 2], f"the params returned by {where}")


@STAGE.check("train learns: the cost falls and a toy problem is solved", 4,
             ["train", "forward", "backward", "update", "init_params"])
def train_learns(sub: SandboxedSubmission) -> None:
    X, Y = toy_problem(200, 2)
    value = sub.call("train", X, Y, [3, 4, 2], 30, 10, 0.5, seed=0).value
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise CheckFailed("train should return (params, history).")
    params = parameters(value[0], [3, 4, 2], "the params returned by train")
    history = as_array(value[1], "the history returned by train").ravel()
    accuracy = float(np.mean(np.argmax(numerics.output(params, X), 1) == np.argmax(Y, 1)))
    if history.size < 2 or not history[-1] < history[0]:
        raise CheckFailed(f"train's cost did not fall over 30 epochs (first {history[0]:.4g}, "
                          f"last {history[-1]:.4g}). Check the sign of the update.")
    if accuracy < 0.9:
        raise CheckFailed(f"after 30 epochs train reached only {accuracy:.0%} training accuracy on "
                          "two well-separated clouds (expected at least 90%).")
