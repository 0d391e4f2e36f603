"""Environment faults are the kit's, not the student's: a missing or corrupt MNIST, or an
unusable isolation setting, stop every command with one line naming the fix and exit status 3
(EXIT_ENVIRONMENT), never a traceback, and no report that costs the student points."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import assignment
from autograder.errors import EXIT_ENVIRONMENT
from tests.kit.conftest import ROOT

# Grading for credit needs the course secret: these tests grade in a course (conftest.py).
pytestmark = pytest.mark.usefixtures("in_course")


def nnkit(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **env}
    environment.pop("NNKIT_SUBMISSION", None)
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=folder,
                          env=environment, capture_output=True, text=True, timeout=600)


def assert_environment_fault(run: subprocess.CompletedProcess, *words: str) -> None:
    assert run.returncode == EXIT_ENVIRONMENT, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    # One line (grade-batch's progress bar may have drawn itself above it).
    lines = [line for line in run.stderr.strip().splitlines() if "submission/s]" not in line]
    assert len(lines) == 1 and lines[0].startswith("nnkit: cannot grade here: "), run.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture
def no_mnist(tmp_path: Path) -> dict[str, str]:
    """An empty MNIST folder and an empty cache: what a student offline without MNIST has."""
    (tmp_path / "empty").mkdir()
    return {"NNKIT_MNIST_DIR": str(tmp_path / "empty"), "NNKIT_CACHE_DIR": str(tmp_path / "c")}


def test_grading_the_reference_without_mnist_is_an_environment_fault(tmp_path, no_mnist):
    # Before: exit 0, 82/100 and "Next: fix stage 6", as if the reference were wrong.
    run = nnkit(tmp_path, "grade", "--reference", "--json", "report.json", **no_mnist)
    assert_environment_fault(run, "train-images-idx3-ubyte", "NNKIT_MNIST_DIR")
    assert "82/100" not in run.stdout and "fix stage 6" not in run.stdout
    assert not (tmp_path / "report.json").exists(), "no report that blames the student"


def test_corrupt_mnist_is_an_environment_fault(tmp_path, no_mnist):
    folder = Path(no_mnist["NNKIT_MNIST_DIR"])
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (folder / name).write_bytes(b"not gzip at all")
    run = nnkit(tmp_path, "grade", "--reference", "--stages", "6", **no_mnist)
    assert_environment_fault(run, "train-images-idx3-ubyte")


def test_check_with_a_bad_isolation_setting_is_an_environment_fault(tmp_path):
    assignment.write_student_copy(tmp_path)
    run = nnkit(tmp_path, "check", NNKIT_ISOLATION="docker")
    assert_environment_fault(run, "NNKIT_ISOLATION='docker'", "auto, bwrap, user, process")


def test_a_bad_memory_setting_is_an_environment_fault(tmp_path):
    run = nnkit(tmp_path, "grade", "--reference", "--stages", "1", NNKIT_MEMORY_MB="lots")
    assert_environment_fault(run, "NNKIT_MEMORY_MB='lots'", "positive whole number")


def test_grade_batch_stops_on_an_environment_fault_instead_of_failing_everyone(tmp_path):
    submissions = tmp_path / "submissions"
    for student in ("ada", "alan"):
        assignment.write_student_copy(submissions / student)
    run = nnkit(tmp_path, "grade-batch", str(submissions), "--out", str(tmp_path / "out"),
                NNKIT_ISOLATION="docker")
    assert_environment_fault(run, "NNKIT_ISOLATION='docker'")


def test_the_student_suite_stops_with_the_same_exit_status(tmp_path):
    assignment.write_student_copy(tmp_path)
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "NNKIT_ISOLATION": "docker"}
    environment.pop("NNKIT_SUBMISSION", None)
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir",
                          str(tmp_path), str(ROOT / "tests" / "stages")], cwd=tmp_path,
                         env=environment, capture_output=True, text=True, timeout=300)
    assert run.returncode == EXIT_ENVIRONMENT, run.stdout + run.stderr
    assert "cannot grade here: NNKIT_ISOLATION='docker'" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


@pytest.fixture
def offline(tmp_path: Path) -> dict[str, str]:
    """No MNIST folder, an empty cache and a mirror nobody answers on (a closed local port)."""
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {"NNKIT_MNIST_DIR": "", "NNKIT_CACHE_DIR": str(tmp_path / "cache"),
            "NNKIT_MNIST_MIRRORS": f"http://127.0.0.1:{port}/"}


def test_download_mnist_offline_is_one_line_and_exit_3(tmp_path, offline):
    # Before: exit 1 ("Error: ..."), where the README promises 3 for the environment's faults.
    run = nnkit(tmp_path, "download-mnist", **offline)
    assert_environment_fault(run, "NNKIT_MNIST_DIR")


def test_download_mnist_from_a_folder_without_mnist_is_exit_3(tmp_path, no_mnist):
    run = nnkit(tmp_path, "download-mnist", **no_mnist)
    assert_environment_fault(run, "is not in", no_mnist["NNKIT_MNIST_DIR"])


@pytest.mark.parametrize("command", [["check", "--stage", "6"], ["grade", "--reference"],
                                     ["download-mnist"]])
def test_a_wrong_mnist_dir_is_an_error_even_with_a_cache(tmp_path, command):
    # A cache that holds MNIST (the shared one) and NNKIT_MNIST_DIR naming a folder without it:
    # before, the cache was used and the wrong setting passed unnoticed.
    from autograder.data import ensure_mnist

    cache = str(ensure_mnist(progress=False).parent)  # the tests' cache, filled from the folder
    (tmp_path / "not-mnist").mkdir()
    assignment.write_student_copy(tmp_path)
    run = nnkit(tmp_path, *command, NNKIT_MNIST_DIR=str(tmp_path / "not-mnist"),
                NNKIT_CACHE_DIR=cache)
    assert_environment_fault(run, "not-mnist", "NNKIT_MNIST_DIR")
    assert run.stdout.strip() == "" or "Score" not in run.stdout, run.stdout


@pytest.mark.parametrize("command", [["grade", "--reference"], ["check", "--stage", "6"]])
def test_offline_without_mnist_nothing_is_graded_before_the_error(tmp_path, offline, command):
    # Before: the stage 1-5 report was printed, then the error: as if those were the result.
    assignment.write_student_copy(tmp_path)
    run = nnkit(tmp_path, *command, "--json", str(tmp_path / "r.json"), **offline) \
        if command[0] == "grade" else nnkit(tmp_path, *command, **offline)
    assert_environment_fault(run)
    assert run.stdout.strip() == "", run.stdout
    assert not (tmp_path / "r.json").exists()


def test_check_of_the_finished_reference_offline_prints_nothing_before_the_error(tmp_path,
                                                                                  offline):
    # The locked, stage-by-stage check reaches stage 6 only once stages 1-5 pass; what it found
    # for them is not shown as a result when MNIST then turns out to be missing.
    path = assignment.write_solution(tmp_path)
    run = nnkit(tmp_path, "check", str(path), **offline)
    assert_environment_fault(run)
    assert "Score" not in run.stdout and "Stage 1" not in run.stdout, run.stdout
