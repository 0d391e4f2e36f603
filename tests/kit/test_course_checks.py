"""Adapting the assignment without editing the kit: the README's worked example, for real.

A course made with `nnkit course init`, adapted as the README's "Adapting the assignment" says
(docs/course_example/: points, a hidden kit check and a hidden course check, a stage 7 softmax
module in COURSE/checks/, its answer cell appended to the course's assignment). Graded with
`nnkit grade` in the instructor's kit, and in the student release `nnkit release` writes, whose
own kit (its wheel, unpacked) grades with the values it recorded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder import assignment
from autograder.cli import main
from autograder.errors import EXIT_ENVIRONMENT
from tests.kit.conftest import ROOT
from tests.kit.release_kit import installed

EXAMPLE = ROOT / "docs" / "course_example"
HIDDEN = ("stage2.sigmoid_is_stable", "stage7.softmax_is_stable")


def adapt(course: Path) -> None:
    """The README's steps: the module, the assignment's new cell, the settings lines."""
    (course / "checks").mkdir()
    shutil.copy(EXAMPLE / "checks" / "softmax.py", course / "checks" / "softmax.py")
    source = course / "assignment" / "neural_network.py"
    source.write_text(source.read_text(encoding="utf-8")
                      + (EXAMPLE / "softmax_cell.py").read_text(encoding="utf-8"),
                      encoding="utf-8")
    shutil.copy(EXAMPLE / "nnkit-course.toml", course / "nnkit-course.toml")


def make_course(where: Path) -> Path:
    course = where / "course"
    result = CliRunner().invoke(main, ["course", "init", str(course)])
    assert result.exit_code == 0, result.output
    adapt(course)
    return course


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_course(tmp_path_factory.mktemp("adapted"))


def solution(course: Path) -> str:
    return assignment.solution((course / "assignment" / "neural_network.py").read_text())


WRONG_SOFTMAX = [  # each column normalised instead of each row
    ("np.max(z, axis=1, keepdims=True)", "np.max(z, axis=0, keepdims=True)"),
    ("np.sum(shifted, axis=1, keepdims=True)", "np.sum(shifted, axis=0, keepdims=True)")]


@pytest.fixture(scope="module")
def students(course: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("students")
    right = solution(course)
    wrong = right
    for old, new in WRONG_SOFTMAX:
        assert wrong.count(old) == 1
        wrong = wrong.replace(old, new)
    paths = {"right": folder / "right.py", "wrong": folder / "wrong.py"}
    paths["right"].write_text(right, encoding="utf-8")
    paths["wrong"].write_text(wrong, encoding="utf-8")
    return paths


def nnkit_grade(course: Path, submission: Path, out: Path, *extra: str) -> dict:
    """`nnkit --course COURSE grade SUBMISSION --stages 2,7 --json OUT`, in this process."""
    result = CliRunner().invoke(main, ["--course", str(course), "grade", str(submission),
                                       "--stages", "2,7", "--json", str(out), "--quiet", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def checks(report: dict) -> dict[str, dict]:
    return {check["id"]: check for stage in report["stages"] for check in stage["checks"]}


@pytest.fixture(scope="module")
def instructor(course: Path, students: dict[str, Path], tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("reports")
    return {name: nnkit_grade(course, path, out / f"{name}.json")
            for name, path in students.items()}


# -- the instructor's grading --------------------------------------------------------------------
def test_the_courses_points_are_the_reports_points(instructor: dict[str, dict]):
    found = checks(instructor["right"])
    assert found["stage2.sigmoid_values"]["max_score"] == 6  # the kit's: 4
    assert found["stage7.softmax_values"]["max_score"] == 8  # the module's: 6
    stage7 = next(stage for stage in instructor["right"]["stages"] if stage["stage"] == 7)
    assert stage7["name"] == "softmax" and stage7["score"] == stage7["max_score"] == 12
    assert instructor["right"]["max_score"] == 100 + 2 + 12


def test_the_course_stage_passes_a_right_softmax_and_names_a_wrong_one(
        instructor: dict[str, dict]):
    assert all(check["passed"] for check in checks(instructor["right"]).values()
               if check["id"].startswith(("stage2.", "stage7.")))
    wrong = checks(instructor["wrong"])["stage7.softmax_values"]
    assert not wrong["passed"] and wrong["score"] == 0
    assert "softmax(z) for a batch of 3 samples is wrong" in wrong["message"]
    assert "normalise each ROW" in wrong["message"]
    assert instructor["wrong"]["inputs"] == "course secret"  # the course's hidden inputs


def test_hidden_checks_are_graded_by_the_instructor(instructor: dict[str, dict]):
    found = checks(instructor["right"])
    assert all(found[check_id]["passed"] for check_id in HIDDEN)


def test_a_kit_stage_grows_by_a_course_modules_check(course: Path, students, tmp_path: Path):
    (course / "checks" / "extra_sigmoid.py").write_text(
        "from autograder.checks.stage import CheckFailed, Stage\n\n"
        "STAGE = Stage(2, 'sigmoid', '')\n\n\n"
        "@STAGE.check('sigmoid(0) is exactly one half', 1, ['sigmoid'])\n"
        "def sigmoid_half(sub):\n"
        "    if sub.call('sigmoid', 0.0).value != 0.5:\n"
        "        raise CheckFailed('sigmoid(0) should be 0.5')\n", encoding="utf-8")
    try:
        report = nnkit_grade(course, students["right"], tmp_path / "r.json")
    finally:
        (course / "checks" / "extra_sigmoid.py").unlink()
    stage2 = next(stage for stage in report["stages"] if stage["stage"] == 2)
    assert [check["id"] for check in stage2["checks"]][-1] == "stage2.sigmoid_half"
    assert stage2["score"] == stage2["max_score"] == 13


@pytest.mark.parametrize("module, message", [
    ("import numpy\nSTAGE = Stage(7, 'x', 'y')\n", "fails to load at line 2: NameError"),
    ("from autograder.checks.stage import Stage\nSTAGE = Stage(9, 'x', 'y')\n",
     "numbered 9, but the stages so far are 1-7"),
    ("X = 1\n", "defines no STAGE"),
])
def test_a_broken_course_module_is_an_environment_fault_in_one_line(
        course: Path, students, tmp_path: Path, module: str, message: str):
    (course / "checks" / "zz_broken.py").write_text(module, encoding="utf-8")
    try:
        result = CliRunner().invoke(main, ["--course", str(course), "grade",
                                           str(students["right"]), "--stages", "2"])
    finally:
        (course / "checks" / "zz_broken.py").unlink()
    assert result.exit_code == EXIT_ENVIRONMENT, result.output
    assert message in result.output and "Traceback" not in result.output


# -- the student release -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def release(course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "repo"
    result = CliRunner().invoke(main, ["--course", str(course), "release", str(out)])
    assert result.exit_code == 0, result.output
    return out


def release_grade(release: Path, submission: Path) -> dict:
    """`nnkit grade` with the release's own kit (its wheel unpacked), in the release folder."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("NNKIT_COURSE", "NNKIT_ASSIGNMENT", "NNKIT_COURSE_SECRET",
                          "NNKIT_COURSE_SECRET_FILE")}
    env["PYTHONPATH"] = str(installed(release))
    out = release / f"{submission.stem}.json"
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(submission),
                          "--stages", "2,7", "--json", str(out), "--quiet"], cwd=release,
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_release_ships_the_courses_visible_checks_and_no_hidden_one(release: Path):
    site = installed(release)
    shipped = (site / "autograder" / "checks" / "course_checks" / "softmax.py").read_text()
    assert "def softmax_values" in shipped
    assert "softmax_is_stable" not in shipped  # hidden by the course's settings
    assert "softmax_answers" not in shipped and "np.exp" not in shipped  # the grader's arithmetic
    kit_stage2 = (site / "autograder" / "checks" / "stages" / "stage2_sigmoid.py").read_text()
    assert "def sigmoid_values" in kit_stage2 and "def sigmoid_is_stable" not in kit_stage2
    assert not (site / "autograder" / "grader").exists()


def test_the_release_grades_the_course_stage_with_its_recorded_values(
        release: Path, students: dict[str, Path]):
    right, wrong = (release_grade(release, students[name]) for name in ("right", "wrong"))
    assert right["expected_values"] == "recorded" and right["inputs"] == "public"
    assert set(checks(right)) & set(HIDDEN) == set()
    assert checks(right)["stage7.softmax_values"]["passed"]
    message = checks(wrong)["stage7.softmax_values"]["message"]
    assert not checks(wrong)["stage7.softmax_values"]["passed"] and "normalise each ROW" in message


def test_the_readme_shows_the_example_as_the_tests_grade_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Adapting the assignment", 1)[1].split("\n### ", 1)[0]
    for shown in ("checks/softmax.py", "softmax_cell.py"):
        assert (EXAMPLE / shown).read_text(encoding="utf-8").strip() in section, shown
    settings_lines = (EXAMPLE / "nnkit-course.toml").read_text(encoding="utf-8").split("\n", 1)[1]
    assert settings_lines.strip() in section
