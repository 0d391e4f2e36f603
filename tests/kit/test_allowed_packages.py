"""Submitted code runs on NumPy and the standard library: any other package (SciPy here) is
importable at grading only where the course's settings allow it (`allowed_packages` in
nnkit-course.toml), in every grading path alike; `nnkit check` refuses exactly what grading
refuses, and names the import first. NumPy's own imports and the kit's helpers keep working."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.checks.grade import GradeOptions, grade
from autograder.grader import gradescope
from tests.kit.catalogue.mistakes import SCIPY_SIGMOID, STABLE_SIGMOID
from tests.kit.conftest import apply_edits

TOP_LEVEL_IMPORT = ("import numpy as np\n", "import numpy as np\nfrom scipy.special import expit\n")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "nnkit-course.toml").write_text('[grading]\nallowed_packages = ["scipy"]\n')
    return folder


@pytest.fixture
def top_level_scipy(solution_text: str, tmp_path: Path) -> Path:
    path = tmp_path / "work" / "neural_network.py"
    path.parent.mkdir()
    path.write_text(apply_edits(solution_text, [TOP_LEVEL_IMPORT,
                                                (STABLE_SIGMOID, "    return expit(z)\n")]))
    return path


def run_cli(*arguments: str, cwd: Path, course: Path | None = None
            ) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("NNKIT_COURSE", None)
    if course is not None:
        env["NNKIT_COURSE"] = str(course)
    return subprocess.run([sys.executable, "-m", "autograder.cli", *arguments], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_check_names_the_refused_import_first(top_level_scipy):
    done = run_cli("check", "--stage", "2", cwd=top_level_scipy.parent)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    lines = done.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Fix this first:"))
    failing = next(i for i, line in enumerate(lines) if "[FAIL] sigmoid gives" in line)
    assert first < failing, done.stdout  # the cause comes before the checks it breaks
    assert "the import `from scipy.special import expit` failed" in lines[first], lines[first]
    assert ("scipy is not available at grading (your code imports scipy.special): the course "
            "allows NumPy and the standard library") in lines[first]
    blamed = lines[failing + 1].strip()
    assert "failed import" in blamed and "definitions" not in blamed, blamed


def test_the_course_allows_a_package_in_every_path(top_level_scipy, course, tmp_path):
    refused = grade(top_level_scipy, GradeOptions(stages=(2,), allowed_packages=()))
    allowed = grade(top_level_scipy, GradeOptions(stages=(2,), allowed_packages=("scipy",)))
    assert refused.stages[1].score == 0 and allowed.stages[1].passed
    # `nnkit check` and grade-batch read the course's settings (NNKIT_COURSE)
    assert run_cli("check", "--stage", "2", cwd=top_level_scipy.parent,
                   course=course).returncode == 0
    for setting, stage_two in ((course, "10"), (None, "0")):
        out = tmp_path / f"reports-{stage_two}"
        done = run_cli("grade-batch", str(top_level_scipy.parent), "--out", str(out),
                       "--stages", "2", "--public-inputs", cwd=tmp_path, course=setting)
        assert done.returncode == 0, done.stderr
        row = next(csv.DictReader((out / "grades.csv").open()))
        assert row["stage2"] == stage_two, row


def test_gradescope_package_carries_the_course_setting(course, tmp_path, monkeypatch):
    monkeypatch.setenv("NNKIT_COURSE", str(course))
    package = gradescope.build_package(tmp_path / "autograder.zip")
    with zipfile.ZipFile(package) as archive:
        settings = json.loads(archive.read(gradescope.SETTINGS))
    assert settings["allowed_packages"] == ["scipy"]


def test_numpy_internals_and_the_kits_helpers_still_import(solution_text, tmp_path):
    # np.linalg and np.fft are loaded lazily inside the call; matplotlib through the kit's
    # plots and by the student's own import; the guard judges only what the submission imports
    helper = ("import numpy as np\n", "import numpy as np\nimport matplotlib.pyplot as plt\n"
              "from autograder.student import plots\n")
    inside = (STABLE_SIGMOID, STABLE_SIGMOID.replace(
        "    return ", "    assert np.linalg.norm(np.fft.fft(np.ones(2))) > 0\n    return "))
    path = tmp_path / "helpers.py"
    path.write_text(apply_edits(solution_text, [helper, inside]))
    report = grade(path, GradeOptions(stages=(2,), allowed_packages=()))
    assert report.stages[1].passed and report.problems == [], report.problems


def test_an_import_inside_a_function_is_refused_by_default(solution_text, tmp_path):
    path = tmp_path / "inside.py"
    path.write_text(apply_edits(solution_text, [(STABLE_SIGMOID, SCIPY_SIGMOID)]))
    report = grade(path, GradeOptions(stages=(2,), allowed_packages=()))
    message = report.stages[1].checks[0].message
    assert message.startswith("`sigmoid` raised ImportError: scipy is not available at grading"), \
        message
