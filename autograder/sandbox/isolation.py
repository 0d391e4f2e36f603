"""How the worker process is fenced in, and a name for the report saying which fence was used.

`ProcessIsolation` is the fallback that works everywhere: its own process group (so the grader
can kill everything it started) and resource limits on memory, file size and open files.
"""

from __future__ import annotations

import os
import resource
import subprocess
from dataclasses import dataclass

DEFAULT_MEMORY_MB = 4096  # MNIST as float64 is 376 MB; leave room for a student's copies


@dataclass
class Isolation:
    name: str
    memory_mb: int = DEFAULT_MEMORY_MB

    def limit_resources(self) -> None:
        """Runs in the child between fork and exec."""
        memory = self.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024 * 1024, 256 * 1024 * 1024))
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    def wrap(self, command: list[str], workdir: str) -> list[str]:
        return command

    def popen(self, command: list[str], workdir: str, env: dict[str, str]) -> subprocess.Popen:
        return subprocess.Popen(
            self.wrap(command, workdir),
            cwd=workdir,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: one killpg ends everything
            preexec_fn=self.limit_resources,
        )


def choose_isolation() -> Isolation:
    memory_mb = int(os.environ.get("NNKIT_MEMORY_MB", DEFAULT_MEMORY_MB))
    return Isolation("process (own process group, rlimits)", memory_mb)
