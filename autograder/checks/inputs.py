"""The inputs the checks give a submission, and the course secret they may be drawn from.

Without a secret every input is public and deterministic: the same networks, batches and points
in every grading, in the instructor's kit and in a student release (whose recorded expected
values are for exactly these inputs, see autograder/checks/expected.py). With a course secret
(instructor grading: $NNKIT_COURSE_SECRET, or a file named by --secret-file or
$NNKIT_COURSE_SECRET_FILE, or the course folder's `secret`), every seed and every jittered
value is drawn from an HMAC of the secret and the input's label, so answers hard-coded for the
public inputs fail.

Every seed a check uses goes through `seed(label, public)`; every fixed value it perturbs goes
through `jitter(label, values, scale)`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import numpy as np

from autograder import settings
from autograder.errors import KitEnvironmentError

SECRET_ENV = "NNKIT_COURSE_SECRET"
SECRET_FILE_ENV = "NNKIT_COURSE_SECRET_FILE"

_secret: ContextVar[bytes | None] = ContextVar("nnkit_course_secret", default=None)


# -- the secret ----------------------------------------------------------------------------------
def read_secret(secret_file: str | Path | None = None) -> bytes | None:
    """The course secret: the file given, else $NNKIT_COURSE_SECRET_FILE, else
    $NNKIT_COURSE_SECRET, else the `secret` file of the course in force (autograder/settings.py;
    a student release has none); None when there is none (public inputs)."""
    path = secret_file or os.environ.get(SECRET_FILE_ENV)
    if not path and not os.environ.get(SECRET_ENV, "").strip():
        course_file = settings.current().secret_file
        path = course_file if course_file is not None and course_file.is_file() else None
    if path:
        try:
            secret = Path(path).read_bytes().strip()
        except OSError as error:
            raise KitEnvironmentError(f"the course secret file {path} cannot be read "
                                      f"({error.strerror}): fix the path or unset "
                                      f"{SECRET_FILE_ENV}") from None
        if not secret:
            raise KitEnvironmentError(f"the course secret file {path} is empty: write a long "
                                      "random string into it")
        return secret
    value = os.environ.get(SECRET_ENV, "").strip()
    return value.encode() if value else None


@contextmanager
def course_secret(secret: bytes | None) -> Iterator[None]:
    """Draw the checks' inputs from `secret` (None: the public inputs) while grading."""
    token = _secret.set(secret)
    try:
        yield
    finally:
        _secret.reset(token)


def secret_in_use() -> bool:
    return _secret.get() is not None


def _draw(label: str) -> np.random.Generator:
    secret = _secret.get()
    assert secret is not None
    digest = hmac.new(secret, label.encode(), hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))


# -- what the checks ask for ---------------------------------------------------------------------
def seed(label: str, public: int) -> int:
    """The seed of the input named `label` (e.g. "stage3.forward_values/2"): `public` without a
    secret, else a number in [0, 2**31) drawn from the secret (small enough for any RNG)."""
    if _secret.get() is None:
        return public
    return int(_draw(label).integers(0, 2**31))


def rng(label: str, public: int) -> np.random.Generator:
    return np.random.default_rng(seed(label, public))


def jitter(label: str, values: np.ndarray | float | tuple | list, scale: float,
           decimals: int | None = None) -> np.ndarray:
    """`values` unchanged without a secret; with one, each moved by up to +-`scale` (uniform)
    and rounded to `decimals` places if given (so that messages quote short numbers)."""
    array = np.asarray(values, dtype=np.float64)
    if _secret.get() is None:
        return array.copy()
    moved = array + _draw(label).uniform(-scale, scale, array.shape)
    return moved if decimals is None else np.round(moved, decimals)


# -- random networks and batches (inputs, not answers: biases are nonzero, unlike init_params) ---
def random_network(layer_sizes: list[int], seed: int, scale: float = 1.0) -> dict[str, np.ndarray]:
    """Parameters for checks: weights AND biases nonzero, so bias mistakes are visible."""
    rng = np.random.default_rng(seed)
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(0.0, scale / np.sqrt(n_in), (n_in, n_out))
        params[f"b{layer}"] = rng.normal(0.0, 0.5, n_out)
    return params


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    Y = np.zeros((labels.shape[0], classes))
    Y[np.arange(labels.shape[0]), labels] = 1.0
    return Y


def random_batch(m: int, n_in: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 1.0, (m, n_in)), one_hot(rng.integers(0, classes, m), classes)
