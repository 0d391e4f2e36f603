"""The grading report: what every consumer (terminal, JSON, nbgrader, leaderboard) reads.

Reports are written whole or not at all (`Report.write`, through outputs.write_atomically) and
read back through one reader, in two modes: `read_report` for reports the kit wrote (grade-batch
resuming, grades.csv, nbgrader's exchange, `nnkit summary`), strict about what it needs and
tolerant of fields a newer kit added; `report_data` with `hostile=True` for what a board is sent
(anyone's file: every failure is a ReportError in plain words, never a traceback; the leaderboard
then checks each value, grader/classroom/leaderboard.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from autograder.outputs import write_atomically

NOT_A_REPORT = ("is not an nnkit report (no 'stages' list; write reports with "
                "`nnkit grade SUBMISSION --json report.json`)")


class ReportError(ValueError):
    """A report file that cannot be used; the message says why, in plain words."""


class ReportUnreadable(ReportError):
    """The file itself cannot be read (missing, no permission)."""


@dataclass
class CheckResult:
    id: str
    name: str
    passed: bool
    score: float
    max_score: float
    message: str = ""
    # A failing check's named mistake: {"id": stable id, "label": short label}
    # (autograder/checks/mistakes.py), so that a class's mistakes can be counted.
    mistake: dict | None = None


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
    # The fence's verdict on itself (autograder/sandbox/isolation.py, `Isolation.strength`):
    # "strong", "weak" or "none" (no submitted code ran); `isolation` names the fence.
    fence: str = ""
    # How it was graded, so that `nnkit regrade` can grade it again the same way: the stages
    # selected, the MNIST threshold and time budget, the reference substitution, and a
    # fingerprint of the course secret (never the secret; None: the public inputs).
    grading: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    def write(self, path: str | Path) -> None:
        write_atomically(Path(path), self.to_json() + "\n")

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        stages = [StageResult(**{**stage, "checks": [CheckResult(**c) for c in stage["checks"]]})
                  for stage in data["stages"]]
        return cls(**{**data, "stages": stages})


def report_data(path: str | Path, hostile: bool = False) -> dict:
    """A report file's JSON object. Strict (the kit's own reports): any failure to read or
    parse is a ReportError naming the cause. Hostile (anyone's file, for a board): the same,
    and the object must at least hold a list of stages; its values are still unchecked."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportUnreadable(f"cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ReportError("is not text (UTF-8 JSON expected)") from None
    except json.JSONDecodeError as error:
        raise ReportError(f"is not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(data, dict) or (hostile and not isinstance(data.get("stages"), list)):
        raise ReportError(NOT_A_REPORT)
    return data


def read_report(path: str | Path) -> Report:
    """A report the kit wrote, as a Report; ReportError if it is not one. Fields a newer kit
    added are ignored (they are kept in the file)."""
    data = report_data(path)
    known = {item.name for item in fields(Report)}
    try:
        return Report.from_dict({key: value for key, value in data.items() if key in known})
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ReportError(f"{NOT_A_REPORT[:-1]}: {type(error).__name__}: {error})") from None


def default_student(submission: str | Path, environ: Mapping[str, str] = os.environ) -> str:
    """Who a submission belongs to when no name is given: the GitHub user a CI job runs for,
    else the name of the folder holding the submission (a student's repository)."""
    for variable in ("GITHUB_ACTOR", "GITHUB_REPOSITORY_OWNER"):
        if environ.get(variable, "").strip():
            return environ[variable].strip()
    path = Path(submission).resolve()
    return (path if path.is_dir() else path.parent).name or path.stem
