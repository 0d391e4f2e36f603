"""How the worker process is fenced in, and a name for the report saying which fence was used.

`BubblewrapIsolation` (preferred) runs the worker under bubblewrap: no network, its own pid, ipc
and uts namespaces, a read-only view of only what Python and NumPy need plus the kit's package
(never the reference solution, the kit's tests, MNIST, reports or other submissions), a private
size-limited /tmp, and, before any submitted code runs, an unprivileged uid of its own so that
the process-count limit applies.

`Isolation` is the fallback where bubblewrap is missing or fails its self-test: its own process
group and resource limits on memory, file size and open files, but no file-system, network or
process-count fence. `choose_isolation` (policy.py) picks one; the report records its `name`
and its verdict on itself, `strength`.

Either way the grader stops a worker from outside with SIGKILL and then sweeps every process it
started (`processes.stop_everything`), so nothing outlives a grading.
"""

from __future__ import annotations

import functools
import itertools
import os
import resource
import secrets
import site
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import KitEnvironmentError
from autograder.sandbox import seccomp
from autograder.sandbox.processes import stop_everything
from autograder.sandbox.worker_side.allowed import allowed_files, copy_allowed
from autograder.student import memory

DEFAULT_MEMORY_MB = 4096  # MNIST as float64 is 376 MB; leave room for a student's copies
DEFAULT_MAX_PROCESSES = 64  # the kernel counts threads too
MODE_ENV = "NNKIT_ISOLATION"  # auto (default), bwrap, user (dedicated uid) or process (fallback)
MODES = ("auto", "bwrap", "user", "process")
MEMORY_ENV, PROCESSES_ENV, THREADS_ENV = "NNKIT_MEMORY_MB", "NNKIT_MAX_PROCESSES", "NNKIT_THREADS"
TOKEN_ENV = "NNKIT_SANDBOX_TOKEN"  # marks the worker's processes, to find them all at the end
WORKER = ("-m", "autograder.sandbox.worker_side.worker")
SELF_TEST_OK = "nnkit-worker-ok"
KIT_COPY = ".nnkit-kit"  # the fallback's copy of the allowed files, in the worker's folder
# The kit's package is mounted (students install it and their notebook imports from it), but
# not the folder around it: assignments/ holds the reference solution, tests/ the checks.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/alternatives")
# One BLAS thread per worker: the same arithmetic (so the same scores) however many cores the
# machine has or how many submissions are graded side by side, and no oversubscription.
# The fence's verdict, decided once by the fence (`Isolation.strength`), carried in every report
# (`fence`) and read by every consumer: the CLI's warning (checks/fence.py), grading for credit
# (policy.py), nbgrader's kernel (grader/course/fenced_kernel.py), the board. STRONG hides the
# disk and the network from submitted code (bubblewrap, the dedicated user); WEAK is the
# process-group fallback; NONE: no submitted code ran (it could not be read).
STRONG, WEAK, NONE = "strong", "weak", "none"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# Outside uids of sandboxed workers: one per grading process and restart, far above real users,
# so RLIMIT_NPROC counts only that worker's processes and workers cannot signal each other.
UID_BASE, UID_SLOTS = 2_000_000, 16
_uid_slots = itertools.count()


class IsolationUnavailable(KitEnvironmentError):
    """NNKIT_ISOLATION asked for a fence that cannot run here."""


def _positive_int(variable: str, default: int) -> int:
    text = os.environ.get(variable, "")
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise KitEnvironmentError(f"{variable}={text!r} should be a positive whole number "
                                  f"(the default is {default}): fix it or unset it.")
    return int(text)


