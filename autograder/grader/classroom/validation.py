"""Which reports a board or a grade export may use, and why each other one is rejected.

Always rejected: values no grading can produce (an accuracy outside [0, 1], a negative time, a
score above its maximum or below zero, a maximum that is not the kit's, a `graded_at` in the
future). With a roster: a name not on it. With a key: a report whose signature does not verify.
Plausible values prove nothing on their own (anyone can write accuracy 0.99 by hand): only the
signature tells the instructor's grading from a forgery.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol

from autograder.checks.stages import STAGES
from autograder.grader.classroom import signing

CLOCK_SKEW = timedelta(minutes=5)  # runners' clocks differ a little; a report from later does not


class StageLike(Protocol):
    number: int
    score: float
    max_score: float


class EntryLike(Protocol):  # autograder.grader.classroom.leaderboard.Entry (not imported: no cycle)
    student: str
    graded_at: datetime
    score: float
    max_score: float
    stages: tuple
    accuracy: float | None
    train_seconds: float | None
    calibration: float | None


@dataclass(frozen=True)
class Rejection:
    source: str  # the file, or the student when there is no report at all
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


def roster_names(names: Iterable[str]) -> frozenset[str]:
    return frozenset(name.strip().casefold() for name in names if name.strip())


@dataclass(frozen=True)
class Policy:
    """What a report must satisfy; with neither key nor roster, only possible values."""

    key: signing.Key | None = None
    roster: frozenset[str] | None = None  # casefolded names (see roster_names)
    now: datetime | None = None  # "the future" starts here (default: the moment of checking)
    # With a deadline, a report must say it was fetched for it: a signed report from another
    # assignment or an earlier round (same course key) is not replayed into this board.
    deadline: datetime | None = None
    stage_maxima: dict[int, float] = field(
        default_factory=lambda: {stage.number: float(stage.max_score) for stage in STAGES})

    def reasons(self, data: dict, entry: EntryLike) -> list[str]:
        """Every reason to reject this report (empty: accept). `data` is its JSON."""
        found = impossible(entry, data, self.stage_maxima, self.now)
        if self.roster is not None and entry.student.casefold() not in self.roster:
            found.append(f"{entry.student!r} is not on the roster")
        if self.key is not None:
            problem = signing.problem(data, self.key)
            if problem:
                found.append(problem)
        if self.deadline is not None:
            source = data.get("source")
            given = source.get("deadline") if isinstance(source, dict) else None
            if not isinstance(given, str) or _moment(given) != self.deadline:
                found.append(f"it was graded for the deadline {given or '(none)'}, not "
                             f"{self.deadline.isoformat()}")
        return found


def _moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _negative(value: float | None) -> bool:
    return value is not None and value < 0


def impossible(entry: EntryLike, data: dict, stage_maxima: dict[int, float],
               now: datetime | None = None) -> list[str]:
    """Values no grading by this kit can produce, each as a reason."""
    found = []
    if entry.accuracy is not None and not 0.0 <= entry.accuracy <= 1.0:
        found.append(f"MNIST accuracy {entry.accuracy:g} is outside [0, 1]")
    for name, value in (("training time", entry.train_seconds),
                        ("calibration time", entry.calibration)):
        if _negative(value):
            found.append(f"{name} {value:g} s is negative")
    seconds = data.get("seconds")
    if isinstance(seconds, int | float) and not isinstance(seconds, bool) and (
            seconds < 0 or not math.isfinite(seconds)):
        found.append(f"grading time {seconds!r} s is negative")
    kit_max = sum(stage_maxima.values())
    if entry.max_score != kit_max:
        found.append(f"max_score is {entry.max_score:g}, but the kit's maximum is {kit_max:g}")
    if entry.score < 0 or entry.score > entry.max_score:
        found.append(f"score {entry.score:g} is outside [0, {entry.max_score:g}]")
    for stage in entry.stages:
        most = stage_maxima.get(stage.number)
        if most is None:
            found.append(f"stage {stage.number} is not one of the kit's stages")
        elif not 0 <= stage.score <= most or stage.max_score != most:
            found.append(f"stage {stage.number} scores {stage.score:g}/{stage.max_score:g}, but "
                         f"the kit's stage {stage.number} is worth {most:g}")
    total = sum(stage.score for stage in entry.stages)
    if entry.stages and abs(total - entry.score) > 1e-6:
        found.append(f"score {entry.score:g} is not the sum of its stages' scores ({total:g})")
    moment = now or datetime.now(timezone.utc)
    if entry.graded_at > moment + CLOCK_SKEW:
        found.append(f"graded_at {entry.graded_at.isoformat()} is in the future")
    return found


def policy_from_files(key_path: str | None, roster_path: str | None) -> Policy:
    """The policy of `--key FILE` and `--roster FILE` (either may be absent)."""
    from autograder.grader.classroom.roster import read_roster

    key = signing.load_key(key_path) if key_path else None
    roster = None
    if roster_path:
        roster = roster_names(s.name for s in read_roster(roster_path, need_urls=False))
    return Policy(key=key, roster=roster)
