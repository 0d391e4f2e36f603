"""Stage 5: parameter updates, prediction, and minibatch gradient descent (`train`)."""

from __future__ import annotations

import numpy as np

from autograder.checks import expected, grader_seam, inputs
from autograder.checks.compare import as_array, as_sequence, expect_close
from autograder.checks.context import Grading
from autograder.checks.stage import CheckFailed, Stage
from autograder.checks.stages.stage3_forward import parameters
from autograder.checks.stages.train_inputs import check_inputs_kept, check_seeded
from autograder.checks.stages.training_rules import TrainingRun, check_rules

STAGE = Stage(5, "gradient descent", "update, predict, and train with shuffled minibatches")


@STAGE.check("update returns params - learning_rate * grads", 3, ["update"])
def update_values(ctx: Grading) -> None:
    params = inputs.random_network([4, 3, 2], inputs.seed("stage5.update_values/params", 5))
    grads = inputs.random_network([4, 3, 2], inputs.seed("stage5.update_values/grads", 6))
    got = ctx.call("update", params, grads, 0.3).value
    new = parameters(got, [4, 3, 2], "update's result")
    want = expected.of("update", params=params, grads=grads, rate=0.3)
    for key in params:
        hint = ""
        if np.allclose(new[key], want["added"][key]):
            hint = "You added the gradient: step AGAINST it (minus) to go downhill."
        elif np.allclose(new[key], want["whole_gradient"][key]):
            hint = ("You subtracted the whole gradient: the learning_rate is not used; the step "
                    "is learning_rate * gradient.")
        expect_close(got[key], want["updated"][key],
                     f"update's result['{key}'] with learning_rate=0.3", hint=hint)


@STAGE.check("update changes neither params nor grads (reported by the worker)", 1, ["update"])
def update_is_pure(ctx: Grading) -> None:
    # Only the worker sees its arguments after the call: worth little, and only for an update
    # that returns a network of the right shapes.
    params = inputs.random_network([4, 3, 2], inputs.seed("stage5.update_is_pure/params", 7))
    grads = inputs.random_network([4, 3, 2], inputs.seed("stage5.update_is_pure/grads", 8))
    call = ctx.call("update", params, grads, 0.1, return_args=True)
    parameters(call.value, [4, 3, 2], "update's result")
    params_after, grads_after, _ = call.args_after
    for label, before, after in (("params", params, params_after), ("grads", grads, grads_after)):
        for key in before:
            if not np.array_equal(as_array(after[key], f"{label}['{key}']"), before[key]):
                raise CheckFailed(
                    f"update changed its argument {label}['{key}'] in place. Return new arrays "
                    "(W - rate * dW) instead of W -= rate * dW: train and the grader may still "
                    "need the old values."
                )


@STAGE.check("predict returns one integer label per row", 3, ["predict"])
def predict_labels(ctx: Grading) -> None:
    seed = inputs.seed("stage5.predict_labels", 9)
    params = inputs.random_network([6, 5, 4], seed, scale=3.0)
    X = np.random.default_rng(seed).normal(size=(8, 6))
    got = ctx.call("predict", params, X).value
    expected_labels = expected.of("predict", params=params, X=X)["labels"]
    labels = as_array(got, "predict's result")
    if labels.shape == (8, 4):
        raise CheckFailed("predict returned the output activations (shape (8, 4)); "
                          "return the index of the largest one per row: np.argmax(A, axis=1).")
    if labels.shape != (8,):
        axis_hint = {(4,): " That is one value per output, not per sample: use axis=1.",
                     (): " That is a single number: np.argmax without axis gives one index into "
                         "the whole flattened array; np.argmax(A, axis=1) gives one per row."
                     }.get(labels.shape, "")
        raise CheckFailed(f"predict returned shape {labels.shape}; expected (8,), one label "
                          f"per row of X.{axis_hint}")
    if not np.all(labels == np.round(labels)):
        raise CheckFailed("predict returned fractions; it should return whole class numbers "
                          "(np.argmax gives them).")
    if not np.array_equal(labels, expected_labels):
        index = int(np.argmax(labels != expected_labels))
        raise CheckFailed(f"predict's label for row {index} is {labels[index]:g}, expected "
                          f"{expected_labels[index]} (the output neuron with the largest "
                          "activation).")


