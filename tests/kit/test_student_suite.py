"""The staged pytest suite students run: everything passes on the reference; on the stubs,
stage 1 fails with friendly messages and later stages are shown as locked."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.kit.conftest import ROOT


def run_suite(submission, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NNKIT_SUBMISSION": str(submission)}
    return subprocess.run([sys.executable, "-m", "pytest", "tests/stages", "-q", "-rs",
                           "-p", "no:cacheprovider", *extra], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_student_suite_passes_on_the_reference_solution(solution_file):
    run = run_suite(solution_file, "-k", "not stage6")
    assert run.returncode == 0, run.stdout[-3000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


def test_student_suite_on_stubs_fails_stage_1_and_locks_the_rest(stub_file):
    run = run_suite(stub_file)
    assert run.returncode == 1
    assert "6 failed" in run.stdout and "24 skipped" in run.stdout  # 30 checks, 6 in stage 1
    assert "locked: stage 1 has failing checks" in run.stdout
    assert "`neuron` is not written yet" in run.stdout
    assert "Traceback" not in run.stdout and "During handling" not in run.stdout
