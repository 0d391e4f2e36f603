"""The whole class, end to end: release a student repository; three students work in copies of
it (one strong, one with weak hyperparameters, one stuck at stage 3); each repository is graded
by running its workflow's own steps; the reports become a leaderboard, which headless Chromium
renders in rank order; and the same three notebooks go through the Gradescope package.

MNIST is trained twice per grading path (the strong and the weak student; the stuck one cannot
train), with small networks: about 3 s and under 1 s of training each."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.kit import chromium, workflow_steps
from tests.kit import gradescope_harness as harness
from tests.kit import simulated_students as students
from tests.kit.conftest import ROOT

STUDENTS = {"ada": students.strong, "grace": students.weak, "linus": students.stuck_at_stage_3}
RANKING = ["ada", "grace", "linus"]  # by accuracy; linus never reaches MNIST


def nnkit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The instructor's `nnkit`, from the kit's checkout."""
    done = subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"nnkit {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@dataclass
class Job:
    """One student's CI run: the steps, the job summary, and the report artifact."""

    runs: list[workflow_steps.StepRun]
    summary: str
    report: dict
    report_path: Path


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("class")


@pytest.fixture(scope="module")
def release(workspace: Path) -> Path:
    nnkit("release", str(workspace / "release"))
    return workspace / "release"


@pytest.fixture(scope="module")
def repositories(release: Path, workspace: Path) -> dict[str, Path]:
    """Each student's clone of the release, with their notebook committed in it."""
    repos = {}
    for name, work in STUDENTS.items():
        repo = Path(shutil.copytree(release, workspace / "students" / name))
        students.write_notebook(work(), repo / "neural_network.ipynb")
        repos[name] = repo
    return repos


@pytest.fixture(scope="module")
def jobs(repositories: dict[str, Path], workspace: Path) -> dict[str, Job]:
    """A push from each student: the workflow's run steps, in a fresh Python each."""
    done = {}
    for name, repo in repositories.items():
        summary = workspace / f"summary-{name}.md"
        runs = workflow_steps.run_steps(repo, workflow_steps.virtualenv(workspace / f"py-{name}"),
                                        summary, GITHUB_ACTOR=name)
        workflow_steps.assert_all_succeeded(runs)
        (uploaded,) = workflow_steps.uploaded_paths(workflow_steps.load(repo))
        report_path = repo / uploaded
        done[name] = Job(runs, summary.read_text(encoding="utf-8"),
                         json.loads(report_path.read_text(encoding="utf-8")), report_path)
    return done


@pytest.fixture(scope="module")
def board(jobs: dict[str, Job], workspace: Path) -> Path:
    """The instructor downloads the artifacts (one folder each) and builds the leaderboard."""
    artifacts = workspace / "artifacts"
    for name, job in jobs.items():
        (artifacts / f"grading-report-{name}").mkdir(parents=True)
        shutil.copy(job.report_path, artifacts / f"grading-report-{name}" / "report.json")
    nnkit("leaderboard", str(artifacts), "--out", str(workspace / "board"))
    return workspace / "board"


@pytest.fixture(scope="module")
def gradescope_results(repositories: dict[str, Path], workspace: Path,
                       course_folder: Path) -> dict[str, dict]:
    package = workspace / "gradescope" / "autograder.zip"
    nnkit("--course", str(course_folder), "gradescope", str(package))  # its secret goes in
    root = harness.unpack(package, workspace / "gradescope" / "autograder")
    done = harness.setup(root)
    assert done.returncode == 0, f"setup.sh failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    return {name: harness.run_autograder(root, repo / "neural_network.ipynb")
            for name, repo in repositories.items()}


# -- CI ----------------------------------------------------------------------------------------
def test_each_push_is_graded_with_the_workflow_steps_and_reports_the_student(jobs):
    for name, job in jobs.items():
        assert [run.name for run in job.runs] == [
            "Install the kit", "Fetch MNIST", "Grade the notebook", "Publish the job summary"]
        assert job.report["student"] == name
        assert job.summary.startswith(f"## nnkit: {job.report['score']:g}/100 for {name}\n")


def test_the_three_reports_tell_the_three_stories(jobs):
    ada, grace, linus = (jobs[name].report for name in RANKING)
    assert ada["score"] == 100 and ada["mnist"]["accuracy"] >= 0.95
    assert 0.5 < grace["mnist"]["accuracy"] < 0.95
    assert grace["mnist"]["train_seconds"] < ada["mnist"]["train_seconds"]
    for trained in (ada, grace):
        assert trained["calibration"] > 0, "a job that trained measures its machine's speed"
    passed = {stage["stage"]: stage["passed"] for stage in linus["stages"]}
    assert passed == {1: True, 2: True, 3: False, 4: False, 5: False, 6: False}
    assert linus["mnist"]["accuracy"] is None and linus["calibration"] is None


def test_the_job_summaries_show_points_accuracy_and_training_time(jobs):
    ada = jobs["ada"]
    assert f"**MNIST test accuracy: {ada.report['mnist']['accuracy']:.2%}**" in ada.summary
    assert f"training time {ada.report['mnist']['train_seconds']:.1f} s" in ada.summary
    assert "| 6 MNIST | 20/20 |" in ada.summary
    assert "| 3 forward pass |" in jobs["linus"].summary
    assert "MNIST: not trained yet" in jobs["linus"].summary


# -- the leaderboard ---------------------------------------------------------------------------
def test_the_leaderboard_in_headless_chromium_ranks_the_class(board, jobs, workspace):
    rows, counts = chromium.leaderboard(chromium.dump_dom(board / "index.html",
                                                          workspace / "chromium"))
    assert [(row["rank"], row["student"]) for row in rows] == [(1, "ada"), (2, "grace"),
                                                               (3, "linus")]
    assert counts == {"students": 3, "trained": 2, "complete": 1}
    statuses = {row["student"]: row["stages"] for row in rows}
    assert statuses["ada"] == ["passed"] * 6
    assert statuses["linus"][:2] == ["passed", "passed"] and "passed" not in statuses["linus"][2:]
    png = chromium.screenshot(board / "index.html", workspace / "chromium",
                              workspace / "leaderboard-phone.png")
    assert chromium.png_size(png) == chromium.PHONE and png.stat().st_size > 20_000


def test_the_markdown_leaderboard_lists_the_same_ranking_with_accuracy(board, jobs):
    rows = [line.split("|") for line in (board / "leaderboard.md").read_text(
        encoding="utf-8").splitlines() if re.match(r"\| \d+ \|", line)]
    assert [row[2].strip() for row in rows] == RANKING
    assert rows[0][5].strip() == f"{jobs['ada'].report['mnist']['accuracy']:.2%}"


# -- Gradescope --------------------------------------------------------------------------------
def test_gradescope_grades_the_same_three_as_the_workflow(gradescope_results, jobs):
    for name, data in gradescope_results.items():
        report = jobs[name].report
        assert data["score"] == report["score"], name
        accuracy = {entry["name"]: entry["value"] for entry in data["leaderboard"]}
        expected = report["mnist"]["accuracy"]
        # Same grader, same seed: the very same accuracy as in CI.
        assert accuracy["MNIST accuracy"] == round(expected or 0.0, 4), name
        assert ("Training time (s)" in accuracy) == (expected is not None), name
    ranked = sorted(gradescope_results, key=lambda name: -gradescope_results[name][
        "leaderboard"][0]["value"])
    assert ranked == RANKING
