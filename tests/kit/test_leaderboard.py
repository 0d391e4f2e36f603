"""`nnkit leaderboard`: ranking, per-stage progress, pseudonyms, bad files and duplicates, and the
page itself as headless Chromium renders it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.checks.report import Report
from autograder.checks.stages import STAGES
from autograder.cli import main
from autograder.grader.classroom.leaderboard import load_entries, pseudonym
from tests.kit import chromium
from tests.kit.reports import DAY, report


def write(folder: Path, name: str, value: Report | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(value, Report):
        value.write(path)
    else:
        path.write_text(value, encoding="utf-8")
    return path


@pytest.fixture
def class_reports(tmp_path: Path) -> Path:
    """Five students, one folder per student as CI artifacts come."""
    folder = tmp_path / "artifacts"
    write(folder, "ada/report.json", report("ada", accuracy=0.9761, train_seconds=14.2,
                                            calibration=0.27))
    # Same accuracy as carol: faster by the clock, but on a runner three times as fast.
    write(folder, "bob/report.json", report("bob", accuracy=0.9590, train_seconds=6.0,
                                            calibration=0.10))
    write(folder, "carol/report.json", report("carol", accuracy=0.9590, train_seconds=9.0,
                                              calibration=0.30))
    write(folder, "dave/report.json", report("dave", passed=2))
    write(folder, "erin/report.json", report("erin", passed=4))
    return folder


def build(*args: str) -> tuple[object, Path]:
    result = CliRunner().invoke(main, ["leaderboard", *args])
    return result, Path(args[args.index("--out") + 1])


def test_ranked_by_accuracy_then_normalised_time_then_the_rest_by_score(class_reports):
    entries = load_entries([class_reports])
    assert [entry.student for entry in entries] == ["ada", "carol", "bob", "erin", "dave"]
    carol, bob = entries[1], entries[2]
    assert carol.train_seconds > bob.train_seconds  # slower by the clock...
    assert carol.normalised == pytest.approx(30.0) and bob.normalised == pytest.approx(60.0)


def test_markdown_table_has_every_student_with_stage_progress_and_graded_time(class_reports,
                                                                              tmp_path):
    result, out = build(str(class_reports), "--out", str(tmp_path / "board"))
    assert result.exit_code == 0, result.output
    rows = [line for line in (out / "leaderboard.md").read_text(encoding="utf-8").splitlines()
            if re.match(r"\| \d+ \|", line)]
    assert [row.split("|")[2].strip() for row in rows] == ["ada", "carol", "bob", "erin", "dave"]
    cells = {row.split("|")[2].strip(): [c.strip() for c in row.split("|")[1:-1]] for row in rows}
    assert cells["ada"][3] == "✅" * 6 and cells["ada"][4:7] == ["97.61%", "14.2 s", "52.6×"]
    assert cells["dave"][3] == "✅✅🟡⬜⬜⬜" and cells["dave"][4:7] == ["—", "—", "—"]
    assert cells["erin"][7] == "2026-11-20 10:00 UTC"
    assert "5 students · 3 trained on MNIST · 3 passed all six stages" in \
        (out / "leaderboard.md").read_text(encoding="utf-8")


def test_bad_and_foreign_files_are_skipped_with_a_warning_naming_each(class_reports, tmp_path):
    bad = {
        "broken.json": '{"score": 10, "stages": [',
        "package.json": '{"name": "left-pad", "version": "1.3.0"}',
        "list.json": "[1, 2, 3]",
        "wrong-types.json": json.dumps({"stages": [{"stage": 1, "name": "x", "score": "ten",
                                                    "max_score": 10}],
                                        "score": 0, "max_score": 100,
                                        "graded_at": DAY.format("09:00")}),
        "no-date.json": json.dumps({**json.loads(report("zed").to_json()), "graded_at": ""}),
    }
    paths = [write(tmp_path / "junk", name, text) for name, text in bad.items()]
    (tmp_path / "junk" / "binary.json").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    paths.append(tmp_path / "junk" / "binary.json")
    result, out = build(str(class_reports), *map(str, paths), "--out", str(tmp_path / "board"))
    assert result.exit_code == 0, result.output
    for path in paths:
        assert f"warning: skipped {path}: " in result.stderr, f"no warning names {path.name}"
    assert "is not valid JSON" in result.stderr and "is not an nnkit report" in result.stderr
    assert "'score' should be a number" in result.stderr and "'graded_at'" in result.stderr
    assert "(5 students)" in result.stdout
    assert "zed" not in (out / "index.html").read_text(encoding="utf-8")


def test_when_no_file_is_a_report_the_command_fails_and_says_so(tmp_path):
    path = write(tmp_path, "package.json", '{"name": "left-pad"}')
    result, _ = build(str(path), "--out", str(tmp_path / "board"))
    assert result.exit_code == 1
    assert "none of the given files is an nnkit report" in result.output


def test_duplicate_reports_for_a_student_keep_the_newest(tmp_path):
    newest = report("Ada", accuracy=0.9712, train_seconds=10.0, calibration=0.25,
                    graded_at=DAY.format("15:30"))
    older = report("ada", accuracy=0.9801, train_seconds=10.0, calibration=0.25,
                   graded_at=DAY.format("09:00"))
    # Read the newer one first and last: the order of the files must not matter.
    for order in (("a.json", "b.json"), ("b.json", "a.json")):
        folder = tmp_path / "-".join(order)
        write(folder, order[0], newest)
        write(folder, order[1], older)
        entries = load_entries([folder])
        assert [(e.student, e.accuracy) for e in entries] == [("Ada", 0.9712)]


def students_in(board: Path) -> list[str]:
    lines = (board / "leaderboard.md").read_text(encoding="utf-8").splitlines()
    return [line.split("|")[2].strip() for line in lines if re.match(r"\| \d+ \|", line)]


def test_anonymised_names_are_stable_pseudonyms_and_the_names_appear_nowhere(class_reports,
                                                                            tmp_path):
    result, out = build(str(class_reports), "--out", str(tmp_path / "a"), "--anonymise")
    assert result.exit_code == 0, result.output
    again, out_again = build(str(class_reports), "--out", str(tmp_path / "b"), "--anonymise")
    assert again.exit_code == 0, again.output
    for name in ("ada", "bob", "carol", "dave", "erin"):
        for page in (out / "index.html", out / "leaderboard.md"):
            assert not re.search(rf"\b{name}\b", page.read_text(encoding="utf-8")), name
    shown = students_in(out)
    assert shown == students_in(out_again) == [pseudonym(name) for name in
                                               ("ada", "carol", "bob", "erin", "dave")]
    assert all(re.fullmatch(r"[A-Z][a-z]+-[0-9a-f]{4}", name) for name in shown)
    assert len(set(shown)) == 5
    assert pseudonym("ada") == pseudonym("ADA") != pseudonym("ada", salt="course-secret")


def test_the_page_needs_nothing_from_the_network_and_is_made_for_phones(class_reports,
                                                                        tmp_path):
    _, out = build(str(class_reports), "--out", str(tmp_path / "board"))
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media (max-width:" in page and "<style>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "no remote files"
    assert "<script" not in page and "<link" not in page and "@import" not in page


def test_headless_chromium_shows_the_rows_in_rank_order_with_matching_counts(class_reports,
                                                                             tmp_path):
    _, out = build(str(class_reports), "--out", str(tmp_path / "board"))
    dom = chromium.dump_dom(out / "index.html", tmp_path / "profile")
    rows, counts = chromium.leaderboard(dom)
    assert [(row["rank"], row["student"]) for row in rows] == \
        [(1, "ada"), (2, "carol"), (3, "bob"), (4, "erin"), (5, "dave")]
    assert counts == {"students": 5, "trained": 3, "complete": 3}
    assert rows[3]["stages"] == ["passed"] * 4 + ["partial", "not-run"]
    assert all(len(row["stages"]) == len(STAGES) for row in rows)


def test_headless_chromium_takes_a_phone_size_screenshot_of_the_page(class_reports, tmp_path):
    _, out = build(str(class_reports), "--out", str(tmp_path / "board"))
    png = chromium.screenshot(out / "index.html", tmp_path / "profile", tmp_path / "phone.png")
    assert chromium.png_size(png) == chromium.PHONE
    assert png.stat().st_size > 20_000, "a page with five cards is not a near-blank image"


def test_a_report_graded_with_reference_code_is_labelled_and_never_ranked(class_reports):
    """Its accuracy and time are the reference's training: shown as such, ranked by score."""
    mallory = report("mallory", accuracy=0.99, train_seconds=0.5, calibration=0.2)
    mallory.stages[3].substituted = ["backward", "forward"]
    write(class_reports, "mallory/report.json", mallory)
    entries = load_entries([class_reports])
    assert [entry.student for entry in entries] == ["ada", "carol", "bob", "mallory", "erin",
                                                    "dave"]
    result, out = build(str(class_reports), "--out", str(class_reports.parent / "board"))
    assert result.exit_code == 0, result.output
    row = next(line for line in (out / "leaderboard.md").read_text().splitlines()
               if "mallory" in line)
    assert "graded with reference code, not ranked" in row and "0.5 s" not in row


def test_a_report_graded_behind_a_weak_fence_says_so_on_the_board(class_reports):
    """The board reads the fence's own verdict from the report (issue 22: one verdict)."""
    for name, fence in (("frank", "weak"), ("grace", "strong")):
        made = report(name, accuracy=0.9, train_seconds=5.0, calibration=0.2)
        made.fence = fence
        write(class_reports, f"{name}/report.json", made)
    result, out = build(str(class_reports), "--out", str(class_reports.parent / "board"))
    assert result.exit_code == 0, result.output
    rows = {name: next(line for line in (out / "leaderboard.md").read_text().splitlines()
                       if name in line) for name in ("frank", "grace")}
    assert "graded behind a weak fence" in rows["frank"]
    assert "fence" not in rows["grace"]
