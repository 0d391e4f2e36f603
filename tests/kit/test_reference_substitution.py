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


def test_a_broken_backward_costs_its_points_once_and_reference_work_earns_none(solution_text,
                                                                              grade_text):
    text = apply_edits(solution_text, [BROKEN_BACKWARD])
    plain = grade_text(text)
    substituted = grade_text(text, substitute_reference=True)
    # Stage 4 grades the student's own backward either way.
    assert plain.stages[3].score == substituted.stages[3].score == 5
    # Without substitution, train's checks fail and say it is backward's doing.
    failed = failing_checks(plain)
    assert TRAIN_CHECKS <= set(failed)
    assert all("train uses your backward, which failed stage 4" in failed[check]
               for check in TRAIN_CHECKS), failed
    assert plain.stages[4].score == 20 - 13 and plain.stages[4].substituted == []
    # With it, they show what they would have shown with the reference's backward (passed),
    # and earn nothing: the reference did that work.
    failed = failing_checks(substituted)
    assert all(failed[check].startswith("Would have passed") for check in TRAIN_CHECKS), failed
    assert substituted.stages[4].score == 7 and substituted.score == plain.score
    assert substituted.stages[4].substituted == ["backward", "forward"]
    assert [check.substituted for check in substituted.stages[4].checks
            if check.id in TRAIN_CHECKS] == [["forward", "backward"]] * 2
    assert substituted.problems == [
        "From stage 5 on, grading ran the reference solution's backward (it failed in stage 4), "
        "forward (it shares the cache with backward) in place of yours, to show what your later "
        "code does; the checks that ran them earn nothing."]


def test_a_broken_forward_waits_until_backward_is_graded(solution_text, grade_text):
    # backward reads forward's cache, so forward is replaced only once backward was graded too.
    text = apply_edits(solution_text, [
        ('z = activations[-1] @ params[f"W{layer}"] + params[f"b{layer}"]',
         'z = activations[-1] @ params[f"W{layer}"]')])
    report = grade_text(text, substitute_reference=True)
    assert [stage.substituted for stage in report.stages[:5]] == [[], [], [], [],
                                                                  ["forward", "backward"]]
    assert not report.stages[2].passed
    assert all(check.passed or check.message.startswith("Would have passed")
               for check in report.stages[4].checks), failing_checks(report)


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
    assert report["stages"][4]["score"] == 7
    assert "reference solution's backward" in report["problems"][0]


def test_stubs_graded_with_substitution_earn_nothing_for_the_references_training(stub_file,
                                                                                 grade_text):
    """Issue 23: stubs got stage 6's 20 points from the reference's train. Now stage 6 pays only
    HYPERPARAMS' check; the report keeps what the training showed, marked as the reference's."""
    hyperparameters = ('\nHYPERPARAMS = {"layer_sizes": [784, 100, 10], "epochs": 4, '
                       '"batch_size": 24, "learning_rate": 0.5}\n')
    report = grade_text(stub_file.read_text() + hyperparameters, stages=(1, 2, 3, 4, 5, 6),
                        substitute_reference=True)
    failed = failing_checks(report)
    assert report.stages[5].score == 2, failed  # HYPERPARAMS' own check
    assert failed["stage6.mnist_accuracy"].startswith("Would have passed (test accuracy")
    assert "reference solution's train" in failed["stage6.mnist_accuracy"]
    assert report.mnist["accuracy"] is None and report.mnist["train_seconds"] is None
    assert "train" in report.mnist["substituted"]
    assert report.mnist["accuracy_with_reference"] >= 0.95
