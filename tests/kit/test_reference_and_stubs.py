"""The reference solution earns full marks on all six stages; the released stubs fail every
stage with a friendly message; the CLI writes the report and uses its exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from autograder.checks.grade import GradeOptions, grade
from autograder.checks.stages import STAGES


@pytest.fixture(scope="session")
def reference_report(tmp_path_factory):
    """The reference graded once through the real CLI (all six stages, MNIST included)."""
    out = tmp_path_factory.mktemp("reference") / "report.json"
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "--reference",
                           "--json", str(out), "--quiet"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def test_reference_solution_passes_all_six_stages_with_full_marks(reference_report):
    assert reference_report["score"] == reference_report["max_score"] == 100
    assert [stage["score"] for stage in reference_report["stages"]] == [10, 10, 15, 25, 20, 20]
    failed = [c["name"] for s in reference_report["stages"] for c in s["checks"] if not c["passed"]]
    assert failed == []


def test_reference_report_has_mnist_accuracy_and_training_time(reference_report):
    assert reference_report["mnist"]["accuracy"] >= 0.95
    assert reference_report["mnist"]["train_seconds"] > 0
    for key in ("score", "max_score", "stages", "mnist", "kit_version", "seed", "isolation",
                "graded_at"):
        assert key in reference_report


def test_stubs_fail_every_stage_with_a_friendly_message(stub_file):
    report = grade(stub_file, GradeOptions())
    assert report.score == 0
    for stage in report.stages:
        assert stage.ran and not stage.passed, stage.name
        for check in stage.checks:
            assert not check.passed
            assert "Traceback" not in check.message and "File \"" not in check.message
            assert ("not written yet" in check.message or "not defined" in check.message), (
                check.message)


def test_stub_messages_name_the_function_and_the_next_step(stub_file):
    report = grade(stub_file, GradeOptions(stages=(1,)))
    message = report.stages[0].checks[0].message
    assert "`neuron`" in message and "nnkit check --stage 1" in message


def test_points_per_stage_add_up_to_100():
    assert [stage.max_score for stage in STAGES] == [10, 10, 15, 25, 20, 20]


def test_grade_exits_0_whatever_the_score_and_2_on_usage_errors(stub_file, tmp_path):
    out = tmp_path / "stub.json"
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(stub_file),
                          "--stages", "1-2", "--json", str(out), "--quiet"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(out.read_text())["score"] == 0
    bad = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(stub_file),
                          "--stages", "9"], capture_output=True, text=True)
    assert bad.returncode == 2 and "stages are numbered" in bad.stderr
