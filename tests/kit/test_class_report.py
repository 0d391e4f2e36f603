"""`nnkit class-report`: a class of generated students (honest, common mistakes from the
catalogue, a stub, a copier, an unreadable file) graded by the real `nnkit grade-batch`, and the
report ranking the mistakes they made, in the right counts, read back from the page as headless
Chromium renders it; figures, CSV and JSON; similarity flags; rounds."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder.checks.mistakes import CATALOGUED, recognise
from autograder.grader.classroom import class_data
from tests.kit import chromium
from tests.kit import classroom_students as students
from tests.kit import simulated_students as simulated
from tests.kit.catalogue.mistakes import MISTAKES
from tests.kit.conftest import ROOT, apply_edits
from tests.kit.reports import report

# Grading for credit needs a course secret: these tests grade the class in a course.
pytestmark = pytest.mark.usefixtures("in_course")

BY_ID = {mistake.id: mistake for mistake in MISTAKES}
# The class: who made which catalogued mistake (None: an honest solution).
CLASS = {"ann": None, "bob": None, "cat": "init-weights-transposed",
         "dan": "init-weights-transposed", "eve": "init-weights-transposed",
         "fox": "backward-missing-sigma-prime", "gus": "backward-missing-sigma-prime",
         "hal": "sigmoid-prime-of-z-not-sigmoid", "ian": "cross-entropy-missing-second-term"}
# What the report must rank: each named mistake, with who made it. ivy's notebook is the stubs.
EXPECTED = {"init-weights-transposed": ["cat", "dan", "eve"],
            "backward-missing-sigma-prime": ["fox", "gus"],
            "sigmoid-prime-of-z-not-sigmoid": ["hal"],
            "cross-entropy-missing-second-term": ["ian"],
            "not-written-yet": ["ivy"]}


def nnkit(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real command line, with this checkout first on the path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "autograder.cli", *arguments], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600)


def write_class(folder: Path, stubbed: tuple[str, ...] = ()) -> Path:
    """The class's submissions (names in `stubbed` hand in the untouched stubs instead)."""
    folder.mkdir(parents=True, exist_ok=True)
    solution = simulated.solution()
    for name, mistake in CLASS.items():
        text = solution if mistake is None else apply_edits(solution,
                                                            list(BY_ID[mistake].edits))
        (folder / f"{name}.py").write_text(students.stubs() if name in stubbed else text,
                                           encoding="utf-8")
    (folder / "ivy.py").write_text(students.stubs(), encoding="utf-8")
    (folder / "cy.py").write_text(students.copier(), encoding="utf-8")  # ann's code, renamed
    (folder / "zoe.py").write_text("def neuron(w, b, x:\n    return\n", encoding="utf-8")
    return folder


def grade_class(submissions: Path, out: Path) -> Path:
    done = nnkit("grade-batch", str(submissions), "--out", str(out), "--stages", "1-5",
                 "--jobs", "2")
    assert done.returncode == 0, f"grade-batch failed: {done.stdout}\n{done.stderr}"
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("class")
    return grade_class(write_class(root / "submissions"), root / "reports")


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> Path:
    """An earlier round: cat, dan and eve had handed in nothing but the stubs."""
    root = tmp_path_factory.mktemp("round1")
    return grade_class(write_class(root / "submissions", ("cat", "dan", "eve")), root / "reports")


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """Reports of a stage-6 grading (made up, with hyperparameters) for the MNIST section."""
    folder = tmp_path_factory.mktemp("trained")
    for name, (accuracy, seconds, rate, hidden, epochs) in {
            "tia": (0.962, 12.0, 0.5, 32, 3), "uma": (0.935, 3.0, 0.1, 16, 1),
            "val": (0.971, 40.0, 1.0, 100, 5)}.items():
        made = report(name, 6, accuracy=accuracy, train_seconds=seconds, calibration=0.25)
        made.mnist["hyperparams"] = {"layer_sizes": [784, hidden, 10], "epochs": epochs,
                                     "batch_size": 32, "learning_rate": rate}
        made.write(folder / f"{name}.json")
    return folder


