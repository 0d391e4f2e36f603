"""The fence around the worker: bubblewrap is in force where installed (the fallback where it is
not, and the report says which); the submission sees no kit files, MNIST or network, runs as an
unprivileged uid with memory and process-count limits; nothing it starts outlives the grading."""

from __future__ import annotations

import os
import socket
import stat
import uuid
from pathlib import Path

import pytest

from autograder.errors import KitEnvironmentError
from autograder.sandbox.client import SandboxedSubmission, SubmissionProblem
from autograder.sandbox.isolation import (
    BubblewrapIsolation,
    Isolation,
    IsolationUnavailable,
    Limits,
)
from autograder.sandbox.policy import choose_isolation
from tests.kit.conftest import ROOT, apply_edits, failing_checks
from tests.kit.redteam import Listener, as_source, processes_with

PROBE = '''
import os
import resource
import socket


def probe(paths, port, try_writing):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        network = "connected"
    except OSError as error:
        network = type(error).__name__
    writable = []
    for folder in ("/usr", "/etc", "/tmp", os.path.dirname(paths[0])) if try_writing else ():
        try:
            with open(os.path.join(folder, "nnkit-probe"), "w") as file:
                file.write("x")
            writable.append(folder)
        except OSError:
            pass
    return {"uid": os.getuid(), "seen": [os.path.exists(path) for path in paths],
            "network": network, "writable": writable,
            "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0],
            "memory": resource.getrlimit(resource.RLIMIT_AS)[0]}
'''


def fenced(text: str, isolation: Isolation) -> SandboxedSubmission:
    return SandboxedSubmission(as_source(text), isolation)


@pytest.fixture(scope="module")
def bubblewrap() -> BubblewrapIsolation:
    isolation = choose_isolation()
    assert isinstance(isolation, BubblewrapIsolation), (
        f"expected bubblewrap to be in force, got: {isolation.name}. "
        "Install it (apt-get install -y bubblewrap); .ci/run does.")
    return isolation


def secret_paths() -> list[str]:
    """What a submission must not see; the first is a readable kit file (a positive control)."""
    return [str(ROOT / "autograder" / "sandbox" / "worker_side" / "worker.py"),
            str(ROOT / "assignments" / "neural_network" / "neural_network.py"),
            str(ROOT / "tests" / "kit" / "conftest.py"),
            str(ROOT / "pyproject.toml"),
            os.environ["NNKIT_MNIST_DIR"],
            os.environ["NNKIT_CACHE_DIR"],
            str(Path.home() / ".cache" / "nnkit")]


def test_bubblewrap_is_in_force_here_and_the_report_names_it(bubblewrap, grade_text,
                                                             solution_text):
    report = grade_text(solution_text, stages=(1,))
    assert report.score == 10
    assert report.isolation == bubblewrap.name
    assert report.isolation.startswith("bubblewrap (no network")


def test_under_bubblewrap_the_worker_sees_no_secrets_no_network_and_runs_unprivileged(bubblewrap):
    paths = secret_paths()
    with Listener() as listener:
        socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()  # it listens
        with fenced(PROBE, bubblewrap) as sub:
            found = sub.call("probe", paths, listener.port, True, timeout=20).value
    assert found["seen"] == [True] + [False] * (len(paths) - 1), list(zip(paths, found["seen"]))
    assert found["network"] != "connected" and len(listener.connections) == 1
    assert found["uid"] != 0
    assert found["writable"] == ["/tmp"]  # its private /tmp, nothing else
    assert found["nproc"] == bubblewrap.limits.max_processes
    assert found["memory"] == bubblewrap.limits.memory_mb << 20
    for folder in ("/usr", "/etc", os.path.dirname(paths[0]), "/tmp"):
        assert not Path(folder, "nnkit-probe").exists()


def test_the_fallback_fence_is_weaker_and_its_name_says_so(tmp_path):
    """The contrast that proves the probe above can see secrets when nothing hides them."""
    isolation = Isolation(Limits())
    with Listener() as listener, fenced(PROBE, isolation) as sub:
        # (not writing: unfenced, it would really write into /usr and the kit)
        found = sub.call("probe", secret_paths()[:3], listener.port, False, timeout=20).value
    assert found["seen"] == [True, True, True] and found["network"] == "connected"
    assert "no file-system, network or process-count fence" in isolation.name


FORKS = '''
import os
import time


def fork_until_refused(limit):
    started = 0
    try:
        for _ in range(limit):
            if os.fork() == 0:
                time.sleep(20)
                os._exit(0)
            started += 1
    except OSError as error:
        return started, type(error).__name__
    return started, None
'''


