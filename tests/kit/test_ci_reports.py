"""What a CI job adds to a report, and shows: whose work it is (`--student`), how fast the machine
was (`nnkit calibrate`), and the Markdown job summary (`nnkit summary`)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from autograder.checks import calibration
from autograder.checks.report import Report, default_student
from autograder.checks.stages import STAGES
from autograder.checks.summary import markdown
from autograder.cli import main
from tests.kit.reports import report


def test_the_student_defaults_to_the_github_user_then_the_owner_then_the_folder(tmp_path):
    work = tmp_path / "grace-hopper" / "neural_network.ipynb"
    assert default_student(work, {"GITHUB_ACTOR": "octocat",
                                  "GITHUB_REPOSITORY_OWNER": "course-org"}) == "octocat"
    assert default_student(work, {"GITHUB_REPOSITORY_OWNER": "course-org"}) == "course-org"
    assert default_student(work, {"GITHUB_ACTOR": "  "}) == "grace-hopper"
    work.parent.mkdir()
    assert default_student(work.parent, {}) == "grace-hopper"


def test_grade_writes_the_student_into_the_report_and_no_calibration_without_training(
        stub_file, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    for extra, expected in (([], "octocat"), (["--student", "Ada L."], "Ada L.")):
        out = tmp_path / f"{expected}.json"
        result = CliRunner().invoke(main, ["grade", str(stub_file), "--stages", "1-2", "--quiet",
                                           "--json", str(out), *extra])
        assert result.exit_code == 0, result.output
        data = json.loads(out.read_text(encoding="utf-8"))
        assert data["student"] == expected
        assert data["calibration"] is None, "nothing was trained, so there is no speed to show"
        assert Report.from_dict(data).student == expected


def test_the_reference_workload_is_fixed_and_timed_in_seconds(monkeypatch):
    # Determinism on a small slice (here, in this process, BLAS may use every core).
    monkeypatch.setattr(calibration, "SAMPLES", 256)
    inputs = calibration.workload_inputs()
    assert calibration.reference_workload(*inputs) == calibration.reference_workload(*inputs)
    assert calibration.reference_workload(*calibration.workload_inputs(seed=1)) != \
        calibration.reference_workload(*inputs)
    monkeypatch.undo()
    seconds = calibration.measure(repeats=1)  # the full workload, in its own process
    assert 0.001 < seconds < 60
    result = CliRunner().invoke(main, ["calibrate"])
    assert result.exit_code == 0 and float(result.output) > 0.001


def test_the_summary_is_a_table_of_stages_points_accuracy_and_time():
    text = markdown(report("ada", accuracy=0.9761, train_seconds=14.2, calibration=0.25))
    assert text.startswith("## nnkit: 100/100 for ada\n")
    checks = len(STAGES[0].checks)
    assert f"| 1 one neuron | 10/10 | {checks}/{checks} | ✅ |" in text
    assert "| **total** | **100/100** | | |" in text
    assert "**MNIST test accuracy: 97.61%** · training time 14.2 s (56.8× this runner's " \
           "reference workload of 0.25 s)" in text


def test_the_summary_of_unfinished_work_lists_failing_checks_and_locked_stages():
    text = markdown(report("bob", passed=2))
    assert "MNIST: not trained yet" in text
    assert "| 3 forward pass |" in text and "❌ |" in text and "🔒 |" in text
    assert "<details><summary>" in text and "failing check" in text


def test_nnkit_summary_appends_to_the_github_step_summary(tmp_path, monkeypatch):
    path = tmp_path / "report.json"
    report("ada", passed=3).write(path)
    step_summary = tmp_path / "summary.md"
    step_summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    result = CliRunner().invoke(main, ["summary", str(path)])
    assert result.exit_code == 0, result.output
    written = step_summary.read_text(encoding="utf-8")
    assert written.startswith("earlier step\n## nnkit: ")
    assert written.endswith(result.stdout)


@pytest.mark.parametrize("content, expected", [
    (None, "cannot read the report"),
    ("{not json", "is not a report written by `nnkit grade --json`"),
    ('{"name": "left-pad"}', "is not a report written by `nnkit grade --json`"),
])
def test_nnkit_summary_explains_a_missing_or_foreign_report(tmp_path, content, expected):
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["summary", str(path)])
    assert result.exit_code == 1
    assert expected in result.output and str(path) in result.output


def test_only_a_report_that_trained_gets_the_machines_speed(monkeypatch):
    trained, untrained = report("ada", accuracy=0.97, train_seconds=3.0), report("bob", passed=2)
    calibration.calibrate(trained)
    calibration.calibrate(untrained)
    assert trained.calibration > 0 and untrained.calibration is None

    def broken(repeats: int = 3) -> float:
        raise RuntimeError("it failed: MemoryError")

    monkeypatch.setattr(calibration, "measure", broken)
    again = report("carol", accuracy=0.97, train_seconds=3.0)
    calibration.calibrate(again)
    assert again.calibration is None
    assert again.problems == ["the reference workload could not be timed (it failed: "
                              "MemoryError), so the training time cannot be compared across "
                              "machines"]
