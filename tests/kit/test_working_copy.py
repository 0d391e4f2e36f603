"""One working copy: `nnkit start` creates the notebook at the top of the student's folder (only
when it is absent, and says where it is), `nnkit check`, the pytest suite and the CI workflow
grade that same file, and every report names the file it graded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder import assignment
from autograder.checks.report import Report
from autograder.checks.summary import markdown
from autograder.cli import find_working_copy, main
from tests.kit.conftest import ROOT


@pytest.fixture
def student_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNKIT_SUBMISSION", raising=False)
    return tmp_path


def test_start_creates_the_notebook_here_and_says_where(student_folder):
    result = CliRunner().invoke(main, ["start"])
    assert result.exit_code == 0, result.output
    assert (student_folder / "neural_network.ipynb").is_file()
    assert "Wrote neural_network.ipynb: your working copy" in result.output
    assert not (student_folder / "my_work").exists()
    assert find_working_copy() == Path("neural_network.ipynb")


def test_start_leaves_existing_work_alone_and_says_where_it_is(student_folder):
    (student_folder / "neural_network.ipynb").write_text("my precious work", encoding="utf-8")
    result = CliRunner().invoke(main, ["start"])
    assert result.exit_code == 0, result.output
    assert "Your work is already in neural_network.ipynb (left as it is)" in result.output
    assert (student_folder / "neural_network.ipynb").read_text() == "my precious work"


def test_start_in_another_folder_says_how_to_check_it(student_folder):
    result = CliRunner().invoke(main, ["start", "elsewhere"])
    assert result.exit_code == 0, result.output
    assert "nnkit check --submission elsewhere/neural_network.ipynb" in result.output


def test_check_grades_the_file_start_wrote_and_names_it(student_folder):
    assignment.write_student_copy(student_folder)
    result = CliRunner().invoke(main, ["check", "--stage", "1"])
    assert result.exit_code == 1
    assert result.output.startswith("Stage 1: 0/10 points")  # the standing comes first
    assert "Graded: neural_network.ipynb" in result.output


def test_check_warns_about_an_old_second_copy_it_does_not_grade(student_folder):
    assignment.write_student_copy(student_folder)
    assignment.write_student_copy(student_folder / "my_work")
    result = CliRunner().invoke(main, ["check", "--stage", "1"])
    assert "Note: my_work/neural_network.ipynb is another copy and is not checked" in result.output


def test_the_grade_report_and_ci_summary_name_the_graded_file(student_folder):
    assignment.write_student_copy(student_folder)
    result = CliRunner().invoke(main, ["grade", "neural_network.ipynb", "--stages", "1",
                                       "--json", "report.json"])
    assert result.exit_code == 0, result.output
    assert "Graded: neural_network.ipynb" in result.output
    data = json.loads((student_folder / "report.json").read_text(encoding="utf-8"))
    assert data["submission"] == "neural_network.ipynb"
    # The summary escapes Markdown in names (a student's file name must not inject markup).
    assert "Graded file: neural\\_network.ipynb" in markdown(Report.from_dict(data))


def test_the_student_suite_names_and_grades_the_same_file(student_folder):
    assignment.write_student_copy(student_folder)
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    environment.pop("NNKIT_SUBMISSION", None)
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                          "--rootdir", str(student_folder), "-k", "stage1 and neuron_values",
                          str(ROOT / "tests" / "stages")],
                         cwd=student_folder, env=environment, capture_output=True, text=True,
                         timeout=300)
    assert "nnkit: checking neural_network.ipynb" in run.stdout, run.stdout + run.stderr
    assert "`neuron` is not written yet" in run.stdout


def test_the_ci_workflow_grades_the_file_start_creates():
    workflow = (ROOT / "autograder" / "templates" / "student_workflow.yml").read_text()
    assert f"nnkit grade {assignment.DEFAULT}.ipynb" in workflow
