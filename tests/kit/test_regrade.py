"""`nnkit regrade`: one student graded again exactly as before (the recorded commit, course
secret, seed, stages and options) or as now, and what changed shown per check."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.kit import classroom_students as students
from tests.kit.catalogue.mistakes import MISTAKES
from tests.kit.conftest import apply_edits
from tests.kit.test_class_report import nnkit

HALVED = next(m for m in MISTAKES if m.id == "cost-halved")


def graded(tmp_path: Path, text: str, *extra: str) -> tuple[Path, Path]:
    submission = tmp_path / "work" / "neural_network.py"
    submission.parent.mkdir(parents=True, exist_ok=True)
    submission.write_text(text, encoding="utf-8")
    report = tmp_path / "report.json"
    done = nnkit("grade", str(submission), "--stages", "1-2", "--json", str(report),
                 "--student", "ada", "--quiet", *extra)
    assert done.returncode == 0, done.stderr
    return submission, report


def test_the_report_records_how_it_was_graded(tmp_path: Path, solution_text: str):
    _, report = graded(tmp_path, solution_text, "--seed", "7")
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["grading"]["stages"] == [1, 2] and data["seed"] == 7
    assert data["grading"]["secret_fingerprint"] is None and data["inputs"] == "public"


def test_a_regrade_shows_what_changed_since_an_older_kit(tmp_path: Path, solution_text: str):
    submission, report = graded(tmp_path, apply_edits(solution_text, list(HALVED.edits)))
    data = json.loads(report.read_text(encoding="utf-8"))
    data["kit_version"] = "0.1.0"  # as an earlier kit wrote it: one check scored differently
    check = data["stages"][0]["checks"][0]
    check["score"], check["message"] = 0.5, "older words"
    data["score"] -= check["max_score"] - 0.5
    report.write_text(json.dumps(data), encoding="utf-8")
    done = nnkit("regrade", str(report), str(submission), "--json", str(tmp_path / "diff.json"),
                 "--out", str(tmp_path / "new.json"))
    assert done.returncode == 0, done.stderr
    assert f"{check['id']}: 0.5 -> {check['max_score']:g} points (message changed)" in done.stdout
    assert "kit 0.1.0" in done.stdout
    diff = json.loads((tmp_path / "diff.json").read_text(encoding="utf-8"))
    assert [c["check"] for c in diff["changes"]] == [check["id"]]
    assert diff["score_after"] - diff["score_before"] == check["max_score"] - 0.5
    new = json.loads((tmp_path / "new.json").read_text(encoding="utf-8"))
    assert [s["stage"] for s in new["stages"] if s["ran"]] == [1, 2]  # the same stages
    assert new["student"] == "ada"
    failing = next(c for s in new["stages"] for c in s["checks"] if not c["passed"])
    assert failing["mistake"]["id"] == "cost-halved"


def test_as_before_grades_the_recorded_commit_and_current_the_code_now(
        tmp_path: Path, solution_text: str, graded_in_course: Path):
    repo = tmp_path / "repo"
    when = datetime.now(timezone.utc) - timedelta(days=2)
    students.commit(repo, {"neural_network.py": students.stubs()}, "start", when)
    first = students.git(repo, "rev-parse", "HEAD").strip()
    students.commit(repo, {"neural_network.py": solution_text}, "done", when + timedelta(days=1))
    report = tmp_path / "report.json"
    # The classroom grading of the first commit: its report names repository and commit.
    students.git(repo, "checkout", "--quiet", first)
    done = nnkit("grade", str(repo), "--stages", "1-2", "--json", str(report), "--quiet")
    assert done.returncode == 0, done.stderr
    students.git(repo, "checkout", "--quiet", "main")
    data = json.loads(report.read_text(encoding="utf-8"))
    data["source"] = {"repository": str(repo), "commit": first}
    report.write_text(json.dumps(data), encoding="utf-8")
    before = nnkit("regrade", str(report), "--json", str(tmp_path / "before.json"))
    assert before.returncode == 0, before.stderr
    assert "no check changed" in before.stdout  # the stubs again, not the later solution
    now = nnkit("regrade", str(report), str(repo), "--current", "--json",
                str(tmp_path / "now.json"))
    assert now.returncode == 0, now.stderr
    diff = json.loads((tmp_path / "now.json").read_text(encoding="utf-8"))
    assert diff["score_before"] == 0 and diff["score_after"] == 20
    assert len(diff["changes"]) == sum(len(s["checks"]) for s in data["stages"][:2])


def test_a_regrade_needs_the_same_course_secret(tmp_path: Path, solution_text: str):
    secret, other = tmp_path / "secret", tmp_path / "other"
    secret.write_text(secrets.token_hex(32), encoding="utf-8")
    other.write_text(secrets.token_hex(32), encoding="utf-8")
    submission, report = graded(tmp_path, solution_text, "--secret-file", str(secret))
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["inputs"] == "course secret" and data["grading"]["secret_fingerprint"]
    assert secret.read_text() not in report.read_text()
    wrong = nnkit("regrade", str(report), str(submission), "--secret-file", str(other))
    assert wrong.returncode == 2 and "not the one this report was graded with" in wrong.stderr
    missing = nnkit("regrade", str(report), str(submission))
    assert missing.returncode == 2 and "graded with the course secret" in missing.stderr
    same = nnkit("regrade", str(report), str(submission), "--secret-file", str(secret))
    assert same.returncode == 0 and "no check changed" in same.stdout, same.stderr