def test_the_process_count_limit_holds_for_root_too(bubblewrap):
    isolation = BubblewrapIsolation(Limits(max_processes=12), bubblewrap.bwrap)
    with fenced(FORKS, isolation) as sub:
        started, error = sub.call("fork_until_refused", 100, timeout=20).value
    assert error == "BlockingIOError" and started < 12


ALLOCATE = '''
import numpy as np


def allocate(gib):
    return float(np.ones(int(gib * 2**30) // 8).sum())
'''


@pytest.mark.parametrize("kind", ["bubblewrap", "fallback"])
def test_the_memory_limit_turns_a_huge_allocation_into_memory_error(kind, bubblewrap):
    limits = Limits(memory_mb=768)
    isolation = (BubblewrapIsolation(limits, bubblewrap.bwrap) if kind == "bubblewrap"
                 else Isolation(limits))
    with fenced(ALLOCATE, isolation) as sub:
        assert sub.call("allocate", 0.01).value == 0.01 * 2**30 // 8  # small ones still work
        with pytest.raises(SubmissionProblem) as raised:
            sub.call("allocate", 2)  # refused by the address-space limit before any is used
    assert raised.value.kind == "raised" and raised.value.detail["type"] == "MemoryError"


DAEMONS = '''
import os
import signal
import subprocess
import sys
import time

SLEEP = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(30)"


def spawn(marker):
    subprocess.Popen([sys.executable, "-c", SLEEP, marker])  # a plain child
    subprocess.Popen([sys.executable, "-c", SLEEP, marker], start_new_session=True)
    if os.fork() == 0:  # a daemon: double fork, new session, parent gone
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", SLEEP, marker])
        os._exit(0)
    time.sleep(1)
    return "spawned"
'''


@pytest.mark.parametrize("kind", ["bubblewrap", "fallback"])
def test_nothing_the_submission_started_outlives_the_grading(kind, bubblewrap):
    isolation = bubblewrap if kind == "bubblewrap" else Isolation(Limits())
    marker = f"nnkit-test-daemon-{uuid.uuid4().hex}"
    try:
        with fenced(DAEMONS, isolation) as sub:
            assert sub.call("spawn", marker, timeout=20).value == "spawned"
            assert len(processes_with(marker)) == 3  # they really run, outside the tree too
        assert processes_with(marker) == []
    finally:
        for pid in processes_with(marker):  # leave the machine as it was even if this failed
            os.kill(pid, 9)


def fake_bwrap(folder: Path, script: str) -> Path:
    path = folder / "bwrap"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return folder


def test_without_bubblewrap_the_fallback_is_used_and_the_reason_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # not root: no dedicated-user fence either
    isolation = choose_isolation()
    assert type(isolation) is Isolation and not isolation.fenced
    assert isolation.name.endswith("bubblewrap (bwrap) is not installed; the dedicated-user "
                                   "fence needs the grader to run as root)")


def test_a_bubblewrap_that_fails_its_self_test_is_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(fake_bwrap(tmp_path, "echo 'bwrap: no permission' >&2; exit 1")))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # not root: no dedicated-user fence either
    isolation = choose_isolation()
    assert type(isolation) is Isolation
    assert "bubblewrap failed its self-test: bwrap: no permission" in isolation.name
    monkeypatch.setenv("NNKIT_ISOLATION", "bwrap")
    with pytest.raises(IsolationUnavailable, match="NNKIT_ISOLATION=bwrap, but bubblewrap failed"):
        choose_isolation()


def test_bad_isolation_settings_are_refused_with_the_accepted_values(monkeypatch):
    monkeypatch.setenv("NNKIT_ISOLATION", "docker")
    with pytest.raises(KitEnvironmentError, match="use one of auto, bwrap, user, process"):
        choose_isolation()
    monkeypatch.setenv("NNKIT_ISOLATION", "auto")
    monkeypatch.setenv("NNKIT_MEMORY_MB", "lots")
    with pytest.raises(KitEnvironmentError,
                       match="NNKIT_MEMORY_MB='lots' should be a positive whole"):
        choose_isolation()


def test_a_stage_has_a_time_limit_for_all_its_calls_together(grade_text, solution_text):
    # Each call of neuron takes 0.7 s, well under the 5 s a call may take; neuron_cost calls it.
    text = apply_edits(solution_text, [
        ("    return b + w * np.asarray(x, dtype=float)",
         "    import time\n    time.sleep(0.7)\n    return b + w * np.asarray(x, dtype=float)"),
    ])
    report = grade_text(text, stages=(1, 2), stage_timeout=2.0, call_timeout=5.0)
    failed = failing_checks(report)
    assert "stage1.neuron_values" not in failed  # two calls of 0.7 s fit in the 2 s
    assert "this stage's time limit (2 s for all its checks together) ran out" in (
        failed["stage1.cost_values"])
    assert report.stages[1].passed  # the next stage has its own time
