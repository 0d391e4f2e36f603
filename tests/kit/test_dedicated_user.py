"""The dedicated-user fence (root without bubblewrap): the worker runs as a uid of its own in
private namespaces, sees only what bubblewrap would show it, has no network, CPU-time,
process-count and memory limits, and nothing running as its uid survives the grading."""

from __future__ import annotations

import os
import resource
import uuid

import pytest

from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.dedicated_user import (
    DedicatedUserIsolation,
    kill_uid,
    processes_of,
)
from autograder.sandbox.isolation import UID_BASE, Isolation, Limits
from autograder.sandbox.policy import choose_isolation
from tests.kit.redteam import Listener, as_source, processes_with
from tests.kit.test_isolation import DAEMONS, FORKS, PROBE, secret_paths

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the dedicated-user fence is root's")

LIMITS = '''
import os
import resource


def limits():
    return {"cpu": resource.getrlimit(resource.RLIMIT_CPU)[0],
            "groups": os.getgroups(), "gid": os.getgid(),
            "no_new_privs": [line for line in open("/proc/self/status")
                             if line.startswith("NoNewPrivs")][0].split()[1],
            "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}
'''


def fenced(text: str, isolation: Isolation) -> SandboxedSubmission:
    return SandboxedSubmission(as_source(text), isolation)


def test_without_bubblewrap_root_gets_the_dedicated_user_fence(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    isolation = choose_isolation()
    assert type(isolation) is DedicatedUserIsolation and isolation.fenced
    assert isolation.name.startswith("dedicated user (uid of its own, no network")


def test_the_worker_sees_no_secrets_no_network_and_runs_as_its_own_uid():
    isolation = DedicatedUserIsolation(Limits())
    paths = secret_paths()
    with Listener() as listener, fenced(PROBE + LIMITS, isolation) as sub:
        found = sub.call("probe", paths, listener.port, True, timeout=20).value
        limits = sub.call("limits").value
        uid = found["uid"]
        assert processes_of(uid)  # the worker runs as that uid
    assert found["seen"] == [True] + [False] * (len(paths) - 1), list(zip(paths, found["seen"]))
    assert found["network"] != "connected" and listener.connections == []
    assert uid >= UID_BASE
    assert found["writable"] == ["/tmp"]  # its private /tmp, nothing else
    assert found["nproc"] == isolation.limits.max_processes
    assert found["memory"] == isolation.limits.memory_mb << 20
    assert limits["cpu"] == isolation.cpu_seconds and limits["no_new_privs"] == "1"
    assert limits["groups"] == [] and limits["gid"] == uid
    assert len(limits["processes"]) == 1  # /proc shows its own processes only
    assert not os.path.exists(os.path.join(os.path.dirname(paths[0]), "nnkit-probe"))
    assert processes_of(uid) == []


def test_every_process_of_the_uid_is_killed_when_grading_ends():
    marker = f"nnkit-test-daemon-{uuid.uuid4().hex}"
    isolation = DedicatedUserIsolation(Limits())
    try:
        with fenced(DAEMONS, isolation) as sub:
            assert sub.call("spawn", marker, timeout=20).value == "spawned"
            assert len(processes_with(marker)) == 3  # a child, a new session, a daemon
        assert processes_with(marker) == []
    finally:
        for pid in processes_with(marker):
            os.kill(pid, 9)


def test_kill_uid_reaches_a_process_outside_any_tree_and_without_the_token():
    """The sweep by uid, alone: a process of the uid started by someone else entirely."""
    import subprocess

    uid = UID_BASE + 15  # never a worker's (those add pid * UID_SLOTS)

    def become() -> None:
        os.setsid()
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)

    stray = subprocess.Popen(["/bin/sleep", "30"], preexec_fn=become, env={})
    try:
        assert processes_of(uid) == [stray.pid]
        kill_uid(uid)
        assert processes_of(uid) == [] and stray.wait(timeout=5) == -9
    finally:
        if stray.poll() is None:
            stray.kill()


def test_the_process_count_limit_holds():
    with fenced(FORKS, DedicatedUserIsolation(Limits(max_processes=12))) as sub:
        started, error = sub.call("fork_until_refused", 100, timeout=20).value
    assert error == "BlockingIOError" and started < 12


SPIN = '''
def spin():
    while True:
        pass
'''


def test_the_cpu_time_limit_stops_a_worker_that_spins():
    isolation = DedicatedUserIsolation(Limits(), cpu_seconds=1)
    with fenced(SPIN, isolation) as sub:
        from autograder.sandbox.client import SubmissionProblem

        with pytest.raises(SubmissionProblem) as raised:
            sub.call("spin", timeout=30)
    assert raised.value.kind == "crashed"
    assert "SIGXCPU" in raised.value.detail["reason"] or "SIGKILL" in raised.value.detail["reason"]
    assert resource.getrlimit(resource.RLIMIT_CPU)[0] == resource.RLIM_INFINITY  # ours untouched
