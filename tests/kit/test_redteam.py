"""The red-team corpus (tests/kit/redteam/): every hostile submission is graded, each failure
says why in plain words, no check passes that the honest version of the same code fails, and
the machine is left as it was (no process left running, the kit's files unchanged)."""

from __future__ import annotations

import base64
import functools
import io
import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from autograder.checks.grade import GradeOptions, grade
from autograder.checks.report import Report
from autograder.data import load_mnist
from autograder.grader import arithmetic
from tests.kit.conftest import ROOT, apply_edits, failing_checks
from tests.kit.redteam import (
    Listener,
    honest_version,
    hostile_text,
    processes_with,
    tree_digest,
)
from tests.kit.test_reference_substitution import BROKEN_BACKWARD


@dataclass
class Case:
    file: str
    stages: tuple[int, ...]
    reasons: dict[str, str]  # check id -> words its failure message must contain
    still_pass: tuple[str, ...] = ()  # checks after the attack that must pass (grading went on)
    call_timeout: float = 5.0
    problem: str = ""  # words the report's problems must contain
    env: dict[str, str] = field(default_factory=dict)
    processes_seen: tuple[int, int] | None = None  # (min, max) marked processes while grading
    targets_kit_files: bool = False  # hash the kit's files before and after
    max_accuracy: float | None = None  # the most the hostile version may score on MNIST


