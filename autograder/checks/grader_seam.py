"""The one door from the checks to the grader (autograder/grader/), which never ships.

The layers run one way: grader/ imports checks/, never the reverse. The checks need the
grader's code in three places, only in the instructor's kit and only while grading: the values
computed live (read by expected.py), the grader's own arithmetic (its forward pass for
parameters a submission trained, stage 5's replay of training) and the reference substitution
(--substitute-reference). They get it here, from the one module the grader provides for them
(PROVIDER, autograder/grader/provider.py), found by name when first asked for: the checks do
not import the grader, so no import runs back up the layers, and a student release, which holds
no grader/, has no provider (expected.py answers from recorded values there).
tests/kit/test_layers.py fails on any import of the grader from checks/, student/, the sandbox
or the worker side.
"""

from __future__ import annotations

import functools
import importlib
import types
from collections.abc import Callable
from typing import Any

PROVIDER = "autograder.grader.provider"


@functools.cache
def _provider() -> types.ModuleType:
    """The grader's provider module; ModuleNotFoundError in a student release."""
    return importlib.import_module(PROVIDER)


def computed_values() -> dict[str, Callable[..., dict]]:
    """Every request expected.py can ask, answered by the grader's arithmetic."""
    return _provider().computed_values()


def arithmetic() -> types.ModuleType:
    """The grader's own network arithmetic (forward pass, gradients, training replay)."""
    return _provider().arithmetic()


def substitution(sub: Any, stages: Any) -> Any:
    """The reference substitution for `sub` (instructor grading, --substitute-reference)."""
    return _provider().substitution(sub, stages)
