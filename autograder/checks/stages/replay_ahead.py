"""Stage 6's replay, done ahead: each segment of the training redone while `train` goes on.

The worker sends its record of `train` in segments as it runs (sandbox/worker_side/watch.py):
the minibatches up to a checkpoint, and the checkpoint. Training runs on one core; on a second
one, the grader redoes each segment as it arrives, from the previous checkpoint (the first from
its own initial parameters), so that when `train` returns little of the replay is left.

Nothing here decides anything. The verdict is training_proof.replay_problem's, on the whole
trace, exactly as without this module; it only takes a replay from here when this one was
computed from the same inputs (the same minibatches and the same starting parameters), and
computes it itself otherwise. A forged or malformed segment just leaves nothing to take.

Only with a core to spare: on a single core (or when a class is graded in as many processes as
there are cores) the grader's replay would slow `train`, whose time counts against its budget.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from typing import Any

import numpy as np

from autograder.checks import grader_seam
from autograder.checks.stages.stage3_forward import parameters
from autograder.checks.stages.training_proof import minibatches


def spare_core(gradings_at_once: int) -> bool:
    """Whether this grading has a second core: at least two per grading running at once."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return cores >= 2 * max(gradings_at_once, 1)


class ReplayAhead:
    """Takes segments (on_segment) and redoes them on a thread of its own, one after another."""

    def __init__(self, initial: dict[str, np.ndarray], pixels: np.ndarray, classes: np.ndarray,
                 layer_sizes: list[int], rate: float, seconds: float) -> None:
        self.pixels, self.classes, self.layer_sizes, self.rate = pixels, classes, layer_sizes, rate
        self.deadline = time.monotonic() + seconds
        self.start_point: dict[str, np.ndarray] | None = initial
        # segment number -> (digest of its inputs, its float32 replay): a digest, not the
        # inputs, so that a long training's 256 segments keep one copy of the parameters each
        self.done: dict[int, tuple[bytes, dict]] = {}
        self.seconds = 0.0  # spent redoing segments
        self.segments: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="nnkit-replay-ahead", daemon=True)
        self.thread.start()

    def on_segment(self, segment: Any) -> None:
        self.segments.put(segment)

    def finish(self) -> None:
        """No more segments: let the thread end once it has redone those it has."""
        self.segments.put(None)
        self.thread.join()

    def abandon(self) -> None:
        """train failed: nothing will be verified, so stop redoing at once."""
        self.start_point = None
        self.segments.put(None)

    def _run(self) -> None:
        replay = grader_seam.replay()
        number = 0
        while (segment := self.segments.get()) is not None:
            if self.start_point is None:
                continue  # an earlier segment was unusable: the rest is left to the verdict
            started = time.monotonic()
            try:
                batches = minibatches(segment)
                replayed = replay.replay(self.start_point, self.pixels, self.classes,
                                         batches.rows, batches.starts, self.rate, np.float32,
                                         self.deadline)
                self.done[number] = (inputs_digest(self.start_point, batches.rows,
                                                   np.diff(batches.starts)), replayed)
                self.start_point = parameters(segment["checkpoint"], self.layer_sizes,
                                              "a checkpoint")
            except Exception:  # noqa: BLE001 - the submission's record: the verdict will say
                self.start_point = None
            self.seconds += time.monotonic() - started
            number += 1

    def replayed(self, number: int, start: dict[str, np.ndarray], rows: np.ndarray,
                 sizes: np.ndarray) -> dict[str, np.ndarray] | None:
        """Segment `number`'s float32 replay, if it was redone from `start` on these
        minibatches (rows, one after another, in minibatches of `sizes`); else None."""
        if number not in self.done:
            return None
        digest, replayed = self.done[number]
        return replayed if digest == inputs_digest(start, rows, sizes) else None


def inputs_digest(start: dict[str, np.ndarray], rows: np.ndarray, sizes: np.ndarray) -> bytes:
    """A segment's replay inputs, hashed: the starting parameters (names, shapes, float64
    values), the rows and the minibatch sizes."""
    digest = hashlib.sha256()
    for key in sorted(start):
        value = np.ascontiguousarray(start[key], dtype=np.float64)
        digest.update(f"{key}{value.shape}".encode())
        digest.update(value.tobytes())
    for array in (rows, sizes):
        value = np.ascontiguousarray(array, dtype=np.int64)
        digest.update(f"{value.shape}".encode())
        digest.update(value.tobytes())
    return digest.digest()