@pytest.fixture(scope="module")
def built(graded, earlier, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("class-report")
    done = nnkit("class-report", str(graded), "--out", str(out), "--previous", str(earlier),
                 "--title", "Week 3")
    assert done.returncode == 0, f"class-report failed: {done.stdout}\n{done.stderr}"
    return out


# -- the named mistakes ----------------------------------------------------------------------
def test_every_catalogued_diagnosis_is_recognised_under_its_own_id():
    wrong = {m.id: recognise(f"stage{m.stage}.{m.check}", f"... {m.diagnosis} ...")
             for m in MISTAKES}
    wrong = {key: value for key, value in wrong.items() if (value or {}).get("id") != key}
    assert not wrong, ("these catalogued mistakes' words are not recognised under their id in "
                       f"autograder/checks/mistakes.py (add or fix their entry): {wrong}")
    assert {named.id for named in CATALOGUED} == set(BY_ID), "mistakes.py and the catalogue differ"


def test_a_failing_check_carries_its_named_mistake_in_the_report(graded):
    data = json.loads((graded / "cat.json").read_text(encoding="utf-8"))
    checks = {c["id"]: c for stage in data["stages"] for c in stage["checks"]}
    assert checks["stage3.init_shapes"]["mistake"] == {"id": "init-weights-transposed",
                                                       "label": "init weights transposed"}
    assert checks["stage1.neuron_values"]["mistake"] is None  # passed: no mistake


# -- the class report's data -----------------------------------------------------------------
def test_the_report_ranks_the_mistakes_the_class_made_with_who(built):
    data = json.loads((built / "class_report.json").read_text(encoding="utf-8"))
    named = [m for m in data["mistakes"] if m["named"]]
    assert {m["id"]: sorted(m["students"]) for m in named} == EXPECTED, named
    counts = [m["count"] for m in named]
    assert counts == sorted(counts, reverse=True), f"not ranked by count: {counts}"
    assert named[0]["id"] == "init-weights-transposed" and named[0]["count"] == 3


def test_stage_and_check_pass_counts_match_the_class(built):
    data = json.loads((built / "class_report.json").read_text(encoding="utf-8"))
    assert data["graded"] == 11 and data["students"] == 12  # zoe could not be graded
    stages = {row["stage"]: row for row in data["stages"]}
    # Stage 1 is failed only by the stubs; stage 3 also by the three transposed weights.
    assert stages[1]["passed"] == 10
    assert stages[3]["passed"] == 7
    checks = {c["id"]: c for c in stages[3]["checks"]}
    assert (checks["stage3.init_shapes"]["passed"], checks["stage3.init_shapes"]["graded"]) == \
        (7, 11)


def test_who_could_not_be_graded_is_listed_with_the_reason(built):
    data = json.loads((built / "class_report.json").read_text(encoding="utf-8"))
    reasons = {item["student"]: item["reason"] for item in data["not_graded"]}
    assert list(reasons) == ["zoe"], reasons
    assert "SyntaxError" in reasons["zoe"] or "syntax" in reasons["zoe"].lower(), reasons


def test_rounds_show_how_the_class_moved(built):
    data = json.loads((built / "class_report.json").read_text(encoding="utf-8"))
    rounds = data["rounds"]
    assert rounds["rounds"] == 2
    stage1 = next(row for row in rounds["stages"] if row["stage"] == 1)
    assert stage1["passed"] == [7, 10]  # cat, dan and eve wrote stage 1 since
    moved = {row["student"]: row for row in rounds["students"]}
    assert moved["cat"]["scores"][0] == 0 and moved["cat"]["change"] == moved["cat"]["scores"][1]
    assert moved["ann"]["change"] == 0


def test_csv_files_hold_the_same_data(built):
    with (built / "mistakes.csv").open(encoding="utf-8", newline="") as file:
        rows = [row for row in csv.DictReader(file) if row["named"] == "True"]
    assert {row["id"]: int(row["count"]) for row in rows} == \
        {key: len(value) for key, value in EXPECTED.items()}
    with (built / "students.csv").open(encoding="utf-8", newline="") as file:
        people = {row["student"]: row for row in csv.DictReader(file)}
    assert "init-weights-transposed" in people["cat"]["mistakes"].split()
    assert people["ann"]["mistakes"] == ""


# -- the page in a browser -------------------------------------------------------------------
class _Page(HTMLParser):
    """The ranked mistake rows (data-mistake, data-count) and the images' sources."""

    def __init__(self) -> None:
        super().__init__()
        self.mistakes: list[tuple[str, int]] = []
        self.images: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "tr" and attributes.get("class") == "mistake":
            self.mistakes.append((attributes["data-mistake"], int(attributes["data-count"])))
        if tag == "img":
            self.images.append(attributes.get("src") or "")
        if tag in ("link", "script") and (attributes.get("href") or attributes.get("src")):
            self.links.append(tag)


def test_the_page_renders_in_chromium_with_the_ranked_mistakes(built, tmp_path):
    dom = chromium.dump_dom(built / "index.html", tmp_path / "profile")
    page = _Page()
    page.feed(dom)
    assert page.mistakes[0] == ("init-weights-transposed", 3), page.mistakes
    assert dict(page.mistakes) == {key: len(value) for key, value in EXPECTED.items()}
    assert "cat, dan, eve" in dom and "Week 3" in dom
    assert page.images and all(src.startswith("data:image/png;base64,") for src in page.images)
    assert not page.links, "the page must load nothing from elsewhere"
    png = chromium.screenshot(built / "index.html", tmp_path / "profile", tmp_path / "page.png",
                              size=(1200, 2400))
    assert chromium.png_size(png) == (1200, 2400)
    shutil.copy(png, Path(os.environ.get("NNKIT_SCREENSHOTS", tmp_path)) / "class_report.png")


def test_mnist_section_relates_accuracy_time_and_hyperparameters(graded, trained, tmp_path):
    data = class_data.class_summary(class_data.read_run([graded, trained]))
    rows = {row["student"]: row for row in data["training"]}
    assert list(rows) == ["val", "tia", "uma"]  # by accuracy
    assert rows["tia"]["normalised_time"] == 48.0 and rows["tia"]["hidden_units"] == 32
    assert rows["uma"]["learning_rate"] == 0.1 and rows["val"]["epochs"] == 5
    choices = {(row["choice"], row["value"]): row for row in data["training_by_choice"]}
    assert choices[("batch size", 32)]["students"] == 3
    assert choices[("batch size", 32)]["median_accuracy"] == 0.962  # tia's, the middle one
    assert choices[("epochs", 5)]["median_normalised_time"] == 160.0  # val: 40 s / 0.25 s
    done = nnkit("class-report", str(graded), str(trained), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    dom = chromium.dump_dom(tmp_path / "out" / "index.html", tmp_path / "profile")
    assert 'alt="MNIST accuracy against learning rate' in dom
    assert "48.0×" in dom and "784-32-10" in dom and 'data-choice="learning rate"' in dom


def test_similarity_flags_from_a_classroom_run_are_shown(graded, tmp_path):
    run = tmp_path / "class"
    shutil.copytree(graded, run / "reports")
    (run / "similarity.json").write_text(json.dumps([
        {"left": "ann", "right": "cy", "similarity": 0.93, "tokens": 420, "flagged": True,
         "functions": {}},
        {"left": "bob", "right": "cat", "similarity": 0.3, "tokens": 90, "flagged": False,
         "functions": {}}]), encoding="utf-8")
    (run / "fetched.json").write_text(json.dumps({"mo": {"error": "no repository (has not "
                                                               "accepted the assignment)"}}),
                                      encoding="utf-8")
    data = class_data.class_summary(class_data.read_run([run]))
    assert [(p["left"], p["right"]) for p in data["similarity"]["pairs"]] == [("ann", "cy")]
    assert {item["student"] for item in data["not_graded"]} == {"mo", "zoe"}


def test_reports_of_an_older_kit_without_the_mistake_field_are_read_the_same(graded, tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    for path in graded.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for stage in data["stages"]:
            for check in stage["checks"]:
                check.pop("mistake", None)
        (folder / path.name).write_text(json.dumps(data), encoding="utf-8")
    old = class_data.class_summary(class_data.read_run([folder]))
    new = class_data.class_summary(class_data.read_run([graded]))
    assert old["mistakes"] == new["mistakes"]


def test_a_classroom_run_gives_its_report_flags_and_who_has_no_repository(tmp_path):
    from datetime import datetime, timezone

    deadline = datetime.now(timezone.utc).replace(microsecond=0)
    roster = students.make_class(tmp_path, deadline)
    done = nnkit("classroom", "grade", str(roster), "--deadline", deadline.isoformat(), "--out",
                 str(tmp_path / "class"), "--stages", "1-5")
    assert done.returncode == 0, f"classroom grade failed: {done.stdout}\n{done.stderr}"
    report_done = nnkit("class-report", str(tmp_path / "class"), "--out", str(tmp_path / "out"))
    assert report_done.returncode == 0, report_done.stderr
    data = json.loads((tmp_path / "out" / "class_report.json").read_text(encoding="utf-8"))
    named = {m["id"]: sorted(m["students"]) for m in data["mistakes"] if m["named"]}
    assert named == {"not-written-yet": ["ben", "fay"]}  # forward unwritten; the stubs
    assert data["graded"] == 5  # fay's own report.json in her repository is never read
    assert [(p["left"], p["right"]) for p in data["similarity"]["pairs"]] == [("ada", "cal")]
    assert "backward" in data["similarity"]["similar_to_reference"]["ben"]
    assert [item["student"] for item in data["not_graded"]] == ["mo"]


def test_grade_batch_students_without_a_report_are_listed_from_its_status_column(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    report("ada", 2).write(folder / "ada.json")
    (folder / "grades.csv").write_text(
        "student,score,status\nada,20,graded\n"
        "bo,,error: its grading process died twice (out of memory?)\n", encoding="utf-8")
    data = class_data.class_summary(class_data.read_run([folder]))
    assert data["not_graded"] == [{"student": "bo", "reason":
                                   "its grading process died twice (out of memory?)"}]
    assert data["students"] == 2 and data["graded"] == 1


def test_names_and_messages_are_shown_as_text_never_as_markup(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    made = report("<img src=x onerror=alert(1)>", 2)
    failing = next(c for s in made.stages for c in s.checks if not c.passed and s.ran)
    failing.message = "<script>alert(2)</script> It looks transposed"
    failing.mistake = {"id": 3, "label": None}  # not what the kit writes: read from the words
    made.write(folder / "evil.json")
    done = nnkit("class-report", str(folder), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    dom = chromium.dump_dom(tmp_path / "out" / "index.html", tmp_path / "profile")
    page = _Page()
    page.feed(dom)
    assert all(src.startswith("data:image/png") for src in page.images)  # no <img src=x>
    assert "<script>alert(2)" not in dom and "&lt;script&gt;alert(2)" in dom
    assert "&lt;img src=x onerror=alert(1)&gt;" in dom


def test_three_rounds_oldest_first_and_the_change_since_the_last_one(tmp_path):
    runs = []
    for number, passed in enumerate(((0, 1), (2, 1), (4, 6)), start=1):  # ada's, bo's stages
        folder = tmp_path / f"round{number}"
        folder.mkdir()
        for name, stages in zip(("ada", "bo"), passed):
            report(name, stages).write(folder / f"{name}.json")
        runs.append(class_data.class_summary(class_data.read_run([folder])))
    moved = class_data.rounds(runs[:-1], runs[-1])
    assert moved["rounds"] == 3
    scores = {row["student"]: row for row in moved["students"]}
    assert [len(row["scores"]) for row in moved["students"]] == [3, 3]
    ada = scores["ada"]["scores"]
    assert ada[0] < ada[1] < ada[2] and scores["ada"]["change"] == ada[2] - ada[1]
    stage1 = next(row for row in moved["stages"] if row["stage"] == 1)
    assert stage1["passed"] == [1, 2, 2]  # bo from the start; ada from the second round