CASES = [
    Case("exit_at_import.py", (1, 2),
         {"stage1.neuron_values": "stopped during `(loading your definitions)`: it exited with "
                                  "code 3",
          "stage2.sigmoid_values": "it exited with code 3"},
         problem="running your definitions stopped: it exited with code 3"),
    Case("exit_in_stage.py", (2, 3), {"stage2.derivative_values": "it exited with code 3"},
         still_pass=("stage3.forward_values",)),
    Case("infinite_loop.py", (1, 2), {"stage1.neuron_values": "did not finish within 0.5 s"},
         still_pass=("stage2.sigmoid_values",), call_timeout=0.5),
    Case("ignores_signals.py", (1, 2), {"stage1.neuron_values": "did not finish within 0.5 s"},
         still_pass=("stage2.sigmoid_values",), call_timeout=0.5),
    Case("memory_exhaustion.py", (3,), {"stage3.forward_values": "raised MemoryError"},
         still_pass=("stage3.init_shapes",), env={"NNKIT_MEMORY_MB": "640"}, call_timeout=10.0),
    Case("memfd_hoard.py", (3,), {"stage3.forward_values": "memfd refused: [Errno 1]"},
         still_pass=("stage3.init_shapes",)),
    Case("leaves_children.py", (1,), {}, still_pass=("stage1.cost_values",),
         processes_seen=(3, 64)),
    Case("daemonises.py", (1,), {}, still_pass=("stage1.cost_values",), processes_seen=(1, 64)),
    Case("fork_flood.py", (1,), {}, still_pass=("stage1.gradient_values",),
         processes_seen=(10, 63)),  # the worker's limit is 64 processes, itself included
    Case("network.py", (1,), {"stage1.cost_values": "no network: [Errno"}),
    Case("patch_numpy.py", (3,), {"stage3.forward_is_pure": "forward changed its input X"},
         still_pass=("stage3.forward_values",)),
    Case("patch_builtins.py", (1,), {"stage1.cost_values": "It equals the MEAN"}),
    Case("patch_grader_modules.py", (5,),
         {"stage5.update_is_pure": "update changed its argument params"},
         still_pass=("stage5.update_values",)),
    Case("overwrite_tests.py", (1,), {"stage1.neuron_values": "is wrong at index"},
         targets_kit_files=True),
    Case("find_solution.py", (1,), {"stage1.neuron_values": "no solution on this disk"},
         call_timeout=10.0),
    Case("mnist_test_set.py", (6,), {"stage6.mnist_training_finishes": "no MNIST test set"},
         still_pass=("stage6.hyperparameters_valid",)),
    Case("equal_to_anything.py", (1,),
         {"stage1.neuron_values": "is wrong at index",
          "stage1.cost_values": "should be a single number, but it is an object of type "
                                "Anything"}),
    Case("forged_reply.py", (1, 2),
         {"stage1.neuron_values": "its reply to the grader was unreadable (message larger than "
                                  "16 MB)"},
         still_pass=("stage2.sigmoid_values",)),
    Case("segfault.py", (2, 3), {"stage2.derivative_values": "killed by signal SIGSEGV"},
         still_pass=("stage3.forward_values",)),
    Case("import_grader.py", (2, 4),
         {"stage2.derivative_values": "autograder.grader.arithmetic is part of the grader and "
                                      "not available while your code is graded",
          "stage4.backward_one_hidden_layer": "autograder.checks.gradcheck.backprop is part of "
                                              "the grader"},
         still_pass=("stage2.sigmoid_values", "stage4.cross_entropy_values")),
    Case("numerical_backward.py", (4,),
         {"stage4.backward_realistic_size": "did not finish within 5 s (layer_sizes=[784, 100, "
                                            "10], m=32 samples)"},
         still_pass=("stage4.backward_one_hidden_layer", "stage4.backward_any_depth")),
    Case("forged_training_log.py", (5,),
         {"stage5.train_behaviour": "but redoing its 15 updates"},
         still_pass=("stage5.train_learns", "stage5.update_values")),
    Case("pasted_weights.py", (6,), {"stage6.mnist_accuracy": "is below the 95% needed"},
         still_pass=("stage6.mnist_training_finishes",), max_accuracy=0.2),
    # issue 23: the grader owns the conditions it observes, and the packages submitted code uses
    Case("sigmoid_hides_overflow.py", (2,), {"stage2.sigmoid_is_stable": "overflowed"},
         still_pass=("stage2.sigmoid_values", "stage2.derivative_values")),
    Case("sigmoid_hides_overflow_inside.py", (2,), {"stage2.sigmoid_is_stable": "overflowed"},
         still_pass=("stage2.sigmoid_values", "stage2.derivative_values")),
    Case("sigmoid_edits_worker_frames.py", (2,), {"stage2.sigmoid_is_stable": "overflowed"},
         still_pass=("stage2.sigmoid_values", "stage2.derivative_values")),
    Case("library_does_the_work.py", (2, 4),
         {"stage2.sigmoid_values": "scipy is not available at grading (your code imports "
                                   "scipy.special)",
          "stage4.cross_entropy_values": "sklearn is not available at grading (your code imports "
                                         "sklearn.metrics): the course allows NumPy and the "
                                         "standard library"},
         problem="scipy is not available at grading"),
    Case("huge_values.py", (1,),
         {"stage1.neuron_values": "should be a NumPy array of numbers, but it is str 'xxxx",
          "stage1.cost_values": "raised ValueError: yyyy",
          "stage1.gradient_values": "its reply to the grader was unreadable (message larger "
                                    "than 16 MB)"}),
]
MAX_REPORT_BYTES = 1 << 20  # whatever a submission returns, prints or raises
MAX_MESSAGE = 8100  # characters: grade.MAX_MESSAGE and the note saying it was cut


@functools.cache
def pasted_weights() -> str:
    """A 784-10 network fitted in advance to the real (not permuted) MNIST, as the base64 of an
    .npz: what a student could paste into a submission."""
    X, Y, _ = load_mnist("train")
    params = arithmetic.random_network([784, 10], 0, scale=0.1)
    params["b1"] = np.zeros(10)
    for start in range(0, 30_000, 50):
        rows = slice(start, start + 50)
        grads = arithmetic.gradients(params, X[rows], Y[rows])
        params = {key: params[key] - 0.5 * grads[key] for key in params}
    buffer = io.BytesIO()
    np.savez(buffer, **params)
    return base64.b64encode(buffer.getvalue()).decode()


def passed(report: Report) -> dict[str, bool]:
    return {check.id: check.passed for stage in report.stages if stage.ran
            for check in stage.checks}


def kit_files() -> dict[str, dict[str, str]]:
    return {folder: tree_digest(ROOT / folder) for folder in ("tests", "autograder",
                                                              "assignments")}


