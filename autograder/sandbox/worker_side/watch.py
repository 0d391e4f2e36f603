"""The worker's watch over `train` on MNIST: what stage 6 needs to redo the training itself.

While `train` runs, its calls to the module-level `init_params`, `forward`, `backward` and
`update` go through recorders:

- `init_params` runs as written, then its arrays are overwritten with the initial parameters the
  grader drew for this grading (sent with the call, so no code could know them before `train`
  was called): the training starts from values the submission could not choose;
- `forward` notes which rows of the stored training set it was given, as row numbers (found by a
  hash of each row's pixels, so float32 copies, views and per-sample slices are all recognised);
- `backward` notes how many rows its Y holds (to pair it with its forward);
- `update` notes its learning rate, and every `every`-th update's result is kept (a checkpoint,
  copied as it is: at most 256 of them). When the grader asks, each checkpoint is sent at once,
  with the record that leads to it (a segment), so that the grader can redo it while `train`
  goes on; the reply holds the rest.

Each forward call notes only its rows' two sums (one matrix product); they are looked up in
bulk after `train` returns: a lookup per call cost the reference's training a fifth of its time.

The record is the submission's word: the grader does not trust it. It redoes the updates it
describes, segment by segment, from its own initial parameters through the checkpoints to what
`train` returned (autograder/grader/replay.py), and each segment must land on the next
checkpoint: a forged record only makes that comparison fail. (Checkpoints let the comparison
stay exact where a long training amplifies the last bits of rounding: a float64 replay of a
784-64-32-10 network trained with learning rate 1.0 ends 15% away after 11,250 updates when
its sigmoid rounds differently, but within 1e-13 of each checkpoint 250 updates on.)

This module runs from the worker's private copy (sandbox/private.py), like worker.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

FORWARD, BACKWARD, UPDATE, INIT = 0, 1, 2, 3
UNKNOWN = -1  # a row that is not one of the stored training rows
TOO_LARGE = -2  # a forward of more rows than a minibatch holds (a whole-data cost): not named
MAX_CHECKPOINTS = 256


class RowIndex:
    """Finds the row numbers of rows of the stored images (uint8, one image per row) in arrays
    of pixels / 255 of any float type."""

    def __init__(self, images: np.ndarray) -> None:
        images = np.asarray(images)
        self.width = images.shape[1]
        # Two integer weights per pixel, below 2**20: a row's two sums of pixel * weight stay
        # below 2**38, exact in float64. A float64 row of pixel / 255 times 255 * weight sums
        # to within 1e-4 of them (rint makes them exact); a float32 row first gets its pixel
        # values back by rint(x * 255). (A Weyl sequence, mixed; array arithmetic wraps
        # silently; numpy.random is not loaded in the worker's private copy.) This runs during
        # the handover, so it calls only NumPy's C functions and array methods: no Python-level
        # NumPy function whose module the submission could have patched to run its code here.
        mixed = np.arange(1, 2 * self.width + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        mixed ^= mixed >> np.uint64(31)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        self.weights = (mixed >> np.uint64(44)).astype(np.float64).reshape(self.width, 2)
        self.scaled = self.weights * 255.0
        keys = np.concatenate([self.keys(images[start:start + 4096].astype(np.float64)
                                         @ self.weights)
                               for start in range(0, images.shape[0], 4096)])
        # Sorted, to be searched in C (a dict's lookups, one Python call per row, cost a fifth
        # of a reference training); of equal keys, the last row, as a dict would keep.
        order = keys.argsort(kind="stable")
        self.sorted_keys, self.row_numbers = keys[order], order

    @staticmethod
    def keys(sums: np.ndarray) -> np.ndarray:
        """One 64-bit key per row from its two (exact, whole) sums."""
        whole = sums.astype(np.int64)
        return (whole[:, 0] << 24) ^ whole[:, 1]

    def note(self, X: Any, limit: int) -> np.ndarray:
        """What one forward call's X says of its rows, as cheaply as a training can afford (a
        reference training makes 10,000 such calls, each NumPy call in it costing about 10 us
        among the training's own): the two sums of each row, shape (n, 2), looked up later, in
        bulk, by `numbers`. When X cannot hold stored rows, its row numbers at once, shape
        (n,): UNKNOWN, or TOO_LARGE for each row when X has more than `limit` rows."""
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[np.newaxis, :]
        if X.ndim != 2 or X.shape[0] == 0:
            return filled(0 if X.ndim != 2 else X.shape[0], UNKNOWN)
        if X.shape[0] > limit:
            return filled(X.shape[0], TOO_LARGE)
        if X.shape[1] != self.width or X.dtype.kind not in "biuf":
            return filled(X.shape[0], UNKNOWN)
        with np.errstate(all="ignore"):  # NaN and huge values: no row's sums, no warning
            if X.dtype == np.float64:
                return X @ self.scaled
            pixels = np.multiply(X, 255.0, dtype=np.float64)
            return np.rint(pixels, out=pixels) @ self.weights

    def numbers(self, notes: list[np.ndarray]) -> np.ndarray:
        """The row numbers behind `notes` (what `note` returned, call after call), one after
        another: UNKNOWN for a row that is not stored."""
        found = np.concatenate([note if note.ndim == 1 else filled(note.shape[0], UNKNOWN)
                                for note in notes]) if notes else filled(0, UNKNOWN)
        sums = [note for note in notes if note.ndim == 2]
        if not sums:
            return found
        with np.errstate(all="ignore"):
            sums = np.rint(np.concatenate(sums))
            valid = (np.abs(sums) < 2.0**40).all(axis=1)
        sums[~valid] = 0.0
        keys = self.keys(sums)
        at = self.sorted_keys.searchsorted(keys, side="right") - 1  # the last key <= each
        at[at < 0] = 0
        numbers = self.row_numbers[at]
        numbers[(self.sorted_keys[at] != keys) | ~valid] = UNKNOWN
        looked_up = np.concatenate([filled(note.shape[0], note.ndim == 2, bool) for note in notes])
        found[looked_up] = numbers
        return found

    def find(self, X: Any, limit: int) -> np.ndarray:
        """Row numbers of the rows of X (UNKNOWN for rows not stored; TOO_LARGE for each row
        when X has more than `limit` rows)."""
        return self.numbers([self.note(X, limit)])


def filled(count: int, value: Any, dtype: type = np.int64) -> np.ndarray:
    array = np.empty(count, dtype=dtype)
    array.fill(value)
    return array


def snapshot(params: Any) -> Any:
    """A copy of the parameters an update returned (None if they are not a mapping of arrays:
    the grader reports it)."""
    try:
        return {str(key): np.array(value) for key, value in params.items()}
    except Exception:  # noqa: BLE001 - anything odd: no checkpoint
        return None


def set_initial(result: Any, initial: dict[str, np.ndarray]) -> tuple[Any, str]:
    """`result` (what init_params returned) holding the grader's initial values: written into
    its own arrays (so its container, dtype and type stay the submission's), or into the
    mapping when an array cannot be written. Returns (result, "" or why it could not be)."""
    try:
        keys = list(result.keys())
    except Exception:  # noqa: BLE001 - not a mapping: the grader reports it
        return result, f"init_params returned a {type(result).__name__}, not a dict"
    missing = [key for key in initial if key not in keys]
    if missing:
        return result, f"init_params returned no {', '.join(missing)}"
    for key, value in initial.items():
        array = result[key]
        if isinstance(array, np.ndarray) and array.shape == value.shape \
                and array.dtype.kind == "f" and array.flags.writeable:
            array[...] = value
            continue
        if np.shape(array) != value.shape:
            return result, (f"init_params returned {key} of shape {np.shape(array)}, but "
                            f"{value.shape} was expected")
        try:
            result[key] = value.copy()
        except Exception:  # noqa: BLE001 - a read-only mapping of unwritable arrays
            return result, f"init_params returned a {key} that could not be set"
    return result, ""


def call_watched(module: Any, rows: RowIndex | None, request: dict,
                 send: Callable[[dict], None] | None = None) -> dict:
    """Call request["name"] (train) with its arguments while recording, compactly, its calls
    to init_params, forward, backward and update. With `send`, each checkpoint goes to the
    grader as soon as it is taken, with the record that leads to it (a segment), so that the
    grader can redo that segment while train goes on; the reply holds what remains."""
    initial = {key: np.asarray(value, dtype=np.float64) for key, value in
               request["initial"].items()}
    limit, every = int(request["max_rows"]), max(int(request["every"]), 1)
    checkpoints: list[Any] = []
    codes: list[int] = []
    counts: list[int] = []
    found: list[np.ndarray] = []
    rates: list[float] = []
    problems: list[str] = []
    sent = [(0, 0, 0), 0]  # where the part not yet sent starts (codes, found, rates); segments

    def part(start: tuple[int, int, int], end: tuple[int, int, int]) -> dict:
        """The record between two places in it (as (codes, found, rates) lengths)."""
        return {"codes": np.asarray(codes[start[0]:end[0]], dtype=np.int8),
                "counts": np.asarray(counts[start[0]:end[0]], dtype=np.int64),
                "rows": (rows.numbers(found[start[1]:end[1]]) if rows is not None
                         else np.concatenate(found[start[1]:end[1]]) if end[1] > start[1]
                         else filled(0, UNKNOWN)),
                "rates": np.asarray(rates[start[2]:end[2]], dtype=np.float64)}

    def keep_checkpoint(point: Any, cut: tuple[int, int, int]) -> None:
        if len(checkpoints) + sent[1] >= MAX_CHECKPOINTS:
            return
        if send is None:
            checkpoints.append(point)
            return
        send({**part(sent[0], cut), "checkpoint": point})
        sent[0], sent[1] = cut, sent[1] + 1

    def record_forward(original: Any) -> Any:
        def forward(*args: Any, **kwargs: Any) -> Any:
            try:  # whatever X is, the watch must not be what stops train
                X = args[1] if len(args) > 1 else kwargs.get("X")
                named = rows.note(X, limit) if rows is not None else filled(1, UNKNOWN)
            except Exception:  # noqa: BLE001 - an odd X: its rows are not named
                named = filled(1, UNKNOWN)
            codes.append(FORWARD)
            counts.append(named.shape[0])
            found.append(named)
            return original(*args, **kwargs)

        return forward

    def record_backward(original: Any) -> Any:
        def backward(*args: Any, **kwargs: Any) -> Any:
            try:
                size = int(np.shape(args[2] if len(args) > 2 else kwargs["Y"])[0])
            except Exception:  # noqa: BLE001 - an odd Y just pairs with the latest forward
                size = -1
            codes.append(BACKWARD)
            counts.append(size)
            return original(*args, **kwargs)

        return backward

    def record_update(original: Any) -> Any:
        def update(*args: Any, **kwargs: Any) -> Any:
            rate = args[2] if len(args) > 2 else kwargs.get("learning_rate")
            try:
                rates.append(float(rate))
            except Exception:  # noqa: BLE001 - not a number: the grader reports it
                rates.append(float("nan"))
            codes.append(UPDATE)
            counts.append(0)
            cut = (len(codes), len(found), len(rates))  # this update's minibatch ends here
            result = original(*args, **kwargs)
            if cut[2] % every == 0:
                keep_checkpoint(snapshot(result), cut)
            return result

        return update

    def record_init(original: Any) -> Any:
        def init_params(*args: Any, **kwargs: Any) -> Any:
            codes.append(INIT)
            counts.append(0)
            result, problem = set_initial(original(*args, **kwargs), initial)
            if problem and problem not in problems:
                problems.append(problem)
            return result

        return init_params

    recorders = {"forward": record_forward, "backward": record_backward,
                 "update": record_update, "init_params": record_init}
    originals = {name: getattr(module, name) for name in recorders}
    try:
        for name, recorder in recorders.items():
            setattr(module, name, recorder(originals[name]))
        value = getattr(module, request["name"])(*request["args"], **request["kwargs"])
    finally:
        for name, original in originals.items():
            setattr(module, name, original)
    trace = {**part(sent[0], (len(codes), len(found), len(rates))), "problems": problems,
             "checkpoints": checkpoints}
    return {"value": value, "trace": trace}
