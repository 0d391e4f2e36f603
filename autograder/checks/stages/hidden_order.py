"""The hidden order stage 6 trains in: a permutation of the 784 pixels and of the 10 labels that
nobody can know in advance, yet the same each time one grader grades one submission (so a
grading can be repeated and gives the same score).

It is drawn from a secret the grader holds: NNKIT_GRADING_SECRET when set (a course's shared
secret, so that every grader of a course agrees), else a random secret made once from the OS's
randomness and kept in the kit's cache folder (mode 0600; the worker never sees that folder),
mixed with the grading's seed and the submission's own text. Weights computed in advance for
MNIST's real order fit none of these orders, so they score at chance.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import numpy as np

from autograder.data.mnist import CACHE_DIR_ENV, DEFAULT_CACHE_DIR

SECRET_ENV = "NNKIT_GRADING_SECRET"
SECRET_FILE = "grading-secret"


def grading_secret() -> bytes:
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV].encode()
    path = Path(os.environ.get(CACHE_DIR_ENV) or DEFAULT_CACHE_DIR).expanduser() / SECRET_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: of graders starting side by side, one writes it and all read that one
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as file:
        file.write(secrets.token_hex(32).encode())
    return path.read_bytes()


def hidden_permutation(seed: int, submission: str) -> tuple[np.ndarray, np.ndarray]:
    """(pixel order, label map) for grading `submission` (its text) with `seed`."""
    digest = hashlib.sha256(b"\0".join([grading_secret(), str(seed).encode(),
                                        submission.encode()])).digest()
    rng = np.random.default_rng(int.from_bytes(digest, "big"))
    return rng.permutation(784), rng.permutation(10)
