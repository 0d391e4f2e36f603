"""`nnkit gradescope`: an autograder package that Gradescope can run, tested in a temporary
folder laid out like Gradescope's /autograder, on a correct and a buggy submission."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.checks.stages import STAGES
from autograder.cli import main
from autograder.grader import gradescope
from autograder.grader.gradescope import results
from tests.kit import gradescope_harness as harness
from tests.kit import simulated_students as students
from tests.kit.release_search import leaks, solution_bodies
from tests.kit.reports import report

# Grading for credit needs the course secret: these tests grade in a course (conftest.py).
pytestmark = pytest.mark.usefixtures("in_course")

CHECKS = sum(len(stage.checks) for stage in STAGES)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    result = CliRunner().invoke(main, ["gradescope", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def autograder_root(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/autograder after Gradescope built the image: unpacked, setup.sh run."""
    root = harness.unpack(package, tmp_path_factory.mktemp("autograder"))
    done = harness.setup(root)
    assert done.returncode == 0, f"setup.sh failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    assert "MNIST is ready" in done.stdout
    return root


def test_package_has_executable_scripts_at_its_root_and_the_kit_without_the_solution(package,
                                                                                   tmp_path):
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        scripts = {name: archive.read(name).decode() for name in gradescope.SCRIPTS}
        archive.extractall(tmp_path / "unpacked")
    for name, script in scripts.items():
        assert modes[name] & 0o111, f"{name} must be executable"
        assert script.startswith("#!/usr/bin/env bash\n")
    assert {"requirements.txt", gradescope.SETTINGS, "kit/autograder/checks/grade.py",
            "kit/source_data/mnist.json"} <= set(names)
    assert not [name for name in names if name.startswith(("kit/assignments", "kit/tests"))]
    assert leaks(tmp_path / "unpacked", solution_bodies()) == []


def test_a_correct_submission_gets_every_check_and_the_leaderboard_values(autograder_root,
                                                                         tmp_path):
    notebook = students.write_notebook(students.strong(), tmp_path / "neural_network.ipynb")
    data = harness.run_autograder(autograder_root, notebook)
    assert len(data["tests"]) == CHECKS
    failed = [test["name"] for test in data["tests"] if test["status"] != "passed"]
    assert failed == []
    assert data["score"] == 100 == sum(test["score"] for test in data["tests"])
    assert sum(test["max_score"] for test in data["tests"]) == 100
    assert [test["number"] for test in data["tests"]][:2] == ["1.1", "1.2"]
    accuracy = data["extra_data"]["nnkit_report"]["mnist"]["accuracy"]
    train_seconds = data["extra_data"]["nnkit_report"]["mnist"]["train_seconds"]
    board = {entry["name"]: entry for entry in data["leaderboard"]}
    assert accuracy >= 0.95 and board["MNIST accuracy"] == {
        "name": "MNIST accuracy", "value": round(accuracy, 4), "order": "desc"}
    assert board["Training time (s)"]["value"] == round(train_seconds, 2)
    assert board["Training time (s)"]["order"] == board["Normalised time"]["order"] == "asc"
    assert f"MNIST test accuracy: {accuracy:.2%}" in data["output"]


def test_a_buggy_submission_loses_exactly_the_failing_checks_with_their_reasons(autograder_root,
                                                                              tmp_path):
    notebook = students.write_notebook(students.wrong_derivative(),
                                       tmp_path / "neural_network.ipynb")
    data = harness.run_autograder(autograder_root, notebook)
    failed = [test for test in data["tests"] if test["status"] == "failed"]
    assert [test["name"] for test in failed] == [
        "Stage 2 (sigmoid): sigmoid_prime is the derivative of the sigmoid"]
    assert failed[0]["score"] == 0 and "sigmoid_prime" in failed[0]["output"]
    assert data["score"] == 100 - failed[0]["max_score"]
    assert data["score"] == sum(test["score"] for test in data["tests"])
    assert all(test["visibility"] == "visible" for test in data["tests"])


def test_an_empty_submission_is_graded_zero_with_the_reason_and_no_training_time(
        autograder_root, tmp_path):
    notebook = tmp_path / "notes.txt"
    notebook.write_text("I could not finish.", encoding="utf-8")
    data = harness.run_autograder(autograder_root, notebook)
    assert data["score"] == 0 and len(data["tests"]) == CHECKS
    assert "should hold one notebook or .py file" in data["output"]
    assert data["leaderboard"] == [{"name": "MNIST accuracy", "value": 0.0, "order": "desc"}]


def test_hidden_checks_are_shown_to_students_only_once_grades_are_published(monkeypatch):
    hidden = STAGES[1].checks[0]
    monkeypatch.setattr(gradescope, "hidden_check_ids", lambda: {hidden.id})
    tests = results(report("ada", accuracy=0.97, train_seconds=3.0, calibration=0.3))["tests"]
    shown = {test["name"]: test["visibility"] for test in tests}
    assert shown.pop(f"Stage 2 (sigmoid): {hidden.name}") == "after_published"
    assert set(shown.values()) == {"visible"}


