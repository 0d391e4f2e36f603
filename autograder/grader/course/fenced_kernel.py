"""The notebook's kernel, fenced, for `nbgrader autograde` when the course re-runs students'
cells (`c.GradingExecute.enabled = True`).

`FencedKernelManager` starts the kernel under bubblewrap with the worker's own fence: no network
(the kernel talks to nbgrader over Unix sockets in a private folder, not TCP), its own pid, ipc
and uts namespaces, bubblewrap's file-system view (system, Python, the kit's package; never
source/, other submissions, the gradebook or MNIST), a private /tmp, a fixed small environment,
and an unprivileged uid of its own (setpriv drops to it before Python starts), with the worker's
memory limits. Its points never come from it anyway (outside.py); this keeps what it runs from
reading or changing anything else. Where bubblewrap cannot run here, starting a kernel fails
with the reason (KitEnvironmentError) unless NNKIT_UNSAFE=1, which runs it unfenced.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from autograder.errors import KitEnvironmentError
from autograder.sandbox.isolation import (
    STRONG,
    UID_BASE,
    UID_SLOTS,
    BubblewrapIsolation,
    Isolation,
    Limits,
    bubblewrap_problem,
    filesystem_view,
)
from autograder.sandbox.policy import unsafe_from_environment

_slots = itertools.count(UID_SLOTS // 2)  # beside the workers' slots of this process


def kernel_uid() -> int:
    return UID_BASE + os.getpid() * UID_SLOTS + next(_slots) % UID_SLOTS


class FencedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs under bubblewrap as an unprivileged uid."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limits = Limits.from_environment()
        self.bwrap = shutil.which("bwrap")
        problem = ("bubblewrap (bwrap) is not installed" if self.bwrap is None
                   else bubblewrap_problem(self.bwrap, self.limits))
        # The kernel's fence is bubblewrap or nothing; its verdict is the fence's own.
        fence = (Isolation(self.limits, problem) if problem
                 else BubblewrapIsolation(self.limits, self.bwrap))
        self.fenced = fence.strength == STRONG
        if not self.fenced and not unsafe_from_environment():
            raise KitEnvironmentError(
                f"the notebook's kernel cannot be fenced here ({fence.reason}): install "
                "bubblewrap, turn the kernel off (c.GradingExecute.enabled = False), or set "
                "NNKIT_UNSAFE=1")
        if self.fenced:
            # As root, the kernel drops to a uid of its own; otherwise it already runs as an
            # unprivileged user, in a user namespace of its own (bubblewrap's --unshare-all).
            self.uid = kernel_uid() if os.geteuid() == 0 else None
            self.folder = tempfile.mkdtemp(prefix="nnkit-kernel-")
            if self.uid is not None:
                os.chown(self.folder, self.uid, self.uid)
            self.transport = "ipc"  # Unix sockets: no network needed between nbgrader and it
            self.ip = os.path.join(self.folder, "kernel")

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        if not self.fenced:
            return command
        # A signal would reach bubblewrap, which dies of it: interrupt through the control
        # channel instead (ipykernel then interrupts itself).
        self.kernel_spec.interrupt_mode = "message"
        private = os.path.join(self.folder, "connection.json")
        shutil.copy(os.path.realpath(self.connection_file), private)
        if self.uid is not None:
            os.chown(private, self.uid, self.uid)
        command = [private if part == os.path.realpath(self.connection_file) else part
                   for part in command]
        isolation = BubblewrapIsolation(self.limits, self.bwrap)
        env = isolation.environment("/tmp", "")
        env.update(MPLBACKEND="Agg", MPLCONFIGDIR="/tmp", IPYTHONDIR="/tmp/.ipython",
                   JUPYTER_RUNTIME_DIR="/tmp", NBGRADER_EXECUTION="autograde")
        setenv = [word for key, value in env.items() for word in ("--setenv", key, value)]
        drop: list[str] = []
        if self.uid is not None:
            setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
            drop = [setpriv, f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all"]
        return [self.bwrap, *isolation.namespaces(), "--clearenv", *setenv,
                *filesystem_view(self.limits), "--bind", self.folder, self.folder, "--",
                *drop, *command]

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        await super()._async_shutdown_kernel(now=now, restart=restart)
        if self.fenced and not restart:
            shutil.rmtree(self.folder, ignore_errors=True)
