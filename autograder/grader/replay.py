"""Stage 6's proof of training: minibatch gradient descent on MNIST redone by the grader.

The worker reports which rows of the training set went into each update `train` made (as row
numbers); the grader starts from the initial parameters it drew itself and redoes every update
with its own arithmetic. Single precision is enough to tell "this training" from any other: a
float64 training and its float32 replay end about 1e-6 apart (relative to how far training moved
the parameters), two trainings that differ by one shuffle about 0.4 apart. The replay costs about
half a float64 training (one BLAS thread, 784-100-10, minibatches of 24: 2.4 s for the
reference's 10,000 updates), and where a core is spare it runs while the training does
(checks/stages/replay_ahead.py). `pixels` must be C-ordered: each minibatch gathers whole rows,
and from a column-major copy (what images[:, order] gives) the replay took twice as long.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np


class ReplayTooLong(RuntimeError):
    """The replay ran past its deadline (a training this long could not be verified)."""


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # In place; exp(-z) overflows to inf for very negative z, and 1 / (1 + inf) is the right 0.
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    np.reciprocal(z, out=z)
    return z


def one_blas_thread() -> contextlib.AbstractContextManager:
    """BLAS on one thread while the replay runs: its products are small (a minibatch of rows),
    and several threads on them cost far more in waiting than they gain, ruinously so on a busy
    machine (a 2 s replay took minutes). threadpoolctl sets it; without it, as it is."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def replay(initial: dict[str, np.ndarray], pixels: np.ndarray, classes: np.ndarray,
           rows: np.ndarray, starts: np.ndarray, learning_rate: float,
           dtype: type = np.float32, deadline: float | None = None) -> dict[str, np.ndarray]:
    """Parameters after one step of `learning_rate` against the cross-entropy gradient of a
    sigmoid network per minibatch, from `initial`. Minibatch k is rows[starts[k]:starts[k+1]]
    (row numbers into `pixels`, uint8 images, and `classes`, their labels); the inputs are
    pixels / 255 and the targets one-hot, as the worker gave them to train."""
    count = sum(1 for key in initial if key.startswith("W"))
    weights = [np.array(initial[f"W{k}"], dtype=dtype) for k in range(1, count + 1)]
    biases = [np.array(initial[f"b{k}"], dtype=dtype) for k in range(1, count + 1)]
    scale = (np.arange(256) / 255.0).astype(dtype)  # the worker's X = images / 255.0, cast
    rate = dtype(learning_rate)
    with np.errstate(over="ignore"), one_blas_thread():
        for k in range(len(starts) - 1):
            if deadline is not None and k % 256 == 0 and time.monotonic() > deadline:
                raise ReplayTooLong(f"{k} of {len(starts) - 1} updates redone")
            batch = rows[starts[k]:starts[k + 1]]
            if batch.size == 0:
                continue
            layers = [scale[pixels[batch]]]
            for W, b in zip(weights, biases):
                z = layers[-1] @ W
                z += b
                layers.append(_sigmoid(z))
            delta = layers[-1]  # dC/dz_L = (a_L - y) / m, computed in the output's own array
            delta[np.arange(batch.size), classes[batch]] -= 1.0
            delta *= dtype(1.0 / batch.size)
            for layer in range(count - 1, -1, -1):
                below = layers[layer]
                step = delta * rate  # the step's scale on the small delta, not on W
                if layer > 0:
                    delta = delta @ weights[layer].T  # with W before this update
                    delta *= below
                    delta *= 1.0 - below
                weights[layer] -= below.T @ step
                biases[layer] -= step.sum(axis=0)
    params: dict[str, np.ndarray] = {}
    for k in range(count):
        params[f"W{k + 1}"], params[f"b{k + 1}"] = weights[k], biases[k]
    return params
