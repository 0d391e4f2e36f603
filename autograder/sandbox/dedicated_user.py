"""The fence where bubblewrap cannot run but the grader is root (Gradescope's image, most
containers): the worker runs as a dedicated unprivileged uid, one per grading slot, in private
namespaces built here with the kernel's own calls.

The grader starts `python -m autograder.sandbox.dedicated_user PLAN` (as root) instead of the
worker. Before any submitted code exists, that bootstrap:

1. enters new mount, network, IPC and UTS namespaces (no network: only a loopback that is down);
2. builds, on a size-capped tmpfs, the same file-system view bubblewrap gets
   (`isolation.filesystem_view`, read here as a list of bwrap arguments): read-only system and
   Python, the kit's package, a private size-capped /tmp; never the checkout around the package
   (reference solution, tests), MNIST, reports, outputs or other submissions; a /proc that shows
   only the worker's own processes (hidepid);
3. chroots into it, sets RLIMIT_CPU and RLIMIT_NPROC, drops to the dedicated uid (no groups, no
   capabilities, no_new_privs so no set-uid program gives them back), installs the memfd
   seccomp filter, and execs the worker.

The uid is the worker's alone: when grading ends, every process running as it is killed
(`kill(-1, SIGKILL)` sent *as that uid*, which reaches exactly its processes, repeated until
none is left), so nothing of a submission outlives its grading. Files it wrote exist only in its
private tmpfs, which the kernel frees with the namespace.

Limits (said in `name`): the pid namespace is the host's (the worker cannot see or signal other
processes, but /proc/loadavg and the like are shared); the view is built by this module's
interpreter of bwrap's arguments, so an option it does not know fails the self-test and the
fence is not used.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.sandbox import seccomp
from autograder.sandbox.isolation import (
    PACKAGE_DIR,
    SELF_TEST_OK,
    STRONG,
    TOKEN_ENV,
    UID_BASE,
    UID_SLOTS,
    WORKER,
    Isolation,
    Limits,
    WorkerProcess,
    _positive_int,
    filesystem_view,
)
from autograder.sandbox.processes import stop_everything

BOOTSTRAP = ("-m", "autograder.sandbox.dedicated_user")
CPU_SECONDS_ENV = "NNKIT_CPU_SECONDS"  # per process; the wall-clock limits stay the grader's
DEFAULT_CPU_SECONDS = 1800
GONE_TIMEOUT = 10.0
# <sched.h>, <sys/mount.h>, <linux/prctl.h>, <linux/seccomp.h>
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET = 0x20000, 0x4000000, 0x8000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 32, 4096, 16384, 1 << 18)
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
TRUE = "/bin/true" if os.path.exists("/bin/true") else "/usr/bin/true"  # what the killer execs
DEVICES = ("null", "zero", "full", "random", "urandom")
_slots = itertools.count()


class FenceSetupError(RuntimeError):
    """The bootstrap could not build the fence (the self-test reports it; nothing ran)."""


# -- the grader's side -------------------------------------------------------------------------
class DedicatedUserIsolation(Isolation):
    """Root without bubblewrap: the worker as a dedicated uid in private namespaces."""

    strength = STRONG

    def __init__(self, limits: Limits | None = None, cpu_seconds: int | None = None) -> None:
        super().__init__(limits)
        self.cpu_seconds = cpu_seconds or _positive_int(CPU_SECONDS_ENV, DEFAULT_CPU_SECONDS)
        self.uids: dict[int, int] = {}  # worker pid -> its dedicated uid

    @property
    def name(self) -> str:
        return (f"dedicated user (uid of its own, no network, private mount/ipc/uts namespaces, "
                f"read-only system, private /tmp, no memfd; memory {self.limits.memory_mb} MB, "
                f"{self.limits.max_processes} processes, {self.cpu_seconds} s of CPU)")

    def next_uid(self) -> int:
        return UID_BASE + os.getpid() * UID_SLOTS + next(_slots) % UID_SLOTS

    def plan(self, command: list[str], workdir: str, uid: int) -> dict:
        return {"uid": uid, "root": workdir, "view": filesystem_view(self.limits),
                "root_mb": self.limits.tmp_mb, "cpu_seconds": self.cpu_seconds,
                "max_processes": self.limits.max_processes, "command": command}

    def command(self, worker_args: list[str], workdir: str, uid: int) -> list[str]:
        worker = [sys.executable, *WORKER, "--max-processes", str(self.limits.max_processes),
                  "--subreaper", *worker_args]
        return [sys.executable, *BOOTSTRAP, json.dumps(self.plan(worker, workdir, uid))]

    def kit_path(self, workdir: str) -> str:
        return str(PACKAGE_DIR.parent)  # bubblewrap's view: only the allowed files are there

    def environment(self, workdir: str, token: str) -> dict[str, str]:
        env = super().environment("/tmp", token)
        env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
        return env

    def start(self, workdir: str) -> WorkerProcess:
        token = secrets.token_hex(12)
        uid = self.next_uid()
        kill_uid(uid)  # a slot used before starts empty
        process = WorkerProcess(
            self.command([], workdir, uid), cwd=workdir, env=self.environment(workdir, token),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=self.limits.apply)
        process.token = token
        self.uids[process.pid] = uid
        return process

    def kill(self, process: subprocess.Popen) -> None:
        token = getattr(process, "token", "")
        stop_everything(process.pid, f"{TOKEN_ENV}={token}".encode() if token else None)
        uid = self.uids.pop(process.pid, None)
        if uid is not None:
            kill_uid(uid)
        process.wait()


def processes_of(uid: int) -> list[int]:
    """Running processes (zombies excluded) whose real uid is `uid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if (fields.get("Uid", "").split() or ["-1"])[0] == str(uid) and (
                fields.get("State", "").split() or ["X"])[0] not in "ZX":
            found.append(int(entry.name))
    return found


def _kill_everything_as(uid: int) -> None:
    """In a child, before exec: become `uid` and SIGKILL all its processes until none is left.
    kill(-1) as an unprivileged uid reaches exactly that uid's processes (never this one)."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    for _ in range(1000):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return
        except PermissionError:
            return


def kill_uid(uid: int) -> None:
    """Stop every process running as `uid`; return once none runs (or after GONE_TIMEOUT)."""
    deadline = time.monotonic() + GONE_TIMEOUT
    while processes_of(uid) and time.monotonic() < deadline:
        subprocess.run([TRUE], preexec_fn=functools.partial(_kill_everything_as, uid),
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        time.sleep(0.01)


def dedicated_user_problem(limits: Limits) -> str | None:
    """Why this fence cannot work here (None when it can): run a real worker self-test in it."""
    if os.geteuid() != 0:
        return "the dedicated-user fence needs the grader to run as root"
    return self_test_problem(limits)


@functools.cache
def self_test_problem(limits: Limits) -> str | None:
    """Once per grading process: start a worker in the fence and see it answer."""
    isolation = DedicatedUserIsolation(limits)
    uid = isolation.next_uid()
    with tempfile.TemporaryDirectory(prefix="nnkit-selftest-") as workdir:
        try:
            run = subprocess.run(isolation.command(["--self-test"], workdir, uid), cwd=workdir,
                                 env=isolation.environment(workdir, ""), capture_output=True,
                                 text=True, timeout=60, preexec_fn=limits.apply)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"the dedicated-user fence failed its self-test ({error})"
        finally:
            kill_uid(uid)
    if run.returncode != 0 or SELF_TEST_OK not in run.stdout:
        said = (run.stderr.strip().splitlines() or [f"exit code {run.returncode}"])[-1]
        return f"the dedicated-user fence failed its self-test: {said[:300]}"
    return None


# -- the bootstrap (root, in the child, before anything of the submission exists) -------------
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise FenceSetupError(f"{what}: {os.strerror(error)}")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    def encode(text: str | None) -> bytes | None:
        return text.encode() if text is not None else None

    _check(_libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags),
                       encode(data)), f"mount {source or fstype} on {target}")


def bind(source: str, target: str, read_only: bool) -> None:
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        if not os.path.exists(target):
            open(target, "w").close()  # noqa: SIM115 - a mount point, closed at once
    mount(source, target, None, MS_BIND | MS_REC)
    if read_only:
        mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def build_view(root: str, args: list[str], uid: int) -> str:
    """Apply bwrap's file-system arguments under `root`; return the folder to start in."""
    def inside(path: str) -> str:
        return os.path.join(root, path.lstrip("/"))

    perms, size, chdir = None, None, "/"
    words = iter(args)
    for word in words:
        if word == "--perms":
            perms = int(next(words), 8)
            continue
        if word == "--size":
            size = int(next(words))
            continue
        if word == "--tmpfs":
            target = inside(next(words))
            os.makedirs(target, mode=0o755, exist_ok=True)
            options = [f"mode={perms if perms is not None else 0o755:o}"]
            if size:
                options.append(f"size={size}")
            mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, ",".join(options))
        elif word == "--dir":
            target = inside(next(words))
            os.makedirs(target, exist_ok=True)
            os.chmod(target, perms if perms is not None else 0o755)
        elif word == "--symlink":
            link_target, path = next(words), inside(next(words))
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            os.symlink(link_target, path)
        elif word in ("--ro-bind", "--ro-bind-try", "--bind", "--bind-try"):
            source, target = next(words), inside(next(words))
            if word.endswith("-try") and not os.path.exists(source):
                continue
            bind(source, target, read_only=word.startswith("--ro"))
        elif word == "--proc":
            target = inside(next(words))
            os.makedirs(target, mode=0o555, exist_ok=True)
            # hidepid: the worker's uid sees its own processes only
            mount("proc", target, "proc", MS_NOSUID | MS_NODEV, "hidepid=2")
        elif word == "--dev":
            make_dev(inside(next(words)), uid)
        elif word == "--remount-ro":
            mount(None, inside(next(words)), None,
                  MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        elif word == "--chdir":
            chdir = next(words)
        else:
            raise FenceSetupError(f"the dedicated-user fence cannot apply bwrap's {word}")
        perms = size = None
    return chdir


def make_dev(target: str, uid: int) -> None:
    os.makedirs(target, mode=0o755, exist_ok=True)
    mount("tmpfs", target, "tmpfs", MS_NOSUID, "mode=755,size=1m")
    for device in DEVICES:
        bind(f"/dev/{device}", os.path.join(target, device), read_only=False)
    for name, link in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                       ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(link, os.path.join(target, name))
    shm = os.path.join(target, "shm")
    os.makedirs(shm)
    mount("tmpfs", shm, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=700,uid={uid},gid={uid},size=64m")


def install_seccomp() -> None:
    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    code = seccomp.program()
    program = SockFprog(len(code) // 8, code)
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0),
           "seccomp")


def enter(plan: dict) -> None:
    """Build the fence described by `plan` around this process, then exec the worker."""
    import resource

    uid = plan["uid"]
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we mount leaks back to the host
    root = plan["root"]
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, f"mode=755,size={plan['root_mb']}m")
    start_in = build_view(root, plan["view"], uid)
    tmp = os.path.join(root, "tmp")
    if os.path.isdir(tmp):  # the private /tmp belongs to the worker's uid alone
        os.chown(tmp, uid, uid)
        os.chmod(tmp, 0o700)
    _check(_libc.sethostname(b"sandbox", 7), "sethostname")
    os.chroot(root)
    os.chdir(start_in)
    cpu = plan["cpu_seconds"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))  # SIGXCPU, then SIGKILL
    nproc = plan["max_processes"]
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid):
        raise FenceSetupError(f"could not drop to uid {uid}")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    install_seccomp()
    command = plan["command"]
    os.execve(command[0], command, dict(os.environ))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    try:
        enter(json.loads(argv[0]))
    except (FenceSetupError, OSError) as error:
        print(f"nnkit fence: {error}", file=sys.stderr)
        raise SystemExit(97) from None


if __name__ == "__main__":
    main()
