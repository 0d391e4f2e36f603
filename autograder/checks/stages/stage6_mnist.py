"""Stage 6: the student's own network trained on MNIST, tested by the grader on unseen digits.

The worker receives only the 60,000 training images. The grader keeps the 10,000 test images
and computes the accuracy itself with its own forward pass on the returned parameters.

Training must be real: the training set is shown to the worker with its 784 pixels and its 10
labels shuffled by a permutation nobody knows in advance (hidden_order.py: from a secret the
grader holds), and the grader applies the same permutation to the test set. A fully connected
network learns the permuted problem as well as the original one, but weights computed in
advance (fitted offline, pasted in as a constant) no longer fit the data and score at chance.

A permutation of public data can be recovered from its statistics, so the points do not rest on
it: train runs watched, from initial parameters the grader drew, and the grader redoes its
updates (training_proof.py), each segment while train goes on where a core is spare
(replay_ahead.py). "train finishes" and the accuracy count only for parameters that replay
produced; the clock runs from the handover of the data.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from autograder.checks import expected
from autograder.checks.compare import as_sequence, quote, type_name
from autograder.checks.context import Grading
from autograder.checks.explain import DEFINITIONS_RULE
from autograder.checks.stage import CheckFailed, Stage
from autograder.checks.stages import training_proof
from autograder.checks.stages.hidden_order import hidden_permutation
from autograder.checks.stages.official_margin import official_note
from autograder.checks.stages.replay_ahead import ReplayAhead, spare_core
from autograder.checks.stages.stage3_forward import parameters
from autograder.checks.stages.training_proof import initial_parameters
from autograder.data import mnist_arrays
from autograder.sandbox.loader import skipped_statements
from autograder.sandbox.worker_side.watch import TOO_LARGE

STAGE = Stage(6, "MNIST", "train on 60,000 handwritten digits, tested on 10,000 unseen ones")
REQUIRED = ("layer_sizes", "epochs", "batch_size", "learning_rate")


def not_defined_at_grading(ctx: Grading) -> None:
    """HYPERPARAMS whose definition raised NameError while grading ran the definitions: the
    usual cause is a value from a variable that grading does not run."""
    if ctx.defines("HYPERPARAMS") or ctx.pipe.load_failure is not None:
        return
    skipped = [statement for statement in skipped_statements(ctx.pipe.source)
               if statement.text.startswith("HYPERPARAMS")]
    if skipped:
        raise CheckFailed(
            f"HYPERPARAMS was not defined when grading: its statement ({skipped[0]}) was not run. "
            f"The rule: {DEFINITIONS_RULE}. Write the values into HYPERPARAMS itself "
            "(\"learning_rate\": 0.5), not from the result of an experiment.")
    errors = [error for error in ctx.pipe.load_errors if error.get("type") == "NameError"]
    if errors:
        where = f" (at {errors[0]['where']})" if errors[0].get("where") else ""
        raise CheckFailed(
            f"HYPERPARAMS was not defined when grading: running its definition raised NameError: "
            f"{errors[0].get('message', '')}{where}. The rule: {DEFINITIONS_RULE}. Write the "
            "values into HYPERPARAMS itself (\"learning_rate\": 0.5), or give the variable it "
            "uses an UPPER_CASE name defined from plain values.")


def hyperparameters(ctx: Grading) -> dict[str, Any]:
    not_defined_at_grading(ctx)
    value = ctx.get("HYPERPARAMS")
    if not isinstance(value, dict):
        raise CheckFailed(f"HYPERPARAMS should be a dict, but it is {type_name(value)}.")
    missing = [key for key in REQUIRED if key not in value]
    if missing:
        raise CheckFailed(f"HYPERPARAMS is missing {', '.join(missing)}; it needs "
                          f"{', '.join(REQUIRED)}.")
    sizes = value["layer_sizes"]
    if (not isinstance(sizes, list | tuple) or len(sizes) < 2
            or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in sizes)):
        raise CheckFailed(f"HYPERPARAMS['layer_sizes'] should be a list of positive whole numbers, "
                          f"got {quote(sizes)}.")
    if sizes[0] != 784 or sizes[-1] != 10:
        which = (" The first entry is the input layer: 784 pixel values." if sizes[0] != 784
                 else " The last entry is the output layer: 10 digits.")
        raise CheckFailed(f"HYPERPARAMS['layer_sizes'] = {quote(list(sizes))} must start with 784 "
                          "(28 x 28 pixels) and end with 10 (one output per digit)." + which)
    for key in ("epochs", "batch_size"):
        if not isinstance(value[key], int) or isinstance(value[key], bool) or value[key] < 1:
            raise CheckFailed(f"HYPERPARAMS['{key}'] should be a positive whole number, "
                              f"got {quote(value[key])}." + text_hint(value[key]))
    rate = value["learning_rate"]
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate < 1e3:
        raise CheckFailed(f"HYPERPARAMS['learning_rate'] should be a positive number, "
                          f"got {quote(rate)}." + text_hint(rate))
    return {"layer_sizes": list(sizes), "epochs": value["epochs"],
            "batch_size": value["batch_size"], "learning_rate": float(rate)}


def text_hint(value: Any) -> str:
    return (f" That is text (in quotes): write {value}, without the quotes."
            if isinstance(value, str) else "")
def reply_size(settings: dict[str, Any], m: int) -> int:
    """Bytes train's reply may take: its parameters as float64, twice over, the history, and
    the watch's record (about 3 events and a row number per row and epoch, per-sample calls
    included, and at most 256 checkpoints of the parameters)."""
    sizes = settings["layer_sizes"]
    count = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    return (16 * count + 64 * settings["epochs"] + 40 * m * settings["epochs"]
            + min(8 * count * 256, 256 << 20) + (4 << 20))


def trained_network(ctx: Grading) -> dict[str, Any]:
    """Train once per grading, watched, and verify the training; both checks below read the
    same result."""
    if "mnist" in ctx.memo:
        return ctx.memo["mnist"]
    settings = hyperparameters(ctx)
    images, labels = mnist_arrays("train")
    text = "\n".join(block.source for block in ctx.pipe.source.blocks)
    pixels, classes = hidden_permutation(ctx.options.seed, text)
    # (take, not images[:, pixels]: that gives a column-major array, and every row the worker
    # and the replay gather from it would be strided; twice as slow)
    shown, shown_classes = images.take(pixels, axis=1), classes[labels]
    initial = initial_parameters(ctx.options.seed, text, settings["layer_sizes"])
    budget = ctx.options.mnist_time_budget
    ahead = (ReplayAhead(initial, shown, shown_classes, settings["layer_sizes"],
                         settings["learning_rate"], budget)
             if expected.is_live() and spare_core(ctx.options.gradings_at_once)
             else None)
    # The clock starts when the data is handed over: whatever the submission does from then on
    # (during the handover included) is training time, and none of it can start the training
    # before the call, which alone brings the initial parameters.
    started = time.perf_counter()
    try:
        X_train, Y_train = ctx.store_mnist(shown, shown_classes)
        call = ctx.call_watched(
            "train", X_train, Y_train, settings["layer_sizes"], settings["epochs"],
            settings["batch_size"], settings["learning_rate"], seed=ctx.options.seed,
            initial=initial, max_rows=settings["batch_size"],
            every=training_proof.checkpoint_every(settings, shown.shape[0]),
            timeout=max(budget - (time.perf_counter() - started), 0.001),
            reply_limit=reply_size(settings, shown.shape[0]),
            on_segment=ahead.on_segment if ahead else None)
    except BaseException:
        if ahead:
            ahead.abandon()
        raise
    finally:
        ctx.memo["train_seconds"] = time.perf_counter() - started
    if ahead:
        ahead.finish()
    value = as_sequence(call.value, 2, "train should return (params, history)")
    params = parameters(value[0], settings["layer_sizes"], "the params train returned on MNIST")
    test_images, test_labels = mnist_arrays("test")
    outputs = expected.images_output(ctx, params, test_images.take(pixels, axis=1),
                                     "the test accuracy on MNIST")
    predictions = np.argmax(outputs, axis=1)
    result = {"settings": settings, "params": params,
              "accuracy": float(np.mean(predictions == classes[test_labels])),
              "train_seconds": ctx.memo["train_seconds"], "verified": False,
              "replay_seconds": None, "substituted": [name for name in ctx.pipe.proxied]}
    where = (f"train on MNIST (layer_sizes={settings['layer_sizes']}, epochs="
             f"{settings['epochs']}, batch_size={settings['batch_size']}, learning_rate="
             f"{settings['learning_rate']})")
    result["unverified"] = expected.unverified_here("the replay of your training on MNIST")
    if result["unverified"] is None:
        result["problem"] = proof_problem(ctx, result, call, value[0], initial, shown,
                                          shown_classes, where, ahead)
        result["verified"] = result["problem"] is None
    ctx.memo["mnist"] = result
    return result


def proof_problem(ctx: Grading, result: dict, call: Any, returned: Any,
                  initial: dict, pixels: np.ndarray, classes: np.ndarray,
                  where: str, ahead: ReplayAhead | None = None) -> str | None:
    """Why the parameters train returned are not proven to be its training's (None: they are;
    see training_proof.py)."""
    settings = result["settings"]
    try:
        trace = call.events[0]
        problems = [str(problem)[:300] for problem in trace["problems"][:3]]
        batches = training_proof.minibatches(trace)
        malformed = (batches.rows.ndim != 1 or np.any(batches.rows < TOO_LARGE)
                     or np.any(batches.rows >= pixels.shape[0]))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        problems, malformed = [], True
    if malformed:
        return (f"The record of the calls {where} made was unreadable, so its training could not "
                "be verified.")
    if problems:
        return (f"{where}: the grader could not give init_params' result its initial parameters "
                f"({'; '.join(problems)}). {training_proof.OWN_FUNCTIONS}")
    walk = training_proof.walk_problem(batches, pixels.shape[0], settings, where)
    if walk:
        return walk
    every = training_proof.checkpoint_every(settings, pixels.shape[0])
    try:
        checkpoints = [parameters(point, settings["layer_sizes"], "a checkpoint")
                       for point in trace["checkpoints"][:256]]
    except (CheckFailed, TypeError, KeyError):
        return (f"{where}: update returned something other than the parameters (a dict of "
                f"arrays of the shapes layer_sizes gives), so its training could not be "
                f"verified. {training_proof.OWN_FUNCTIONS}")
    float64 = any(not (isinstance(value, np.ndarray) and value.dtype == np.float32)
                  for value in returned.values())
    problem, seconds = training_proof.replay_problem(
        result["params"], initial, checkpoints, every, batches, pixels, classes,
        settings["learning_rate"], float64, ctx.options.mnist_time_budget, where, ahead)
    # (the replay's own time, what it did while train ran included)
    result["replay_seconds"] = seconds + (ahead.seconds if ahead else 0.0)
    return problem


@STAGE.check("HYPERPARAMS describes a 784-...-10 network and its training", 2, ["HYPERPARAMS"])
def hyperparameters_valid(ctx: Grading) -> None:
    hyperparameters(ctx)


@STAGE.check("train finishes on MNIST within the time budget and returns valid parameters", 3,
             ["HYPERPARAMS", "train", "init_params", "forward", "backward", "update"])
def mnist_training_finishes(ctx: Grading) -> str:
    result = proven_training(ctx)
    return f"trained in {result['train_seconds']:.1f} s" + verified_note(result)


def proven_training(ctx: Grading) -> dict[str, Any]:
    """The training's result, once the grader has verified that train's own updates computed
    it (in a student release, which cannot verify it, as it is)."""
    result = trained_network(ctx)
    if result.get("problem"):
        raise CheckFailed(result["problem"])
    return result


def verified_note(result: dict[str, Any]) -> str:
    if result["unverified"]:
        return f" ({result['unverified']})"
    return (f" (verified: the grader redid the training in {result['replay_seconds']:.1f} s "
            "and got the parameters train returned)")


@STAGE.check("test accuracy reaches the threshold", 15,
             ["HYPERPARAMS", "train", "init_params", "forward", "backward", "update"])
def mnist_accuracy(ctx: Grading) -> str:
    result = trained_network(ctx)
    if result.get("problem"):
        raise CheckFailed(f"{result['problem']} (The parameters train returned score "
                          f"{result['accuracy']:.2%} on the test set; that does not count "
                          "without a training that produced them.)")
    threshold = ctx.options.mnist_threshold
    if result["accuracy"] < threshold:
        s = result["settings"]
        raise CheckFailed(
            f"Test accuracy {result['accuracy']:.2%} is below the {threshold:.0%} needed "
            f"(layer_sizes={quote(s['layer_sizes'])}, epochs={s['epochs']}, batch_size="
            f"{s['batch_size']}, learning_rate={s['learning_rate']}). Try more epochs, a larger "
            "learning rate (0.1 to 1 works for sigmoid networks with this cost) or a hidden "
            "layer of about 100 neurons. The workshop's scikit-learn baseline scored 87.25%."
            + ("" if expected.is_live() else f" (Test accuracy {expected.OWN_FORWARD}.)")
            + official_note(result["accuracy"], threshold)
        )
    measured = "" if expected.is_live() else f", {expected.OWN_FORWARD}"
    return (f"test accuracy {result['accuracy']:.2%} (threshold {threshold:.0%}){measured}."
            + official_note(result["accuracy"], threshold))
