"""No fence, no grade: as an unprivileged instructor with no bubblewrap, grading for credit
(grade-batch, the Gradescope run, nbgrader's driver through the same policy) refuses with one
line and exit status 3 unless the risk is accepted explicitly (--unsafe, NNKIT_UNSAFE=1); a
student's own `nnkit check` still runs, and says once that it is unfenced. With bubblewrap the
same unprivileged instructor grades normally, fenced."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.errors import EXIT_ENVIRONMENT, KitEnvironmentError
from autograder.grader.course_folder import init_course
from autograder.sandbox.isolation import Isolation
from autograder.sandbox.policy import fence_for_credit
from tests.kit.conftest import ROOT
from tests.kit.unprivileged import NOBODY, as_nobody

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="drops to nobody from root")


COURSE = "nnkit-course"


@pytest.fixture
def world(solution_text: str):
    """A class folder, an output folder and a home that nobody may use (outside pytest's
    folders, which are root's alone)."""
    tmp_path = Path(tempfile.mkdtemp(prefix="nnkit-nobody-"))
    os.chmod(tmp_path, 0o755)
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ada.py").write_text(solution_text, encoding="utf-8")
    (tmp_path / "home").mkdir()
    init_course(tmp_path / COURSE)  # nobody's course: grading for credit needs its secret
    for path in (tmp_path, tmp_path / "class", tmp_path / "home", tmp_path / COURSE,
                 *(tmp_path / COURSE).rglob("*")):
        os.chown(path, NOBODY, NOBODY)
    yield tmp_path
    shutil.rmtree(tmp_path)


def nnkit_as_nobody(world: Path, *args: str, bubblewrap: bool = False,
                    **env: str) -> subprocess.CompletedProcess:
    # No bubblewrap: PATH is an empty folder (the kit looks bwrap up on PATH).
    empty = world / "no-bwrap"
    empty.mkdir(exist_ok=True)
    environment = {"HOME": str(world / "home"), "PYTHONPATH": str(ROOT), "NO_COLOR": "1",
                   "PATH": "/usr/local/bin:/usr/bin:/bin" if bubblewrap else str(empty),
                   "NNKIT_MNIST_DIR": os.environ["NNKIT_MNIST_DIR"],
                   "NNKIT_CACHE_DIR": str(world / "home" / "cache"),
                   "NNKIT_COURSE": str(world / COURSE), **env}
    command = as_nobody(["/usr/bin/env", "-i", *(f"{k}={v}" for k, v in environment.items()),
                         sys.executable, "-m", "autograder.cli", *args])
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=world)


def test_grade_batch_refuses_without_a_fence_in_one_line_with_exit_status_3(world):
    done = nnkit_as_nobody(world, "grade-batch", str(world / "class"), "--out",
                           str(world / "out"), "--stages", "1")
    assert done.returncode == EXIT_ENVIRONMENT, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("nnkit: cannot grade here: no fence to grade for credit here")
    assert "install bubblewrap" in lines[0] and "--unsafe" in lines[0]
    assert not (world / "out" / "ada.json").exists()  # nothing was graded


def test_grade_batch_with_unsafe_grades_and_says_the_fence_is_missing(world):
    done = nnkit_as_nobody(world, "grade-batch", str(world / "class"), "--out",
                           str(world / "out"), "--stages", "1", "--unsafe")
    assert done.returncode == 0, done.stderr
    report = json.loads((world / "out" / "ada.json").read_text())
    assert report["score"] == 10
    assert report["isolation"].startswith("process group + rlimits")


def test_a_non_root_instructor_with_bubblewrap_grades_fenced(world):
    done = nnkit_as_nobody(world, "grade-batch", str(world / "class"), "--out",
                           str(world / "out"), "--stages", "1", bubblewrap=True)
    assert done.returncode == 0, done.stderr
    report = json.loads((world / "out" / "ada.json").read_text())
    assert report["score"] == 10 and report["isolation"].startswith("bubblewrap")