def grade_file(path: Path, text: str, case: Case, marker: str) -> tuple[Report, int]:
    """Grade `text`; also return the most marked processes seen running between checks."""
    seen = [0]

    def watch(stage, result) -> None:
        seen[0] = max(seen[0], len(processes_with(marker)))

    path.write_text(text, encoding="utf-8")
    report = grade(path, GradeOptions(stages=case.stages, call_timeout=case.call_timeout,
                                      on_check=watch))
    return report, seen[0]


# Each fence the kit grades for credit under: bubblewrap, and (root without bubblewrap) the
# dedicated user (autograder/sandbox/dedicated_user.py).
FENCES = {"bwrap": "bubblewrap", "user": "dedicated user"}


@pytest.mark.parametrize("fence", FENCES)
@pytest.mark.parametrize("case", CASES, ids=[case.file[:-3] for case in CASES])
def test_hostile_submission_gains_nothing_and_leaves_no_trace(case, fence, solution_text,
                                                             tmp_path, monkeypatch):
    monkeypatch.setenv("NNKIT_ISOLATION", fence)
    for variable, value in case.env.items():
        monkeypatch.setenv(variable, value)
    marker = f"nnkit-redteam-{uuid.uuid4().hex}"
    with Listener() as listener:
        weights = pasted_weights() if case.max_accuracy is not None else ""
        fragment = hostile_text(case.file, marker=marker, port=listener.port,
                                report=tmp_path / "report.json", weights=weights)
        # (only where the attack targets them: other engineers may be editing the checkout)
        before = kit_files() if case.targets_kit_files else {}
        try:
            hostile, seen = grade_file(tmp_path / "hostile.py",
                                       f"{solution_text}\n\n{fragment}", case, marker)
            left_running = processes_with(marker)
        finally:
            for pid in processes_with(marker):  # never leave the machine worse, even on failure
                os.kill(pid, 9)
        assert (kit_files() if case.targets_kit_files else {}) == before, "kit files changed"
        assert listener.connections == [], "a connection reached the test's server"
    assert left_running == [], "processes the submission started outlived the grading"
    honest, _ = grade_file(tmp_path / "honest.py",
                           f"{solution_text}\n\n{honest_version(fragment)}", case, marker)

    assert hostile.isolation.startswith(FENCES[fence]), hostile.isolation
    gained = [check for check, ok in passed(hostile).items() if ok and not passed(honest)[check]]
    assert gained == [], f"points the honest version does not earn: {gained}"
    failed = failing_checks(hostile)
    for check, words in case.reasons.items():
        assert words in failed.get(check, "(passed)"), f"{check}: {failed.get(check)}"
    assert all(passed(hostile)[check] for check in case.still_pass), failed
    assert case.problem in " ".join(hostile.problems)
    assert len(hostile.to_json().encode()) < MAX_REPORT_BYTES
    assert all(len(check.message) <= MAX_MESSAGE for stage in hostile.stages
               for check in stage.checks)
    if case.max_accuracy is not None:
        assert hostile.mnist["accuracy"] <= case.max_accuracy, hostile.mnist
    if case.processes_seen:
        low, high = case.processes_seen
        assert low <= seen <= high, f"{seen} marked processes ran during grading"


def test_fake_output_and_fake_reports_do_not_reach_the_real_report(solution_text, tmp_path):
    """Through the real CLI: the report at --json is the grader's, the terminal shows the real
    score, and no fake report appears in the working folder or the home folder."""
    report_path, home = tmp_path / "report.json", tmp_path / "home"
    home.mkdir()
    fragment = hostile_text("fake_output_and_reports.py", report=report_path)
    submission = tmp_path / "submission.py"
    submission.write_text(f"{solution_text}\n\n{fragment}", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(submission),
                           "--json", str(report_path), "--stages", "1"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "HOME": str(home), "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    report = json.loads(report_path.read_text())
    honest_path = tmp_path / "honest.py"
    honest_path.write_text(f"{solution_text}\n\n{honest_version(fragment)}", encoding="utf-8")
    honest = grade(honest_path, GradeOptions(stages=(1,)))
    assert "forged" not in report and report["isolation"].startswith("bubblewrap")
    assert report["score"] == honest.score < 10
    assert "100/100" not in done.stdout and "All checks passed" not in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "honest.py", "report.json",
                                                          "submission.py"]
    assert list(home.iterdir()) == []


