"""A mistake in an earlier stage does not wipe out later stages: with substitution on, later
stages run the reference in place of the functions that failed, and the report says so."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.kit.conftest import ROOT, apply_edits, failing_checks

TRAIN_CHECKS = {"stage5.train_behaviour", "stage5.train_learns"}  # 9 + 4 points
BROKEN_BACKWARD = ("    grads = {}\n    delta = (activations[-1] - Y) / m\n",
                   "    grads = {}\n    delta = (activations[-1] - Y) / m\n"
                   "    raise KeyError('delta')  # a student's unfinished backward\n")


def test_a_broken_backward_costs_stage_5_only_without_substitution(solution_text, grade_text):
    text = apply_edits(solution_text, [BROKEN_BACKWARD])
    plain = grade_text(text)
    substituted = grade_text(text, substitute_reference=True)
    # Stage 4 grades the student's own backward either way.
    assert plain.stages[3].score == substituted.stages[3].score == 5
    assert TRAIN_CHECKS <= set(failing_checks(plain))
    assert plain.stages[4].score == 20 - 13 and plain.stages[4].substituted == []
    assert not TRAIN_CHECKS & set(failing_checks(substituted))
    assert substituted.stages[4].score == 20 and substituted.score == plain.score + 13
    assert substituted.stages[4].substituted == ["backward", "forward"]
    assert substituted.problems == [
        "From stage 5 on, grading ran the reference solution's backward (it failed in stage 4), "
        "forward (it shares the cache with backward) in place of yours, so that a mistake "
        "costs points only once, in its own stage."]


def test_a_broken_forward_waits_until_backward_is_graded(solution_text, grade_text):
    # backward reads forward's cache, so forward is replaced only once backward was graded too.
    text = apply_edits(solution_text, [
        ('z = activations[-1] @ params[f"W{layer}"] + params[f"b{layer}"]',
         'z = activations[-1] @ params[f"W{layer}"]')])
    report = grade_text(text, substitute_reference=True)
    assert [stage.substituted for stage in report.stages[:5]] == [[], [], [], [],
                                                                  ["forward", "backward"]]
    assert not report.stages[2].passed and report.stages[4].passed


def test_a_passing_submission_is_graded_on_its_own_code(solution_text, grade_text):
    report = grade_text(solution_text, substitute_reference=True)
    assert report.score == 80 and report.problems == []
    assert all(stage.substituted == [] for stage in report.stages)


def test_nothing_is_substituted_after_the_last_graded_stage(solution_text, grade_text):
    report = grade_text(apply_edits(solution_text, [BROKEN_BACKWARD]), stages=(1, 2, 3, 4),
                        substitute_reference=True)
    assert report.problems == [] and report.stages[3].substituted == []


def test_grade_command_substitutes_with_the_flag(solution_text, tmp_path):
    path = tmp_path / "submission.py"
    path.write_text(apply_edits(solution_text, [BROKEN_BACKWARD]), encoding="utf-8")
    out = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(path),
                          "--stages", "1-5", "--substitute-reference", "--json", str(out),
                          "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    report = json.loads(out.read_text())
    assert report["stages"][4]["substituted"] == ["backward", "forward"]
    assert report["stages"][4]["score"] == 20
    assert "reference solution's backward" in report["problems"][0]
