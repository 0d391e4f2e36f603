"""Where the checks get every value they compare a submission's answers with.

A check asks `of(name, **inputs)` (e.g. `of("forward", params=params, X=X)`) and gets a dict:
the right answer for those inputs and the wrong answers its hints recognise. Two sources answer:

- live, in the instructor's kit: the grader's own arithmetic (autograder/grader/computed_values.py,
  arithmetic.py, wrong_backprops.py), which never ships;
- recorded, in a student release: the values the instructor's kit computed for the public,
  deterministic inputs when it wrote the release (`record_reference`), stored in
  `autograder/checks/expected_values.npz` and looked up by a hash of the request. A release
  therefore holds answers for its public inputs only, and no implementation of any graded
  function.

What cannot be recorded is what depends on the student's own results: the outputs of the
parameters their `train` returned. `network_output` gives those, live with the grader's forward
pass and, in a release, with the student's own `forward` (checked in stage 3); a check that uses
it says so in its note, and the instructor's grading recomputes it with its own arithmetic
(`INSTRUCTOR_ONLY` is the wording for whatever a release cannot verify at all).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from autograder.checks import grader_seam
from autograder.checks.context import Grading
from autograder.data.mnist import scaled
from autograder.errors import KitEnvironmentError
from autograder.sandbox.worker_side.codec import Handle, from_wire, to_wire

FIXTURE = Path(__file__).resolve().parent / "expected_values.npz"
INSTRUCTOR_ONLY = ("verified only in the instructor's grading: a student copy of the kit holds "
                   "no grader arithmetic to check it with")
OWN_FORWARD = ("measured with your own forward here; only the instructor's grading verifies it, "
               "with the grader's own forward pass")


class NotRecorded(RuntimeError):
    """A release was asked for a value it did not record (a kit fault, never the student's)."""


def _single_precision(value: Any) -> Any:
    """Floats to the nearest float32: the inputs a release regenerates may differ from the ones
    recorded in the last bits (another NumPy, another BLAS), never in the first 24."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(np.float32)
    if isinstance(value, float | np.floating):
        return float(np.float32(value))
    if isinstance(value, dict):
        return {key: _single_precision(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_single_precision(item) for item in value)
    return value


def request_key(name: str, inputs: dict[str, Any]) -> str:
    """A hash of the request: its name and its inputs (arrays by dtype, shape and bytes, floats
    to single precision)."""
    buffers: list[bytes] = []
    header = json.dumps([name, to_wire(_single_precision(inputs), buffers)], sort_keys=True)
    digest = hashlib.sha256(header.encode())
    for buffer in buffers:
        digest.update(len(buffer).to_bytes(8, "little"))
        digest.update(buffer)
    return digest.hexdigest()[:32]


# Requests answered by the instructor's own check modules (COURSE/checks/*.py, see
# autograder/checks/adapted.py): registered with `@request(name)` as the module is loaded, in the
# instructor's grading only (a release cuts those functions out and records their answers).
COURSE_REQUESTS: dict[str, Callable[..., dict]] = {}


def request(name: str) -> Callable[[Callable[..., dict]], Callable[..., dict]]:
    """Decorator for an instructor's check module: the function computes request `name`'s
    expected values (a dict: the right answer, and the wrong ones its hints recognise) from the
    request's inputs, as `of(name, **inputs)` asks. It is the grader's own arithmetic: `nnkit
    release` cuts it out of the module it ships and records its answers for the public inputs."""

    def register(function: Callable[..., dict]) -> Callable[..., dict]:
        COURSE_REQUESTS[name] = function
        return function

    return register


class Live:
    """The grader's arithmetic (instructor's kit), and the course's own (`request`)."""

    name = "live"

    def __init__(self) -> None:
        self.requests = grader_seam.computed_values()

    def __call__(self, name: str, inputs: dict[str, Any]) -> dict:
        answer = self.requests.get(name) or COURSE_REQUESTS.get(name)
        if answer is None:
            raise KitEnvironmentError(
                f"no expected values for request {name!r}: a check asks for it, but no course "
                "check module defines it with @expected.request")
        return answer(**inputs)


class Recording(Live):
    """Live, keeping every answer it gives: what `record_reference` stores in a release."""

    name = "recording"

    def __init__(self) -> None:
        super().__init__()
        self.answers: dict[str, dict] = {}

    def __call__(self, name: str, inputs: dict[str, Any]) -> dict:
        answer = super().__call__(name, inputs)
        self.answers[request_key(name, inputs)] = answer
        return answer

    def save(self, path: Path) -> None:
        buffers: list[bytes] = []
        index = json.dumps(to_wire(self.answers, buffers))
        arrays = {f"b{i}": np.frombuffer(buffer, dtype=np.uint8)
                  for i, buffer in enumerate(buffers)}
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as file:
            np.savez_compressed(file, index=np.frombuffer(index.encode(), dtype=np.uint8),
                                **arrays)


