"""Boards that say what they are: a board built without the course key says its reports are
unverified (page and leaderboard.md); --anonymise without --salt warns and says the pseudonyms
can be recomputed; grade-batch's reports carry the machine's speed, so their boards show
normalised times."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.cli import main
from autograder.grader import run_speed, signing
from autograder.grader.classroom import board_notes
from autograder.grader.course import saved_reports
from tests.kit import chromium
from tests.kit import simulated_students as simulated
from tests.kit.reports import report
from tests.kit.test_class_report import nnkit


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for name, accuracy in (("ada", 0.97), ("bo", 0.96)):
        report(name, 6, accuracy=accuracy, train_seconds=10.0, calibration=0.25).write(
            folder / f"{name}.json")
    return folder


def board(*arguments: str):
    return CliRunner().invoke(main, ["leaderboard", *arguments])


def test_a_board_without_a_key_says_its_reports_are_unverified(reports, tmp_path):
    out = tmp_path / "board"
    result = board(str(reports), "--out", str(out))
    assert result.exit_code == 0, result.output
    dom = chromium.dump_dom(out / "index.html", tmp_path / "profile")
    assert 'class="board-note"' in dom and "Unverified reports" in dom
    assert "Unverified reports" in (out / "leaderboard.md").read_text(encoding="utf-8")


def test_a_board_built_with_the_key_has_no_unverified_note(reports, tmp_path):
    key_file = tmp_path / "course.key"
    key_file.write_text(secrets.token_hex(32), encoding="utf-8")  # an HMAC course key
    key = signing.load_key(key_file)
    for path in reports.glob("*.json"):
        signed = signing.sign(json.loads(path.read_text(encoding="utf-8")), key)
        path.write_text(json.dumps(signed), encoding="utf-8")
    out = tmp_path / "board"
    result = board(str(reports), "--out", str(out), "--key", str(key_file))
    assert result.exit_code == 0, result.output
    assert "Unverified" not in (out / "index.html").read_text(encoding="utf-8")
    assert "Unverified" not in (out / "leaderboard.md").read_text(encoding="utf-8")


def test_anonymise_without_a_salt_warns_and_the_page_says_pseudonyms_are_recomputable(
        reports, tmp_path):
    out = tmp_path / "board"
    result = board(str(reports), "--out", str(out), "--anonymise")
    assert result.exit_code == 0
    assert "warning: Pseudonyms without a salt" in result.output
    assert board_notes.RECOMPUTABLE in (out / "index.html").read_text(encoding="utf-8")
    salted = board(str(reports), "--out", str(tmp_path / "salted"), "--anonymise", "--salt", "s")
    assert "Pseudonyms without a salt" not in salted.output
    assert board_notes.RECOMPUTABLE not in (tmp_path / "salted" / "index.html").read_text(
        encoding="utf-8")


def test_the_speed_is_measured_once_per_run_for_the_reports_that_trained(tmp_path):
    paths = []
    for name, trained in (("ada", True), ("bo", False), ("cy", True)):
        made = report(name, 6 if trained else 2, accuracy=0.96 if trained else None,
                      train_seconds=8.0 if trained else None)
        made.write(tmp_path / f"{name}.json")
        paths.append(tmp_path / f"{name}.json")
    calls = []
    speed = run_speed.add_calibration(paths, measure=lambda: calls.append(1) or 0.4)
    assert speed == 0.4 and len(calls) == 1
    found = {p.stem: json.loads(p.read_text(encoding="utf-8"))["calibration"] for p in paths}
    assert found == {"ada": 0.4, "bo": None, "cy": 0.4}


def test_grade_batch_reports_that_trained_carry_calibration_and_the_board_normalises(
        tmp_path, graded_in_course, monkeypatch):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.py").write_text(simulated.weak(), encoding="utf-8")
    done = nnkit("grade-batch", str(folder), "--out", str(tmp_path / "reports"), "--stages", "6")
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "reports" / "ada.json").read_text(encoding="utf-8"))
    assert data["mnist"]["train_seconds"] and data["calibration"] > 0
    assert data["mnist"]["hyperparams"] == simulated.WEAK  # for the class report
    # signed with the course's key: the course's board (verifying with it) accepts the report
    result = board(str(tmp_path / "reports"), "--out", str(tmp_path / "board"))
    assert result.exit_code == 0, result.output
    page = (tmp_path / "board" / "index.html").read_text(encoding="utf-8")
    normalised = data["mnist"]["train_seconds"] / data["calibration"]
    assert f"{normalised:.1f}×" in page and "ada" in page
    assert "Unverified" not in (tmp_path / "board" / "leaderboard.md").read_text(encoding="utf-8")


def test_a_grade_batch_report_edited_by_hand_is_refused_by_the_courses_board(
        tmp_path, graded_in_course):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("ada", "bo"):
        (folder / f"{name}.py").write_text(simulated.weak(), encoding="utf-8")
    done = nnkit("grade-batch", str(folder), "--out", str(tmp_path / "reports"), "--stages", "1")
    assert done.returncode == 0, done.stderr
    edited = tmp_path / "reports" / "bo.json"
    data = json.loads(edited.read_text(encoding="utf-8"))
    assert data["signature"]["algorithm"] == "ed25519"
    data["score"] = 100.0
    edited.write_text(json.dumps(data), encoding="utf-8")
    result = board(str(tmp_path / "reports"), "--out", str(tmp_path / "board"))
    rejected = (tmp_path / "board" / "rejected.txt").read_text(encoding="utf-8")
    assert "bo.json" in rejected and "signature" in rejected, (rejected, result.output)
    assert "ada.json" not in rejected
    assert "ada" in (tmp_path / "board" / "leaderboard.md").read_text(encoding="utf-8")


def test_nbgrader_autograde_keeps_each_students_report_in_the_course(tmp_path):
    made = report("ignored", 3)
    path = saved_reports.save(made, {"nbgrader": {"student": "ada", "assignment":
                                                  "neural_network"}}, root=tmp_path)
    assert path == tmp_path / "reports" / "neural_network" / "ada.json"
    assert json.loads(path.read_text(encoding="utf-8"))["student"] == "ada"
    assert saved_reports.save(made, {}, root=tmp_path) is None  # no student id: nothing written