@dataclass(frozen=True)
class Limits:
    memory_mb: int = DEFAULT_MEMORY_MB  # address space (RLIMIT_AS)
    max_processes: int = DEFAULT_MAX_PROCESSES  # processes and threads, under bubblewrap only
    file_size_mb: int = 256  # largest file the worker may write
    open_files: int = 256
    tmp_mb: int = 256  # size of the private /tmp under bubblewrap (it lives in RAM)

    @classmethod
    def from_environment(cls) -> Limits:
        return cls(memory_mb=_positive_int(MEMORY_ENV, DEFAULT_MEMORY_MB),
                   max_processes=_positive_int(PROCESSES_ENV, DEFAULT_MAX_PROCESSES))

    def apply(self) -> None:
        """Runs in the child between fork and exec; bubblewrap and the worker inherit them."""
        for limit, size in ((resource.RLIMIT_AS, self.memory_mb << 20),
                            (resource.RLIMIT_FSIZE, self.file_size_mb << 20),
                            (resource.RLIMIT_NOFILE, self.open_files),
                            (resource.RLIMIT_CORE, 0)):
            hard = resource.getrlimit(limit)[1]  # never above what the grader itself may use
            if hard != resource.RLIM_INFINITY:
                size = min(size, hard)
            resource.setrlimit(limit, (size, size))


class WorkerProcess(subprocess.Popen):
    """The worker (or bubblewrap around it), with the token its environment carries."""

    token: str = ""