class Recorded:
    """The values a release recorded (student release)."""

    name = "recorded"

    def __init__(self, path: Path = FIXTURE) -> None:
        self.path = path
        self._answers: dict[str, Any] | None = None

    def answers(self) -> dict[str, Any]:
        if self._answers is None:
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    buffers = [data[f"b{i}"].tobytes()
                               for i in range(sum(1 for key in data.files if key != "index"))]
                    index = json.loads(data["index"].tobytes())
            except (OSError, ValueError, KeyError) as error:
                raise NotRecorded(f"this copy of the kit has neither the grader nor readable "
                                  f"recorded expected values ({self.path}: {error}); write the "
                                  "release again with `nnkit release`") from None
            self._answers = from_wire(index, buffers)
        return self._answers

    def __call__(self, name: str, inputs: dict[str, Any]) -> dict:
        try:
            return self.answers()[request_key(name, inputs)]
        except KeyError:
            raise NotRecorded(f"no recorded expected value for {name} with these inputs: a "
                              "student copy of the kit can check only the public inputs it was "
                              "released with") from None


def _default() -> Live | Recorded:
    """Recorded where a release put its values (the kit never holds the file: the release
    writes it fresh, and it is not part of the kit's source), else live."""
    return Recorded() if FIXTURE.exists() else Live()


_source: Live | Recorded | None = None


def source() -> Live | Recorded:
    global _source
    if _source is None:
        _source = _default()
    return _source


def use(new: Live | Recorded | None) -> Live | Recorded | None:
    """Answer from `new` from now on (None: the default again); returns the previous source."""
    global _source
    previous, _source = _source, new
    return previous


def is_live() -> bool:
    return isinstance(source(), Live)


def of(name: str, **inputs: Any) -> dict:
    """The expected values of request `name` for these inputs."""
    return source()(name, inputs)


def unverified_here(what: str) -> str | None:
    """None in the instructor's kit; in a release, the note a check returns (or adds to its
    message) for the part `what` it could not verify, e.g. "the replay of your training:
    verified only in the instructor's grading (...)". Such a check scores locally on what it
    did verify, and says so: never a silent pass."""
    return None if is_live() else f"{what}: {INSTRUCTOR_ONLY}"


def network_output(ctx: Grading, params: dict[str, np.ndarray], X: np.ndarray, what: str,
                   rows: int = 500) -> np.ndarray:
    """The network's output activations for parameters the submission produced (so they cannot
    be recorded): the grader's forward pass, or in a release the student's own forward, `rows`
    samples at a time (a call has a time limit; the cache stays in the worker)."""
    if is_live():
        return grader_seam.arithmetic().output(params, X)
    parts = [(X[start:start + rows], min(rows, X.shape[0] - start))
             for start in range(0, X.shape[0], rows)]
    return own_forward(ctx, params, parts, what)


def images_output(ctx: Grading, params: dict[str, np.ndarray], images: np.ndarray, what: str,
                  rows: int = 1000) -> np.ndarray:
    """network_output for MNIST images as stored (uint8 0-255), scaled as load_mnist scales
    them. In a release they go to the worker once, as bytes (an eighth of the floats), and the
    student's forward is called on its parts there (calls on handles)."""
    if is_live():
        return grader_seam.arithmetic().output(params, scaled(images))
    from autograder.checks.stage import CheckFailed

    handles = ctx.store_images(images, rows)
    sizes = [min(rows, images.shape[0] - start) for start in range(0, images.shape[0], rows)]
    if not isinstance(handles, list) or len(handles) != len(sizes) or not all(
            isinstance(handle, Handle) for handle in handles):
        raise CheckFailed(f"the worker did not keep the images {what} needs: its reply to the "
                          "grader was not what it asked for")
    return own_forward(ctx, params, list(zip(handles, sizes)), what)


def own_forward(ctx: Grading, params: dict[str, np.ndarray], parts: list[tuple[Any, int]],
                what: str) -> np.ndarray:
    """A from the student's forward, called on each (X or its handle, rows) of `parts`."""
    from autograder.checks.compare import as_array
    from autograder.checks.stage import CheckFailed

    outputs = params[f"W{len(params) // 2}"].shape[1]
    found = []
    for X, rows in parts:
        value = ctx.call("forward", params, X, first_of_pair=True).value
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise CheckFailed(f"forward should return (A, cache); {what} needs A.")
        found.append(as_array(value[0], f"A from your forward for {what}", shape=(rows, outputs)))
    return np.concatenate(found) if found else np.zeros((0, outputs))
