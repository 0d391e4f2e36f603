"""The grading report: what every consumer (terminal, JSON, nbgrader, leaderboard) reads."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class CheckResult:
    id: str
    name: str
    passed: bool
    score: float
    max_score: float
    message: str = ""


@dataclass
class StageResult:
    stage: int
    name: str
    passed: bool
    score: float
    max_score: float
    checks: list[CheckResult] = field(default_factory=list)
    ran: bool = True  # False when not graded (not selected, or locked behind a failing stage)
    # Functions this stage ran from the reference solution because they failed in an earlier
    # stage (GradeOptions.substitute_reference; see autograder/grader/substitution.py).
    substituted: list[str] = field(default_factory=list)


@dataclass
class Report:
    submission: str
    score: float
    max_score: float
    stages: list[StageResult]
    mnist: dict = field(default_factory=lambda: {"accuracy": None, "train_seconds": None})
    problems: list[str] = field(default_factory=list)  # load problems: skipped cells and such
    isolation: str = ""
    kit_version: str = ""
    seed: int = 0
    graded_at: str = ""
    seconds: float = 0.0
    student: str = ""  # whose work this is, for the leaderboard (see `default_student`)
    # Seconds of the fixed reference workload (autograder/checks/calibration.py) measured in
    # the same job as an MNIST training, so that times from different machines can be compared.
    calibration: float | None = None
    # What the checks used: "public" inputs or ones drawn from the "course secret"
    # (autograder/checks/inputs.py), and "live" grader arithmetic or the values "recorded" in a
    # student release (autograder/checks/expected.py).
    inputs: str = ""
    expected_values: str = ""
    # Instructor-side grading of a student's repository (autograder/grader/classroom/): which
    # repository, commit and commit time; per graded function, its similarity to the kit's
    # reference; and a signature over all the rest (signing.py), so a board can tell it from a
    # hand-written report.
    source: dict = field(default_factory=dict)
    similarity: dict = field(default_factory=dict)
    signature: dict | None = None
    # Top-level statements not run at grading because they call the submission's own functions
    # or the kit's helpers (experiments: training runs, plots), one per line, by cell and line.
    skipped: list[str] = field(default_factory=list)
    # The course's settings the grading used (autograder/settings.py, or the command line's):
    # threshold, time_budget, allowed_packages, so any report says what it was held to.
    settings: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        stages = [StageResult(**{**stage, "checks": [CheckResult(**c) for c in stage["checks"]]})
                  for stage in data["stages"]]
        return cls(**{**data, "stages": stages})


def default_student(submission: str | Path, environ: Mapping[str, str] = os.environ) -> str:
    """Who a submission belongs to when no name is given: the GitHub user a CI job runs for,
    else the name of the folder holding the submission (a student's repository)."""
    for variable in ("GITHUB_ACTOR", "GITHUB_REPOSITORY_OWNER"):
        if environ.get(variable, "").strip():
            return environ[variable].strip()
    path = Path(submission).resolve()
    return (path if path.is_dir() else path.parent).name or path.stem
