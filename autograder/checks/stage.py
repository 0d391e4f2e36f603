"""Stages and checks: the vocabulary every stage module uses.

A check is a small function that asks the submission for something, compares the answer with an
independent computation, and raises `CheckFailed` with a message a student can act on. A stage
is an ordered list of checks with points; a check earns its points only if it passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from autograder.checks.context import Grading
from autograder.settings import hidden_by_course, points_of

CheckFunction = Callable[[Grading], "str | None"]  # a check gets the grading in progress


class CheckFailed(Exception):
    """A check's verdict: what was expected, what came back, where, and a hint."""


@dataclass
class Check:
    name: str
    kit_points: float  # the kit's; the course's [points] table may change them (`points`)
    needs: tuple[str, ...]
    run: CheckFunction
    stage: int = 0
    hidden: bool = False  # instructor-only: not shown in the student's suite or release

    @property
    def id(self) -> str:
        return f"stage{self.stage}.{self.run.__name__}"

    @property
    def points(self) -> float:
        """What the check is worth in the course in force (autograder/settings.py)."""
        return points_of(self.id, self.kit_points)

    @property
    def withheld(self) -> bool:
        """Hidden from students: by its module (`hidden=True`) or by the course's [hidden]
        checks. Graded by the instructor; cut from a release and nbgrader's visible cells."""
        return self.hidden or hidden_by_course(self.id)


@dataclass
class Stage:
    number: int
    name: str
    summary: str  # one line: what this stage is about
    checks: list[Check] = field(default_factory=list)

    @property
    def max_score(self) -> float:
        return sum(check.points for check in self.checks)

    @property
    def needs(self) -> tuple[str, ...]:
        names: list[str] = []
        for check in self.checks:
            names += [name for name in check.needs if name not in names]
        return tuple(names)

    def check(self, name: str, points: float, needs: tuple[str, ...] | list[str],
              hidden: bool = False) -> Callable[[CheckFunction], CheckFunction]:
        """Decorator: register the function as the next check of this stage."""

        def register(function: CheckFunction) -> CheckFunction:
            self.checks.append(Check(name, points, tuple(needs), function, self.number, hidden))
            return function

        return register
