"""The attack on a release's recorded answers: a submission built ONLY from a student release's
`expected_values.npz` (autograder/checks/expected.py). Each graded function hashes its
arguments exactly as the release's checks hash a request, and returns the answer recorded for
it; no arithmetic. On the public inputs it earns most of stages 1-5; with the course secret the
inputs are other ones, and it should earn what the same code with an empty table earns."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.kit.release_kit import installed

ATTACK = '''
import base64 as _base64
import hashlib as _hashlib
import io as _io
import json as _json

import numpy as np

from autograder.sandbox.worker_side.codec import from_wire as _from_wire, to_wire as _to_wire

_NPZ = "__NPZ__"
_TABLE = {}


def _answers():
    if not _TABLE and _NPZ:
        with np.load(_io.BytesIO(_base64.b64decode(_NPZ)), allow_pickle=False) as data:
            count = sum(1 for key in data.files if key != "index")
            buffers = [data[f"b{i}"].tobytes() for i in range(count)]
            _TABLE.update(_from_wire(_json.loads(data["index"].tobytes()), buffers))
    return _TABLE


def _single(value):
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    if isinstance(value, (float, np.floating)):
        return float(np.float32(value))
    if isinstance(value, dict):
        return {key: _single(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_single(item) for item in value)
    return value


def _key(name, inputs):
    buffers = []
    header = _json.dumps([name, _to_wire(_single(inputs), buffers)], sort_keys=True)
    digest = _hashlib.sha256(header.encode())
    for buffer in buffers:
        digest.update(len(buffer).to_bytes(8, "little"))
        digest.update(buffer)
    return digest.hexdigest()[:32]


def _look(name, **inputs):
    """The recorded answer for these inputs, tried as given and with arrays as float64."""
    tries = [inputs, {k: (np.asarray(v, dtype=float) if isinstance(v, (list, np.ndarray)) else v)
                      for k, v in inputs.items()}]
    for attempt in tries:
        found = _answers().get(_key(name, attempt))
        if found is not None:
            return found
    return None


def neuron(x, w, b):
    found = _look("neuron", x=x, w=w, b=b)
    return found["value"] if found else 0.0


def neuron_cost(w, b, x, y):
    found = _look("neuron_cost", w=float(w), b=float(b), x=x, y=y)
    return found["cost"] if found else 0.0


def sigmoid(z):
    found = _look("sigmoid", z=z)
    return found["value"] if found else np.zeros_like(np.asarray(z, dtype=float))


def sigmoid_prime(z):
    for eps in (1e-6, 1e-5, 1e-4, 1e-7):
        found = _look("sigmoid_prime", z=z, eps=eps)
        if found:
            return found["numerical"]
    return np.zeros_like(np.asarray(z, dtype=float))


def init_params(layer_sizes, seed=0):
    return {}


def forward(params, X):
    found = _look("forward", params=params, X=X) or _look("output", params=params, X=X)
    A = found["output"] if found else np.zeros((np.shape(X)[0], 1))
    return A, [X, A]


def cross_entropy(A, Y):
    found = _look("cross_entropy", A=A, Y=Y)
    return found["cost"] if found else 0.0


def backward(params, cache, Y):
    X = cache[0]
    found = _look("gradients", params=params, X=X, Y=Y)
    if found:
        return found["numerical"]
    found = _look("exact_gradients", params=params, X=X, Y=Y)
    return found["gradients"] if found else {}


def update(params, grads, learning_rate):
    found = _look("update", params=params, grads=grads, rate=learning_rate)
    return found["updated"] if found else params


def predict(params, X):
    found = _look("predict", params=params, X=X)
    return found["labels"] if found else np.zeros(np.shape(X)[0], dtype=int)
'''


def recorded_values(release: Path) -> bytes:
    """The release's expected_values.npz, as its wheel installs it."""
    return (installed(release) / "autograder" / "checks" / "expected_values.npz").read_bytes()


def attack(release: Path | None) -> str:
    """The submission: with the release's table, or (None) the same code with an empty one."""
    table = base64.b64encode(recorded_values(release)).decode() if release else ""
    return ATTACK.replace("__NPZ__", table)