def test_substituted_reference_never_runs_in_the_submissions_process(solution_text, tmp_path):
    """With a broken backward, stage 5 runs the reference's forward and backward for the
    submission; they run in a worker of their own, so nothing of them is in its process."""
    fragment = hostile_text("reference_spy.py")
    path = tmp_path / "submission.py"
    path.write_text(apply_edits(solution_text, [BROKEN_BACKWARD]) + "\n\n" + fragment,
                    encoding="utf-8")
    report = grade(path, GradeOptions(stages=(1, 2, 3, 4, 5), substitute_reference=True))
    assert report.stages[4].substituted == ["backward", "forward"]
    failed = failing_checks(report)
    assert "reference functions in this process: 0" in failed["stage5.predict_labels"]
    assert "stage5.train_learns" not in failed  # train ran on the reference's functions


def test_a_submission_linked_to_another_file_is_refused_unread(solution_text, tmp_path):
    """A submission folder whose notebook is a symbolic link to a file elsewhere (another
    student's work, the kit's reference, a host file), a FIFO or a device: refused, and not a
    character of the target reaches the report."""
    outside = tmp_path / "someone_else.py"
    outside.write_text(solution_text, encoding="utf-8")
    cases = {"link": lambda folder: (folder / "neural_network.py").symlink_to(outside),
             "host": lambda folder: (folder / "neural_network.py").symlink_to("/etc/hostname"),
             "fifo": lambda folder: os.mkfifo(folder / "neural_network.py"),
             "device": lambda folder: (folder / "neural_network.py").symlink_to("/dev/zero")}
    words = {"link": "symbolic link to a file outside the submission folder",
             "host": "symbolic link to a file outside the submission folder",
             "fifo": "is a FIFO (named pipe), not a file", "device": "is a device, not a file"}
    for name, make in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        make(folder)
        report = grade(folder, GradeOptions(stages=(1,)))
        text = report.to_json()
        assert report.score == 0 and words[name] in report.problems[0], report.problems
        assert "def neuron" not in text and "BEGIN SOLUTION" not in text
    inside = tmp_path / "own"  # a link that stays inside the folder is the student's own file
    inside.mkdir()
    (inside / "work.py").write_text(solution_text, encoding="utf-8")
    (inside / "neural_network.py").symlink_to("work.py")
    assert grade(inside, GradeOptions(stages=(1,))).score == 10


def test_functions_that_return_none_earn_nothing(solution_text, tmp_path):
    names = re.findall(r"^def (\w+)\((.*)\):", solution_text, flags=re.M)
    stubs = "\n".join(f"def {name}({args}):\n    return None\n" for name, args in names)
    path = tmp_path / "nones.py"
    path.write_text(f"HYPERPARAMS = None\n\n{stubs}", encoding="utf-8")
    report = grade(path, GradeOptions(stages=(1, 2, 3, 4, 5, 6)))
    assert report.score == 0, {check: True for check, ok in passed(report).items() if ok}


def test_grader_modules_cannot_be_imported_without_bubblewrap_either(solution_text, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("NNKIT_ISOLATION", "process")
    fragment = hostile_text("import_grader.py")
    path = tmp_path / "hostile.py"
    path.write_text(f"{solution_text}\n\n{fragment}", encoding="utf-8")
    report = grade(path, GradeOptions(stages=(2,)))
    assert report.isolation.startswith("process group")
    assert ("autograder.grader.arithmetic is part of the grader and not available"
            in failing_checks(report)["stage2.derivative_values"])


def test_the_corpus_has_every_attack_the_issue_names():
    files = {path.name for path in (ROOT / "tests" / "kit" / "redteam").glob("*.py")
             if path.name != "__init__.py"}
    graded = {case.file for case in CASES} | {"fake_output_and_reports.py", "reference_spy.py"}
    assert files == graded and len(files) >= 15