def toy_problem(m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two separable blobs; column 0 is a unique row id so the grader can track minibatches."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, m)
    features = rng.normal(0.0, 0.6, (m, 2)) + np.where(labels[:, None] == 1, 1.0, -1.0)
    ids = (np.arange(m) + 1.0) / (10 * m)  # small, so it barely affects learning
    return np.column_stack([ids, features]), inputs.one_hot(labels, 2)


def init_seed() -> int:
    """The seed train_behaviour passes to train (and then to init_params, to compare)."""
    return inputs.seed("stage5.train_behaviour/init", 3)


def training_events(ctx: Grading, X: np.ndarray, Y: np.ndarray, epochs: int,
                    batch_size: int, rate: float):
    result = ctx.call_spied("train", X, Y, [3, 4, 2], epochs, batch_size, rate, seed=init_seed(),
                            spied=["forward", "backward", "update", "init_params"])
    return as_sequence(result.value, 2, "train should return (params, history)"), result.events


@STAGE.check("train walks shuffled minibatches, one update each, covering the data once "
             "per epoch", 9, ["train", "forward", "backward", "update", "init_params"])
def train_behaviour(ctx: Grading) -> None:
    m, batch_size, epochs, rate = 23, 5, 3, 0.7
    X, Y = toy_problem(m, inputs.seed("stage5.train_behaviour", 1))
    check_seeded(ctx, X, Y, ([3, 4, 2], epochs, batch_size, rate))
    (params, history), events = training_events(ctx, X, Y, epochs, batch_size, rate)

    def initial_sum() -> float:
        initial = parameters(ctx.call("init_params", [3, 4, 2], seed=init_seed()).value,
                             [3, 4, 2], f"init_params([3, 4, 2], seed={init_seed()})")
        return sum(float(np.sum(value)) for value in initial.values())

    run = TrainingRun(m, epochs, batch_size, rate, events, history, initial_sum)
    check_rules(run)
    returned = parameters(params, [3, 4, 2], f"the params returned by {run.where}")
    return replayed_by_grader(ctx, run, X, Y, returned)


def replayed_by_grader(ctx: Grading, run: TrainingRun, X: np.ndarray,
                       Y: np.ndarray, returned: dict) -> str | None:
    """The calls train reported are the worker's word; the parameters it returned are not. Redo
    the reported minibatches from init_params with the grader's arithmetic: the result must be
    what train returned, or the report (or the training) was not what it claims. A student
    release has no grader arithmetic to redo them with: there the check says so."""
    unverified = expected.unverified_here("the replay of train's minibatches")
    if unverified:
        return unverified
    initial = parameters(ctx.call("init_params", [3, 4, 2], seed=init_seed()).value,
                         [3, 4, 2], f"init_params([3, 4, 2], seed={init_seed()})")
    batches = [run.batch_rows(i) for i in run.called("update")]
    replayed = grader_seam.arithmetic().replay_training(initial, X, Y, batches, run.rate)
    for key in replayed:
        # float32 arithmetic is a correct choice: 15 updates of it drift ~1e-5 from float64's.
        if not np.allclose(returned[key], replayed[key], rtol=1e-4, atol=1e-6):
            index = tuple(int(i) for i in np.unravel_index(
                np.argmax(np.abs(returned[key] - replayed[key])), replayed[key].shape))
            raise CheckFailed(
                f"{run.where} returned params['{key}'] = {returned[key][index]:.6g} at index "
                f"{index}, but redoing its {len(batches)} updates (the same minibatches, from "
                f"init_params([3, 4, 2], seed={init_seed()}), with learning_rate={run.rate}) "
                f"gives {replayed[key][index]:.6g}. Return the parameters after the last update, "
                "computed by your own forward, backward and update on each minibatch.")


@STAGE.check("train leaves the caller's X and Y unchanged (reported by the worker; no points)",
             0, ["train"])
def train_keeps_inputs(ctx: Grading) -> None:
    X, Y = toy_problem(23, inputs.seed("stage5.train_behaviour", 1))
    check_inputs_kept(ctx, X, Y, ([3, 4, 2], 3, 5, 0.7))


@STAGE.check("train learns: the cost falls and a toy problem is solved", 4,
             ["train", "forward", "backward", "update", "init_params"])
def train_learns(ctx: Grading) -> None:
    X, Y = toy_problem(200, inputs.seed("stage5.train_learns", 2))
    value = as_sequence(ctx.call("train", X, Y, [3, 4, 2], 30, 10, 0.5,
                                 seed=inputs.seed("stage5.train_learns/init", 0)).value, 2,
                        "train should return (params, history)")
    params = parameters(value[0], [3, 4, 2], "the params returned by train")
    history = as_array(value[1], "the history returned by train").ravel()
    outputs = expected.network_output(ctx, params, X, "the accuracy of the trained network")
    accuracy = float(np.mean(np.argmax(outputs, 1) == np.argmax(Y, 1)))
    if history.size < 2 or not history[-1] < history[0]:
        raise CheckFailed(f"train's cost did not fall over 30 epochs (first {history[0]:.4g}, "
                          f"last {history[-1]:.4g}). Check the sign of the update.")
    if accuracy < 0.9:
        raise CheckFailed(f"after 30 epochs train reached only {accuracy:.0%} training accuracy on "
                          "two well-separated clouds (expected at least 90%)."
                          + ("" if expected.is_live() else f" (Accuracy {expected.OWN_FORWARD}.)"))
    return None if expected.is_live() else (f"training accuracy {accuracy:.0%}, "
                                            f"{expected.OWN_FORWARD}")
