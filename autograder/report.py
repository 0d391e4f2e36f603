"""The grading report: what every consumer (terminal, JSON, nbgrader, leaderboard) reads."""

from __future__ import annotations

import json
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

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    def write(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        stages = [StageResult(**{**stage, "checks": [CheckResult(**c) for c in stage["checks"]]})
                  for stage in data["stages"]]
        return cls(**{**data, "stages": stages})