class Isolation:
    """The fallback fence: own process group (session) and resource limits."""

    strength = WEAK  # the fence's verdict on itself: the one place fence strength is decided

    @property
    def fenced(self) -> bool:
        """Strong enough to grade for credit (see policy.py)."""
        return self.strength == STRONG

    def __init__(self, limits: Limits | None = None, reason: str = "") -> None:
        self.limits = limits or Limits()
        self.reason = reason  # why the stronger fence is not in force

    @property
    def name(self) -> str:
        why = f"; {self.reason}" if self.reason else ""
        return (f"process group + rlimits (memory {self.limits.memory_mb} MB; no file-system, "
                f"network or process-count fence{why})")

    def worker_flags(self) -> list[str]:
        return ["--subreaper"]  # orphans stay in the worker's tree, where the sweep finds them

    def open_fds(self) -> list[int]:
        """Descriptors the fence reads as it starts (closed by the caller once it started)."""
        return []

    def wrap(self, command: list[str], workdir: str, fds: list[int]) -> list[str]:
        return command

    def kit_path(self, workdir: str) -> str:
        """Where the worker imports the kit from: a copy of only its allowed files, beside the
        worker (see allowed.py)."""
        return str(copy_allowed(PACKAGE_DIR, Path(workdir) / KIT_COPY))

    def environment(self, workdir: str, token: str) -> dict[str, str]:
        """A small, fixed environment: nothing of the grader's leaks in, hashing is seeded."""
        env = {key: os.environ[key] for key in ("PATH", "LANG", "LD_LIBRARY_PATH")
               if key in os.environ}
        threads = str(_positive_int(THREADS_ENV, 1))
        env.update({variable: threads for variable in THREAD_VARIABLES})
        env.update(memory.ENVIRONMENT)  # training's fresh arrays reuse pages: no fault storms
        env.update(PYTHONPATH=self.kit_path(workdir), HOME=workdir, TMPDIR=workdir,
                   PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1", **{TOKEN_ENV: token})
        return env

    def start(self, workdir: str) -> WorkerProcess:
        """Start the worker, fenced, with `workdir` as its scratch folder."""
        token = secrets.token_hex(12)
        fds = self.open_fds()
        try:
            process = WorkerProcess(
                self.wrap([sys.executable, *WORKER, *self.worker_flags()], workdir, fds),
                cwd=workdir,
                env=self.environment(workdir, token),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own session and process group
                preexec_fn=self.limits.apply,
                pass_fds=fds,
            )
        finally:
            for fd in fds:
                os.close(fd)
        process.token = token
        return process

    def exit_code(self, returncode: int) -> int:
        """The worker's own exit status, from what the started process returned."""
        return returncode

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and everything it started; return when they have all stopped."""
        token = getattr(process, "token", "")
        stop_everything(process.pid, f"{TOKEN_ENV}={token}".encode() if token else None)
        process.wait()


class BubblewrapIsolation(Isolation):
    """The worker under bubblewrap (`bwrap` is its path)."""

    strength = STRONG

    def __init__(self, limits: Limits | None = None, bwrap: str = "bwrap") -> None:
        super().__init__(limits)
        self.bwrap = bwrap
        self.as_root = os.geteuid() == 0

    @property
    def name(self) -> str:
        return (f"bubblewrap (no network, own pid/ipc/uts namespaces, read-only system, "
                f"private /tmp, unprivileged uid, no memfd; memory {self.limits.memory_mb} MB, "
                f"{self.limits.max_processes} processes)")

    def worker_flags(self) -> list[str]:
        flags = ["--max-processes", str(self.limits.max_processes)]
        if self.as_root:
            uid = UID_BASE + os.getpid() * UID_SLOTS + next(_uid_slots) % UID_SLOTS
            flags += ["--uid", str(uid)]
        return flags

    def namespaces(self) -> list[str]:
        common = ["--die-with-parent", "--new-session", "--hostname", "sandbox"]
        if not self.as_root:
            # Unprivileged bwrap needs a user namespace; RLIMIT_NPROC, set by the worker inside
            # it, then counts only the processes in that namespace.
            return ["--unshare-all", *common]
        # Not --unshare-all: as root that adds a user namespace whose uids all map to root
        # outside, where RLIMIT_NPROC never applies (measured: 50 of 50 forks succeeded under a
        # limit of 20). Without it the worker can drop to a real unprivileged uid instead, and
        # keeps only the two capabilities it needs to do so.
        return ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--cap-drop", "ALL", "--cap-add", "CAP_SETUID",
                "--cap-add", "CAP_SETGID", *common]

    def exit_code(self, returncode: int) -> int:
        # bwrap exits with its command's status, or 128 + N when a signal N killed it.
        return -(returncode - 128) if 128 < returncode < 128 + 65 else returncode

    def environment(self, workdir: str, token: str) -> dict[str, str]:
        env = super().environment("/tmp", token)
        env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
        return env

    def kit_path(self, workdir: str) -> str:
        return str(PACKAGE_DIR.parent)  # where only the allowed files are mounted

    def open_fds(self) -> list[int]:
        return [seccomp.program_fd()]

    def wrap(self, command: list[str], workdir: str, fds: list[int]) -> list[str]:
        return [self.bwrap, *self.namespaces(), "--seccomp", str(fds[0]),
                *filesystem_view(self.limits), "--", *command]


def filesystem_view(limits: Limits) -> list[str]:
    """bwrap arguments: read-only system and Python, the kit's package, a private /tmp."""
    # The private /tmp first, so that what is mounted below stays visible even if it lives
    # under /tmp (a kit or a virtualenv checked out there).
    args = ["--perms", "1777", "--size", str(limits.tmp_mb << 20), "--tmpfs", "/tmp"]
    mounted: list[Path] = []
    for directory in SYSTEM_DIRS:
        if os.path.islink(directory):  # merged /usr: /lib -> usr/lib
            args += ["--symlink", os.readlink(directory), directory]
        elif os.path.isdir(directory):
            args += ["--ro-bind", directory, directory]
            mounted.append(Path(directory))
    for file in ETC_FILES:
        args += ["--ro-bind-try", file, file]
    for tree in python_trees():
        if not any(tree.is_relative_to(outer) for outer in mounted):
            args += [*folders_above(tree, mounted), "--ro-bind", str(tree), str(tree)]
            mounted.append(tree)
    for secret in secret_paths():
        inside = any(secret.is_relative_to(tree) for tree in mounted)
        holds_needed = any(tree.is_relative_to(secret) for tree in mounted)
        if secret.exists() and inside and not holds_needed:
            # Installed inside a tree the worker needs: cover it with an empty folder or file.
            args += (["--tmpfs", str(secret)] if secret.is_dir()
                     else ["--ro-bind", "/dev/null", str(secret)])
    args += kit_view(mounted)
    args += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp"]
    return args


def kit_view(mounted: list[Path]) -> list[str]:
    """bwrap arguments showing only the kit's files the worker imports (allowed.py): the rest
    of the package, the grader's arithmetic and checks, does not exist inside."""
    if any(PACKAGE_DIR.is_relative_to(tree) for tree in mounted):
        # Installed in site-packages, which is mounted whole: cover it with an empty folder.
        args = ["--perms", "0755", "--tmpfs", str(PACKAGE_DIR)]
    else:
        args = [*folders_above(PACKAGE_DIR, mounted), "--perms", "0755", "--dir",
                str(PACKAGE_DIR)]
    for path in allowed_files(PACKAGE_DIR):
        if path.parent != PACKAGE_DIR:
            args += ["--perms", "0755", "--dir", str(path.parent)]
        args += ["--ro-bind", str(path), str(path)]
    return args


def folders_above(path: Path, mounted: list[Path]) -> list[str]:
    """bwrap arguments creating the folders above `path` traversable by the worker's uid (left
    to itself, bwrap makes them 0700 as root's, and /root/.pyenv/... becomes unreadable)."""
    args: list[str] = []
    for folder in reversed(path.parents[:-1]):  # outermost first, without "/"
        if not any(folder.is_relative_to(tree) for tree in mounted):
            args += ["--perms", "0755", "--dir", str(folder)]
    return args


def python_trees() -> list[Path]:
    """The Python installation and its site-packages (where NumPy is), outermost first."""
    candidates = {sys.base_prefix, sys.prefix, sys.base_exec_prefix, sys.exec_prefix,
                  *site.getsitepackages()}
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        candidates.add(site.getusersitepackages())
    # Other entries of sys.path (the kit's own folder, pytest's rootdir) are left out on purpose.
    candidates.update(entry for entry in sys.path
                      if Path(entry).name in ("site-packages", "dist-packages"))
    trees = sorted({Path(entry).absolute() for entry in candidates
                    if entry and os.path.isdir(entry)}, key=lambda path: len(path.parts))
    return [tree for tree in trees if tree != Path("/")]


def secret_paths() -> list[Path]:
    """What a submission must never read, should it lie inside a tree the worker sees."""
    from autograder.resources import CACHE_DIR_ENV, DATA_DIR_ENV, DEFAULT_CACHE_DIR, data_root

    # The kit's data (the reference solution, the kit's tests): the checkout around the package,
    # or an installed kit's nnkit_data. Not all of site-packages: NumPy may be installed there.
    paths = [data_root(), Path(DEFAULT_CACHE_DIR).expanduser(), Path.home()]
    paths += [Path(os.environ[name]) for name in (DATA_DIR_ENV, CACHE_DIR_ENV)
              if os.environ.get(name)]
    paths += course_paths()
    return [path.absolute() for path in paths]


def course_paths() -> list[Path]:
    """The course in force: its folder, and inside it the secret, the signing keys and the
    instructor's assignment (each one, should the folder itself hold a tree the worker needs)."""
    from autograder import settings

    folder = settings.find_course()
    if folder is None:
        return []
    return [folder, *(folder / name for name in (settings.SECRET_FILE, settings.KEYS_FOLDER,
                                                 settings.ASSIGNMENT_FOLDER))]


_working: set[tuple[str, Limits]] = set()  # bubblewrap setups a real worker answered under


def mark_bubblewrap_working(bwrap: str, limits: Limits) -> None:
    """A worker started for grading under this bubblewrap answered its self-test (see
    warm_worker.py): no other self-test is needed in this process."""
    _working.add((bwrap, limits))


def bubblewrap_problem(bwrap: str, limits: Limits) -> str | None:
    """Why bubblewrap cannot fence the worker here (None when it can): a real worker, confined
    exactly as for grading, must have answered under it, once per grading process."""
    if (bwrap, limits) in _working:
        return None
    return bubblewrap_self_test(bwrap, limits)


@functools.cache
def bubblewrap_self_test(bwrap: str, limits: Limits) -> str | None:
    """Start a worker with --self-test under bubblewrap and see it answer (None: it did)."""
    isolation = BubblewrapIsolation(limits, bwrap)
    with tempfile.TemporaryDirectory(prefix="nnkit-selftest-") as workdir:
        fds = isolation.open_fds()
        command = isolation.wrap([sys.executable, *WORKER, *isolation.worker_flags(),
                                  "--self-test"], workdir, fds)
        try:
            run = subprocess.run(command, cwd=workdir, env=isolation.environment(workdir, ""),
                                 capture_output=True, text=True, timeout=60,
                                 preexec_fn=limits.apply, pass_fds=fds)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"bubblewrap failed its self-test ({error})"
        finally:
            for fd in fds:
                os.close(fd)
    if run.returncode != 0 or SELF_TEST_OK not in run.stdout:
        said = (run.stderr.strip().splitlines() or [f"exit code {run.returncode}"])[-1]
        return f"bubblewrap failed its self-test: {said[:300]}"
    return None
