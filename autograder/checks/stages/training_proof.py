"""Stage 6's evidence that `train` trained: the minibatches it reported, redone by the grader.

The worker watches train on MNIST (autograder/sandbox/watch.py): init_params gives the initial
parameters the grader drew for this grading (initial_parameters below: from the grading secret,
so nobody knows them before train is called), and each forward call names the rows it got. From
that record the grader rebuilds the minibatch behind each update (the rows of the forward calls
whose results reached backward since the previous update, as stage 5's rules read them), checks
that they walk the data as HYPERPARAMS says, redoes every update with its own arithmetic
(autograder/grader/replay.py) and compares the result with the parameters train returned.

Weights computed anywhere else (fitted offline and mapped through a recovered permutation,
fitted by a library, trained before train was called) are not the result of those updates from
those initial parameters, so they earn nothing of stage 6 but HYPERPARAMS' own check.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.checks import grader_seam
from autograder.checks.stages.hidden_order import grading_secret
from autograder.sandbox.worker_side.watch import BACKWARD, FORWARD, INIT, TOO_LARGE, UNKNOWN, UPDATE

# Returned and redone parameters may differ by rounding only: a float64 training and the
# grader's float32 replay end ~1e-6 apart, relative to how far training moved the parameters;
# two trainings that differ in one shuffle end ~0.4 apart.
TOLERANCE = 1e-3


def initial_parameters(seed: int, submission: str, layer_sizes: list[int]) -> dict[str, np.ndarray]:
    """The initial parameters of the MNIST training: drawn as init_params is asked to draw them
    (weights of standard deviation 1/sqrt(n_in), zero biases), from the grading secret, the seed
    and the submission's text, so they are the same for one grader and one submission, and
    nobody can know them in advance."""
    digest = hashlib.sha256(b"\0".join([grading_secret(), b"initial parameters",
                                        str(seed).encode(), submission.encode()])).digest()
    rng = np.random.default_rng(int.from_bytes(digest, "big"))
    params: dict[str, np.ndarray] = {}
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(0.0, 1.0 / math.sqrt(n_in), size=(n_in, n_out))
        params[f"b{layer}"] = np.zeros(n_out)
    return params


@dataclass
class Minibatches:
    rows: np.ndarray  # every update's rows, one after another
    starts: np.ndarray  # update k used rows[starts[k]:starts[k + 1]]
    rates: np.ndarray  # the learning rate passed to each update
    inits: int  # how many times train called init_params

    @property
    def updates(self) -> int:
        return len(self.starts) - 1


def minibatches(trace: dict) -> Minibatches:
    """The minibatch behind each update: the rows of the forward calls whose results the
    backward calls since the previous update used. Each backward is paired with the latest
    unpaired forward of as many rows as its Y (or the latest one); a backward with no forward
    before it is paired with the forward it calls itself (training_rules.gradient_forwards,
    in one pass)."""
    codes = np.asarray(trace["codes"])
    counts = np.asarray(trace["counts"])
    rows = np.asarray(trace["rows"], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(np.where(codes == FORWARD, counts, 0))])
    pending: list[int] = []
    used: list[int] = []
    waiting = False
    parts: list[np.ndarray] = []
    sizes = [0]
    for i, code in enumerate(codes.tolist()):
        if code == FORWARD and waiting:
            used.append(i)
            waiting = False
        elif code == FORWARD:
            pending.append(i)
        elif code == BACKWARD and pending:
            match = next((j for j in reversed(pending) if counts[j] == counts[i]), pending[-1])
            pending.remove(match)
            used.append(match)
        elif code == BACKWARD:
            waiting = True
        elif code == UPDATE:
            batch = [rows[offsets[j]:offsets[j] + counts[j]] for j in sorted(used)]
            parts += batch
            sizes.append(sum(part.size for part in batch))
            pending, used, waiting = [], [], False
    return Minibatches(np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64),
                       np.cumsum(sizes), np.asarray(trace["rates"], dtype=np.float64),
                       int(np.sum(codes == INIT)))


OWN_FUNCTIONS = ("Stage 6 pays for a training it can verify: train must start from "
                 "init_params(layer_sizes, seed) and, for each minibatch, call your forward, "
                 "backward and params = update(params, grads, learning_rate), and return the "
                 "parameters the last update gave.")


def walk_problem(batches: Minibatches, m: int, settings: dict, where: str) -> str | None:
    """Why the reported minibatches are not the training HYPERPARAMS describes (None: they
    are): every row `epochs` times, in minibatches of at most batch_size rows, each followed by
    one update with the learning rate."""
    epochs, size, rate = settings["epochs"], settings["batch_size"], settings["learning_rate"]
    expected = epochs * math.ceil(m / size)
    if batches.updates == 0:
        return f"{where} never called update. {OWN_FUNCTIONS}"
    if batches.inits == 0:
        return f"{where} never called init_params. {OWN_FUNCTIONS}"
    if batches.updates != expected:
        return (f"{where} called update {batches.updates} times; {expected} were expected "
                f"({epochs} epochs of {math.ceil(m / size)} minibatches of at most {size} rows).")
    # (float32's rounding of the rate is still the rate)
    if not np.allclose(batches.rates, rate, rtol=1e-6, atol=0.0):
        wrong = batches.rates[~np.isclose(batches.rates, rate, rtol=1e-6, atol=0.0)][0]
        return (f"{where} passed learning_rate={wrong:g} to update; HYPERPARAMS says {rate:g}.")
    if np.any(batches.rows == TOO_LARGE):
        return (f"{where}: a forward call of more than batch_size={size} rows reached backward, "
                "so an update used more than one minibatch.")
    if np.any(batches.rows == UNKNOWN):
        return (f"{where}: a forward call whose result reached backward got rows that are not "
                "rows of the training data it was given (changed, or not from X). Pass the rows "
                "of X themselves, X[batch], to forward.")
    largest = int(np.max(np.diff(batches.starts)))
    if largest > size:
        return f"{where}: an update used {largest} rows, more than batch_size={size}."
    uses = np.bincount(batches.rows, minlength=m)
    if np.any(uses != epochs):
        return (f"{where}: over the {epochs} epochs, {int(np.sum(uses != epochs))} of the {m} "
                f"rows were not used exactly {epochs} times (once per epoch).")
    return None


def distance(returned: dict, replayed: dict, initial: dict) -> float:
    """How far `returned` is from `replayed`, relative to how far training moved the
    parameters from `initial` (the worst key, and all keys together)."""
    worst, total, moved = 0.0, 0.0, 0.0
    for key in replayed:  # (norms without BLAS, whose threads only wait on a busy machine)
        replayed_key = np.asarray(replayed[key], dtype=np.float64)
        gap = math.sqrt(float(np.square(np.asarray(returned[key], float) - replayed_key).sum()))
        travel = math.sqrt(float(np.square(replayed_key - initial[key]).sum()))
        total, moved = total + gap**2, moved + travel**2
        worst = max(worst, gap / max(travel, 1e-12)) if gap > 1e-9 else worst
    overall = math.sqrt(total) / max(math.sqrt(moved), 1e-12)
    # A key may move little (a bias); allow it ten times the overall tolerance on its own.
    return max(overall, worst / 10)


def checkpoint_every(settings: dict, m: int) -> int:
    """Updates between the checkpoints the worker keeps: 250 (a segment short enough that
    rounding does not grow past the tolerance, even where a long training amplifies it), more
    for very long trainings, so that there are at most 255 of them and they take at most
    256 MB as float64."""
    updates = settings["epochs"] * math.ceil(m / settings["batch_size"])
    sizes = settings["layer_sizes"]
    count = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    most = max(1, min(255, (256 << 20) // (8 * count)))
    return max(250, math.ceil(updates / most))


def replay_problem(returned: dict, initial: dict, checkpoints: list[dict], every: int,
                   batches: Minibatches, pixels: np.ndarray, classes: np.ndarray, rate: float,
                   float64: bool, seconds: float, where: str,
                   ahead: Any = None) -> tuple[str | None, float]:
    """Redo the training, segment by segment: from the grader's initial parameters through the
    checkpoints (the parameters after every `every`-th update, as the worker kept them) to the
    parameters train returned; each segment must land on the next. (Why it is not proven or
    None, seconds the replay took.) Single precision first; a float64 training's segment gets a
    float64 replay too before it is refused. `ahead` (replay_ahead.ReplayAhead) may hold
    single-precision replays of segments already done while train ran, from the same inputs."""
    replay = grader_seam.replay()
    started = time.monotonic()
    deadline = started + seconds
    updates = batches.updates
    ends = [k * every for k in range(1, len(checkpoints) + 1) if k * every < updates]
    points = [initial, *checkpoints[:len(ends)], returned]
    bounds = [0, *ends, updates]
    try:
        for k in range(len(bounds) - 1):
            first, last = bounds[k], bounds[k + 1]
            segment = batches.starts[first:last + 1]
            gap, replays = math.inf, []
            done = None if ahead is None else ahead.replayed(
                k, points[k], batches.rows[segment[0]:segment[-1]], np.diff(segment))
            for dtype in (np.float32, np.float64):
                replays.append(done if done is not None and dtype == np.float32 else
                               replay.replay(points[k], pixels, classes, batches.rows, segment,
                                             rate, dtype, deadline))
                if dtype == np.float32 or float64:
                    gap = min(gap, distance(points[k + 1], replays[-1], points[k]))
                if gap <= TOLERANCE:
                    break
            if gap > TOLERANCE:
                # The grader's own two replays apart: rounding alone amplified past the bound.
                chaotic = distance(replays[0], replays[1], points[k]) > TOLERANCE / 10
                return segment_problem(where, first, last, updates, gap, rate, chaotic), \
                    time.monotonic() - started
    except replay.ReplayTooLong as error:
        return (f"{where}: the grader could not redo its {updates} updates within "
                f"{seconds:.0f} s ({error}), so the training could not be verified."), \
            time.monotonic() - started
    return None, time.monotonic() - started


def segment_problem(where: str, first: int, last: int, updates: int, gap: float,
                    rate: float, chaotic: bool = False) -> str:
    start = ("the initial parameters init_params gave it" if first == 0 else
             f"the parameters update {first} returned")
    end = "what it returned" if last == updates else f"what update {last} returned"
    what = ("returned parameters that its own update calls did not produce" if last == updates
            else "did not carry its parameters from one update to the next")
    if chaotic:
        return (f"{where} could not be verified: this training amplifies the last bits of "
                f"rounding so much that redoing updates {first + 1} to {last} of {updates} in "
                "single and in double precision, from the same parameters, already ends far "
                "apart, so no replay can tell it from another training. A smaller learning_rate "
                "or larger minibatches (batch_size) make each step gentler and the training "
                "verifiable.")
    return (f"{where} {what}: redoing updates {first + 1} to {last} of {updates} (the minibatches "
            f"its forward and backward calls got, with learning_rate={rate:g}) from {start} ends "
            f"{gap:.1%} away from {end} (relative to how far those updates moved the parameters; "
            f"rounding explains at most {TOLERANCE:.1%}). {OWN_FUNCTIONS}")
