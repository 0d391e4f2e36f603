"""What the grader provides to the checks, through their one door (checks/grader_seam.py).

The checks never import the grader; the seam finds this module by name when grading needs the
grader's own code, so the imports run one way (grader -> checks) and a student release, which
holds no grader/, simply has no provider. Add here, and to the seam, whatever else the checks
must ask of the grader; nothing else of checks/ may reach it.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from autograder.grader import arithmetic as _arithmetic
from autograder.grader.computed_values import REQUESTS


def computed_values() -> dict[str, Callable[..., dict]]:
    return REQUESTS


def arithmetic() -> types.ModuleType:
    return _arithmetic


def substitution(sub: Any, stages: Any) -> Any:
    from autograder.grader.substitution import Substitution  # only for --substitute-reference

    return Substitution(sub, stages)
