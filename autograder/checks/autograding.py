"""GitHub Classroom's autograding result, from the student's own CI run: self-reported.

GitHub Classroom shows points that its reporter action (classroom-resources/
autograding-grading-reporter) reads from each "runner" step's output `result`: base64 of
{"version": 1, "status": "pass" | "fail" | "error", "max_score": N, "tests": [{"name",
"status", "score", "message", "test_code", "filename", "line_no", "execution_time"}]}; the
reporter adds up the tests' scores. The student's workflow controls every step of that run, so
these points are only the student's feedback; every name says "self-reported". The grade the
instructor trusts comes from `nnkit classroom grade`, signed, on the instructor's side.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping

from autograder.checks.report import Report

LABEL = "self-reported"
RUNNER = "nnkit"  # the reporter reads NNKIT_RESULTS (see the student workflow)
MESSAGE_LIMIT = 500


def result(report: Report) -> dict:
    """The reporter's format: one test per stage, its points as the test's score."""
    tests = []
    for stage in report.stages:
        failing = [check for check in stage.checks if not check.passed]
        if not stage.ran:
            message = "not run yet (an earlier stage is still failing)"
        elif failing:
            message = "; ".join(f"{c.id}: {c.message}" for c in failing)[:MESSAGE_LIMIT]
        else:
            message = "passed"
        tests.append({"name": f"stage {stage.stage} {stage.name} ({LABEL})",
                      "status": "pass" if stage.passed else "fail",
                      "score": stage.score, "message": message,
                      "test_code": f"nnkit grade --stages {stage.stage}", "filename": "",
                      "line_no": 0, "execution_time": ""})
    if not report.stages:
        status = "error"
    else:
        status = "pass" if all(stage.passed for stage in report.stages) else "fail"
    return {"version": 1, "status": status, "max_score": report.max_score, "tests": tests}


def encoded(report: Report) -> str:
    return base64.b64encode(json.dumps(result(report)).encode("utf-8")).decode("ascii")


def write_output(report: Report, environ: Mapping[str, str] = os.environ) -> bool:
    """In GitHub Actions, set this step's output `result` for the reporter; True if set."""
    target = environ.get("GITHUB_OUTPUT")
    if not target:
        return False
    with open(target, "a", encoding="utf-8") as stream:
        stream.write(f"result={encoded(report)}\n")
    return True
