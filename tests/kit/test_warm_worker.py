"""The first worker starts ahead, while the command imports its checks, and under bubblewrap it
is the fence's self-test too (autograder/sandbox/warm_worker.py): the grading takes it only if
it would have started the same worker, a bubblewrap whose worker does not answer is still not
trusted, and a worker nobody took does not outlive the command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.sandbox import warm_worker
from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.isolation import THREADS_ENV, Isolation
from autograder.sandbox.policy import choose_isolation
from tests.kit.conftest import ROOT
from tests.kit.redteam import as_source
from tests.kit.test_isolation import fake_bwrap

PROBE = "import os\n\ndef pid():\n    return os.getpid()\n"


@pytest.fixture(autouse=True)
def nothing_kept():
    warm_worker.keep(None)
    yield
    warm_worker.keep(None)


def kept_process():
    assert warm_worker._kept is not None
    return warm_worker._kept.process


def test_the_worker_started_ahead_is_the_one_the_grading_uses():
    warm_worker.prepare()
    ahead = kept_process()
    with SandboxedSubmission(as_source(PROBE)) as sub:
        assert sub.process is ahead and warm_worker._kept is None
        assert isinstance(sub.call("pid").value, int)  # it loaded the submission and answers
    assert ahead.poll() is not None  # and it stopped with the grading


def test_a_worker_started_for_other_settings_is_stopped_not_used(monkeypatch):
    warm_worker.prepare()
    ahead = kept_process()
    monkeypatch.setenv(THREADS_ENV, "2")  # the grading's worker would get another environment
    with SandboxedSubmission(as_source(PROBE)) as sub:
        assert sub.process is not ahead
        assert isinstance(sub.call("pid").value, int)
    assert ahead.poll() is not None


def test_a_bubblewrap_whose_worker_does_not_answer_is_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(fake_bwrap(tmp_path, "echo 'bwrap: no permission' >&2; exit 1"))
                       + os.pathsep + os.environ["PATH"])
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # not root: no dedicated-user fence either
    warm_worker.prepare()
    assert type(warm_worker._kept.isolation) is Isolation  # the fallback's worker, kept instead
    isolation = choose_isolation()
    assert type(isolation) is Isolation
    assert "bubblewrap failed its self-test: bwrap: no permission" in isolation.name


@pytest.mark.parametrize("fence", ["bwrap", "process"])
def test_a_worker_nobody_took_stops_when_the_command_exits(fence):
    # (bubblewrap's --die-with-parent would stop it anyway; the fallback fence has no such thing)
    script = ("from autograder.sandbox import warm_worker\nwarm_worker.prepare()\n"
              "print(warm_worker._kept.process.pid, flush=True)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT),
                                                      "NNKIT_ISOLATION": fence})
    assert done.returncode == 0, done.stderr
    pid = int(done.stdout.split()[-1])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists()


def test_a_worker_started_before_the_course_was_known_does_not_grade_in_it(course_folder,
                                                                           monkeypatch):
    # `nnkit --course DIR` names the course after the probe started: the early worker's fence
    # did not hide the course's secret, so it must not run the grading.
    monkeypatch.delenv("NNKIT_COURSE", raising=False)
    monkeypatch.chdir(course_folder.parent.parent)  # no course found from here
    warm_worker.prepare()
    ahead = kept_process()
    monkeypatch.setenv("NNKIT_COURSE", str(course_folder))
    with SandboxedSubmission(as_source(PROBE)) as sub:
        assert sub.process is not ahead
    assert ahead.poll() is not None


def test_a_worker_launched_first_is_the_one_made_ready_and_kept():
    launched = warm_worker.launch()  # bubblewrap is the fence here (NNKIT_ISOLATION unset)
    assert launched is not None and launched.process.poll() is None
    warm_worker.prepare(launched)
    assert kept_process() is launched.process  # answered the self-test; no second worker


def test_the_command_starts_its_worker_on_its_main_thread():
    # From the probe thread the start waited for the command's imports (they hold the
    # interpreter); the kernel names the thread that started a child: it must be the main one.
    script = ("import threading\nfrom autograder import early_fence\n"
              "early_fence.begin(['nnkit', 'check'])\n"
              "early_fence.wait()\nfrom autograder.sandbox import warm_worker\n"
              "main = threading.main_thread().native_id\n"
              "children = open(f'/proc/self/task/{main}/children').read().split()\n"
              "print(str(warm_worker._kept.process.pid) in children, flush=True)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True"]  # the main thread's child