def test_a_students_own_check_runs_unfenced_and_says_so_once(world):
    done = nnkit_as_nobody(world, "check", "--stage", "1", "--submission",
                           str(world / "class" / "ada.py"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("no sandbox here") == 1
    assert "your code runs as you" in done.stdout


def test_the_policy_refuses_the_fallback_unless_unsafe(monkeypatch):
    monkeypatch.setenv("NNKIT_ISOLATION", "process")
    monkeypatch.delenv("NNKIT_UNSAFE", raising=False)
    with pytest.raises(KitEnvironmentError, match="no fence to grade for credit here"):
        fence_for_credit()
    assert type(fence_for_credit(unsafe=True)) is Isolation
    monkeypatch.setenv("NNKIT_UNSAFE", "1")
    assert type(fence_for_credit()) is Isolation


def test_a_bad_isolation_setting_is_one_line_and_exit_status_3(tmp_path, solution_file,
                                                               in_course):
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade-batch",
                           str(solution_file.parent), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NNKIT_ISOLATION": "docker"})
    assert done.returncode == EXIT_ENVIRONMENT
    assert done.stderr.strip().splitlines() == [
        "nnkit: cannot grade here: NNKIT_ISOLATION='docker' is not a fence: use one of auto, "
        "bwrap, user, process (or leave it unset for auto)."]


def test_nbgrader_autograde_refuses_without_a_fence(world):
    done = nnkit_as_nobody(world, "nbgrader", "autograde", str(world / "course"))
    assert done.returncode == EXIT_ENVIRONMENT, done.stderr
    assert done.stderr.strip().startswith("nnkit: cannot grade here: no fence to grade for credit")


def test_a_non_root_instructors_fence_holds_against_hostile_submissions(world, solution_text):
    """The red-team attacks that target the machine, graded by `nobody` under bubblewrap: the
    solution search finds nothing, the daemon does not outlive the batch."""
    import uuid

    from tests.kit.redteam import hostile_text, processes_with

    marker = f"nnkit-nobody-daemon-{uuid.uuid4().hex}"
    for name in ("find_solution.py", "daemonises.py"):
        fragment = hostile_text(name, marker=marker)
        (world / "class" / name).write_text(f"{solution_text}\n\n{fragment}", encoding="utf-8")
    try:
        done = nnkit_as_nobody(world, "grade-batch", str(world / "class"), "--out",
                               str(world / "out"), "--stages", "1", bubblewrap=True)
        left_running = processes_with(marker)
    finally:
        for pid in processes_with(marker):
            os.kill(pid, 9)
    assert done.returncode == 0, done.stderr
    assert left_running == []
    search = json.loads((world / "out" / "find_solution.json").read_text())
    assert search["isolation"].startswith("bubblewrap")
    messages = [check["message"] for stage in search["stages"] for check in stage["checks"]]
    assert any("no solution on this disk" in message for message in messages)
    daemon = json.loads((world / "out" / "daemonises.json").read_text())
    passed = {check["id"]: check["passed"] for stage in daemon["stages"]
              for check in stage["checks"]}
    assert passed["stage1.cost_values"]  # grading went on, under the process limit


KERNEL_AS_NOBODY = """
import os
import nbformat
from nbclient import NotebookClient
from autograder.grader.course.fenced_kernel import FencedKernelManager
notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    "import os, numpy\\nprint(os.path.exists(%r), os.path.exists(%r))")])
NotebookClient(notebook, kernel_name="python3", kernel_manager_class=FencedKernelManager,
               timeout=60).execute()
print("kernel said:", notebook.cells[0].outputs[0]["text"].strip())
"""


def test_a_non_root_instructors_nbgrader_kernel_runs_fenced(world):
    secret = world / "class" / "ada.py"  # readable by nobody outside the fence
    script = world / "kernel.py"
    script.write_text(KERNEL_AS_NOBODY % (str(ROOT / "assignments"), str(secret)))
    environment = {"HOME": str(world / "home"), "PYTHONPATH": str(ROOT),
                   "PATH": "/usr/local/bin:/usr/bin:/bin"}
    done = subprocess.run(as_nobody(["/usr/bin/env", "-i",
                                     *(f"{k}={v}" for k, v in environment.items()),
                                     sys.executable, str(script)]),
                          capture_output=True, text=True, timeout=120, cwd=world)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "kernel said: False False" in done.stdout


def test_nbgrader_autograde_with_unsafe_grades_without_a_fence(world):
    """--unsafe reaches nbgrader's own process, where the points are graded: the batch is
    graded (stages 1-5 right: 80 points), unfenced, as the instructor asked."""
    import nbformat

    from autograder.grader.course import ASSIGNMENT, driver
    from tests.kit.test_nbgrader import SOLUTION, STAGES_1_TO_5, Student, submission

    course = world / "course"
    course.mkdir()
    shutil.copy(ROOT / "course" / driver.CONFIG, course / driver.CONFIG)
    for folder in (course, course / driver.CONFIG):
        os.chown(folder, NOBODY, NOBODY)
    released = nnkit_as_nobody(world, "nbgrader", "release", str(course))
    assert released.returncode == 0, released.stdout + released.stderr[-3000:]
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    path = course / "submitted" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(submission(release, Student(SOLUTION, STAGES_1_TO_5)), path)
    for folder in (course, *course.rglob("*")):
        os.chown(folder, NOBODY, NOBODY)
    refused = nnkit_as_nobody(world, "nbgrader", "autograde", str(course))
    assert refused.returncode == EXIT_ENVIRONMENT, refused.stderr[-2000:]
    done = nnkit_as_nobody(world, "nbgrader", "autograde", str(course), "--unsafe")
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    row = next(line for line in done.stdout.splitlines() if line.startswith("ada"))
    assert row.split()[1:8] == ["10", "10", "15", "25", "20", "0", "80"], done.stdout
    assert "process group + rlimits" in done.stderr  # nbgrader's log: graded unfenced
