"""What every check receives: the grading in progress.

A check asks the submission through its pipe (the sandboxed worker: `pipe`, with the pipe's own
limits), reads the grading's options (`options`: the seed, the MNIST budget and threshold,
verbosity) and shares results with the other checks of the same grading (`memo`: stage 6
trains once and its checks read that run). The pipe knows nothing of grading; the grading
holds the pipe. The requests checks make (call, call_spied, call_watched, get, defines,
store_mnist, store_images) are asked here and passed to the pipe unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autograder.sandbox.client import CallResult, SandboxedSubmission
from autograder.sandbox.worker_side.codec import Handle

if TYPE_CHECKING:  # grade.py imports this module; the options are only named here
    from autograder.checks.grade import GradeOptions


@dataclass
class Grading:
    pipe: SandboxedSubmission
    options: GradeOptions
    memo: dict[str, Any] = field(default_factory=dict)  # shared by the checks of one grading

    def call(self, function: str, *args: Any, **kwargs: Any) -> CallResult:
        return self.pipe.call(function, *args, **kwargs)

    def call_spied(self, function: str, *args: Any, spied: list[str],
                   **kwargs: Any) -> CallResult:
        return self.pipe.call_spied(function, *args, spied=spied, **kwargs)

    def get(self, name: str, timeout: float | None = None) -> Any:
        return self.pipe.get(name, timeout)

    def defines(self, name: str) -> bool:
        return self.pipe.defines(name)

    def store_mnist(self, images: Any, labels: Any,
                    timeout: float = 60.0) -> tuple[Handle, Handle]:
        return self.pipe.store_mnist(images, labels, timeout)

    def store_images(self, images: Any, rows: int, timeout: float = 60.0) -> Any:
        return self.pipe.store_images(images, rows, timeout)

    def call_watched(self, function: str, *args: Any, **kwargs: Any) -> CallResult:
        return self.pipe.call_watched(function, *args, **kwargs)