FORGER = '''

import json as _json
import os as _os
import subprocess as _subprocess

_FORGED = _json.dumps({"score": 1000, "tests": [], "output": "forged"})
_SPAWNED = False


def neuron(x, w, b):
    """The reference's arithmetic, plus every way of writing Gradescope's results it has."""
    results = "__ROOT__/results/results.json"
    for path in (results, "__ROOT__/source/run_autograder"):
        try:
            with open(path, "w") as file:
                file.write(_FORGED)
        except OSError:
            pass
    try:
        secret = open("__ROOT__/source/nnkit_gradescope.json").read()
    except OSError:
        secret = ""
    # A daemon (new session, parent gone) that waits for the grader to finish, then forges.
    global _SPAWNED
    if not _SPAWNED:
        _SPAWNED = True
        _subprocess.Popen(["/bin/sh", "-c", "sleep 3; echo '" + _FORGED + "' > " + results
                           + " # __MARKER__"], start_new_session=True)
    return b + w * np.asarray(x, dtype=float) + (1000.0 if secret else 0.0)
'''


@pytest.mark.parametrize("fence", ["bwrap", "user"])
def test_a_submission_cannot_forge_or_outlive_the_gradescope_run(autograder_root, tmp_path,
                                                                 solution_text, monkeypatch,
                                                                 fence):
    """A Gradescope run under each fence: the submission's writes into results/ and source/,
    its reads of the package and its daemon all fail; results.json is the grader's."""
    import time
    import uuid

    from tests.kit.redteam import processes_with

    monkeypatch.setenv("NNKIT_ISOLATION", fence)
    marker = f"nnkit-gradescope-forger-{uuid.uuid4().hex}"
    submission = tmp_path / "neural_network.py"
    submission.write_text(solution_text + FORGER.replace("__ROOT__", str(autograder_root))
                          .replace("__MARKER__", marker), encoding="utf-8")
    script = (autograder_root / "source" / "run_autograder").read_bytes()
    try:
        data = harness.run_autograder(autograder_root, submission)
        left_running = processes_with(marker)
        time.sleep(4)  # longer than the daemon would have waited
        after = json.loads((autograder_root / "results" / "results.json").read_text())
    finally:
        for pid in processes_with(marker):
            os.kill(pid, 9)
    assert left_running == []
    assert after == data  # nothing rewrote it once the grader finished
    failed = [test["name"] for test in data["tests"] if test["status"] != "passed"]
    assert failed == [] and data["score"] == 100 and data["output"] != "forged"
    assert data["extra_data"]["nnkit_report"]["isolation"].startswith(
        {"bwrap": "bubblewrap", "user": "dedicated user"}[fence])
    assert (autograder_root / "source" / "run_autograder").read_bytes() == script


def test_without_a_fence_run_autograder_writes_no_results_and_exits_3(autograder_root,
                                                                      tmp_path, monkeypatch):
    (autograder_root / "results" / "results.json").write_text("{}")  # a stale file goes too
    monkeypatch.setenv("NNKIT_ISOLATION", "process")
    monkeypatch.delenv("NNKIT_UNSAFE", raising=False)
    done = subprocess.run([str(autograder_root / "source" / "run_autograder")],
                          env=harness.environment(autograder_root), cwd=autograder_root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip().startswith("Error: no fence to grade for credit here")
    assert not (autograder_root / "results" / "results.json").exists()


def test_offline_weights_on_stubs_earn_only_the_hyperparameters_check(autograder_root,
                                                                       solution_text, tmp_path):
    """Issue 23's attack through Gradescope: stubs, HYPERPARAMS, and a train returning weights
    fitted offline, mapped through the recovered hidden order: 2 points, no board value."""
    from tests.kit.test_training_proof import attack, stubs

    submission = tmp_path / "neural_network.py"
    submission.write_text(attack("offline_weights.py", stubs(solution_text)), encoding="utf-8")
    data = harness.run_autograder(autograder_root, submission)
    passed = [test["name"] for test in data["tests"] if test["status"] == "passed"]
    assert data["score"] == 2 and passed == [
        "Stage 6 (MNIST): HYPERPARAMS describes a 784-...-10 network and its training"], passed
    accuracy = next(test for test in data["tests"] if "test accuracy" in test["name"])
    assert "never called update" in accuracy["output"], accuracy["output"]
    assert data["extra_data"]["nnkit_report"]["mnist"]["accuracy"] is None
    assert all(entry["name"] != "MNIST accuracy" or not entry["value"]
               for entry in data.get("leaderboard", []))
