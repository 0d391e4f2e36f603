"""An instructor's adapted course graded with nbgrader: `nnkit nbgrader init`, real nbgrader.

The course is the README's worked example (tests/kit/test_course_checks.py: points, a hidden
kit check and a hidden course check, a stage 7 softmax module). `nnkit --course C nbgrader init
C/nbgrader` makes the nbgrader course; three students submit (the release untouched, a right
softmax, a wrong one; stage 6 left a stub, so nothing trains on MNIST); `nnkit nbgrader
autograde` grades them. The students' own test cells run in a kernel whose Python has only the
student kit that the release hands out (its wheel, installed into a virtual environment that
sees this machine's NumPy and Jupyter but no other copy of the kit).
"""

from __future__ import annotations

import copy
import csv
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from autograder import assignment, settings
from autograder.cli import main
from autograder.grader.course import ASSIGNMENT, driver
from autograder.grader.course.notebook import stage_tests_id
from autograder.grader.course.preprocessors import experiment_cells
from tests.kit.test_course_checks import HIDDEN, WRONG_SOFTMAX, make_course

HIDDEN_NAMES = ("sigmoid has no overflow warnings", "softmax does not overflow")


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_course(tmp_path_factory.mktemp("nbgrader-course"))


@pytest.fixture(scope="module")
def nbgrader_course(course: Path) -> Path:
    folder = course / "nbgrader"
    result = CliRunner().invoke(main, ["--course", str(course), "nbgrader", "init",
                                       str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def release_notebook(folder: Path) -> nbformat.NotebookNode:
    return nbformat.read(folder / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)


def answers(course: Path, wrong_softmax: bool = False) -> dict[str, str]:
    text = assignment.solution((course / "assignment" / "neural_network.py").read_text())
    if wrong_softmax:
        for old, new in WRONG_SOFTMAX:
            text = text.replace(old, new)
    return {cell.metadata["nbgrader"]["grade_id"]: cell.source
            for cell in assignment.notebook(text).cells
            if cell.metadata.get("nbgrader", {}).get("solution")
            and not cell.metadata["nbgrader"]["grade_id"].startswith("stage6")}


def filled(release: nbformat.NotebookNode, cells: dict[str, str]) -> nbformat.NotebookNode:
    notebook = copy.deepcopy(release)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in cells:
            cell.source = cells[grade_id]
    return notebook


@pytest.fixture(scope="module")
def autograded(course: Path, nbgrader_course: Path):
    release = release_notebook(nbgrader_course)
    students = {"untouched": release, "right": filled(release, answers(course)),
                "wrong": filled(release, answers(course, wrong_softmax=True))}
    for name, notebook in students.items():
        path = nbgrader_course / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
    previous = os.environ.get(settings.COURSE_ENV)
    os.environ[settings.COURSE_ENV] = str(course)  # as `nnkit --course C` pins it
    try:
        outcomes, result = driver.autograde(nbgrader_course, capture=True)
    finally:
        if previous is None:
            os.environ.pop(settings.COURSE_ENV)
        else:
            os.environ[settings.COURSE_ENV] = previous
    assert result.returncode == 0, result.stderr[-3000:]
    return {outcome.student: outcome for outcome in outcomes}, result


def test_the_nbgrader_course_is_made_from_the_installed_kit_and_pinned_to_the_course(
        course: Path, nbgrader_course: Path):
    config = (nbgrader_course / driver.CONFIG).read_text()
    assert f"{settings.COURSE_ENV}\", {str(course)!r}" in config
    released = nbgrader_course / "release" / ASSIGNMENT
    (wheel,) = (released / "vendor").glob("nnkit-*+student-py3-none-any.whl")
    assert f"./vendor/{wheel.name}" in (released / "requirements.txt").read_text()
    assert driver.release_leaks(released / f"{ASSIGNMENT}.ipynb") == []


def test_the_test_cells_carry_the_courses_points_and_its_own_stage(nbgrader_course: Path):
    points = {cell.metadata.nbgrader.grade_id: cell.metadata.nbgrader.points
              for cell in release_notebook(nbgrader_course).cells
              if cell.metadata.get("nbgrader", {}).get("grade")}
    assert points[stage_tests_id(2)] == 12  # 6 (the course's) + 2 (hidden) + 4
    assert points[stage_tests_id(7)] == 12  # the course's softmax stage: 8 + 4 (hidden)
    assert sum(points.values()) == 114


def test_an_autograde_of_untouched_and_edited_notebooks_prints_no_warning(autograded):
    _, result = autograded
    log = result.stdout + result.stderr
    assert "WARNING" not in log and "Warning" not in log, log[-3000:]
    assert "checksum" not in log


def test_nbgrader_grades_the_course_stage_and_the_hidden_checks(autograded, nbgrader_course):
    outcomes, _ = autograded
    assert outcomes["right"].stages[7] == 12 and outcomes["wrong"].stages[7] == 0
    assert outcomes["right"].stages[2] == 12  # the hidden kit check's 2 points included
    assert outcomes["untouched"].score == 0
    wrong = nbformat.read(nbgrader_course / "autograded" / "wrong" / ASSIGNMENT
                          / f"{ASSIGNMENT}.ipynb", 4)
    (cell,) = [cell for cell in wrong.cells
               if cell.metadata.get("nbgrader", {}).get("grade_id") == stage_tests_id(7)]
    text = "".join(output.get("text", "") for output in cell.outputs)
    assert "normalise each ROW" in text and "softmax does not overflow" in text


def test_export_writes_where_it_is_asked_from(autograded, nbgrader_course: Path,
                                              tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = driver.run_nbgrader(nbgrader_course, ["export", "--to", "out.csv"], capture=True)
    assert result.returncode == 0, result.stderr
    assert not (nbgrader_course / "out.csv").exists()
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    assert float(rows["right"]["stage7"]) == 12 and float(rows["wrong"]["stage7"]) == 0


# -- the student's side: only the student kit ----------------------------------------------------
@pytest.fixture(scope="module")
def student_python(nbgrader_course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment holding the release's student wheel, that sees this machine's
    packages (NumPy, Jupyter) through a path entry, but not the .pth files there: no other
    copy of the kit (an editable install of the instructor's) is importable."""
    folder = tmp_path_factory.mktemp("student") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True,
                   timeout=300)
    python = folder / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                           "'purelib'))"], capture_output=True, text=True, check=True).stdout
    (Path(site.strip()) / "machine.pth").write_text(sysconfig.get_path("purelib") + "\n")
    (wheel,) = (nbgrader_course / "release" / ASSIGNMENT / "vendor").glob("*.whl")
    run = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
                          "--target", site.strip(), str(wheel)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return python


def student_env(python: Path) -> dict[str, str]:
    """The student's environment, with a kernel named `student` on the student's Python (a
    kernel named python3 may run another Python on this machine)."""
    spec = python.parent.parent / "share" / "jupyter" / "kernels" / "student"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "student", "language": "python"}))
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "NNKIT_COURSE", "NNKIT_ASSIGNMENT",
                                  "NNKIT_COURSE_SECRET", "NNKIT_COURSE_SECRET_FILE")}
    return {**environment, "JUPYTER_PATH": str(spec.parent.parent)}


EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
notebook = nbformat.read(sys.argv[1], 4)
NotebookClient(notebook, timeout=300, kernel_name="student", allow_errors=True,
               resources={"metadata": {"path": sys.argv[3]}}).execute()
nbformat.write(notebook, sys.argv[2])
"""


def test_the_students_test_cells_run_with_the_student_wheel_and_show_no_hidden_check(
        course: Path, nbgrader_course: Path, student_python: Path, tmp_path: Path):
    notebook = filled(release_notebook(nbgrader_course), answers(course, wrong_softmax=True))
    skipped = experiment_cells(notebook)  # the demos (MNIST training, pictures): not needed
    notebook.cells = [cell for index, cell in enumerate(notebook.cells) if index not in skipped]
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import importlib.util, autograder\n"
        "print('grader:', importlib.util.find_spec('autograder.grader'), autograder.__file__)"))
    source, done = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(notebook, source)
    public = nbgrader_course / "release" / ASSIGNMENT / settings.SETTINGS_FILE
    assert not [check_id for check_id in HIDDEN if check_id in public.read_text()]
    (tmp_path / settings.SETTINGS_FILE).write_text(public.read_text())  # the student's folder
    run = subprocess.run([str(student_python), "-c", EXECUTE, str(source), str(done),
                          str(tmp_path)], env=student_env(student_python), capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    cells = [cell for cell in nbformat.read(done, 4).cells if cell.cell_type == "code"]

    def output(cell) -> str:
        return "".join(o.get("text", "") + json.dumps(o.get("data", {})) + o.get("evalue", "")
                       for o in cell.outputs)

    tests = {cell.metadata["nbgrader"]["grade_id"]: output(cell) for cell in cells
             if cell.metadata.get("nbgrader", {}).get("grade")}
    assert not [cell for cell in cells if any(o.output_type == "error" for o in cell.outputs)
                and cell.metadata.get("nbgrader", {}).get("grade")]
    assert "PASS sigmoid gives 1/(1+e^-z) for scalars and arrays of any shape (6/6)" in \
        tests[stage_tests_id(2)]  # the course's points, from its public settings
    assert "FAIL softmax gives each row's probabilities" in tests[stage_tests_id(7)]
    assert "normalise each ROW" in tests[stage_tests_id(7)]
    shown = "\n".join(tests.values())
    assert not [name for name in HIDDEN_NAMES if name in shown]
    assert "grader: None" in output(cells[-1]) and str(student_python.parent.parent) in \
        output(cells[-1])


def test_the_student_wheel_writes_no_solution(student_python: Path, tmp_path: Path):
    run = subprocess.run([str(student_python), "-m", "autograder.cli", "generate", "out"],
                         cwd=tmp_path, env=student_env(student_python), capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no solution written" in run.stdout
    assert not list((tmp_path / "out").rglob("*solution*"))
    written = (tmp_path / "out" / "student" / "neural_network.py").read_text()
    assert "NotImplementedError" in written and "BEGIN SOLUTION" not in written
