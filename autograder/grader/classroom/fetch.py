"""Fetch a student's repository at its last commit before the deadline (real `git`).

The commit is chosen by its committer date, which the student's machine sets: a student can
back-date a commit pushed late. Run the instructor's workflow at the deadline (its schedule):
what it fetches then cannot have been pushed after. `fetched_at` in the report says when.
Checked out without symbolic links (core.symlinks=false: a link becomes a small text file), so
a repository cannot point the grader at files outside it.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from autograder.errors import KitEnvironmentError

GIT_TIMEOUT = 300  # seconds for one clone: a huge or hanging remote must not stall the class


class FetchError(Exception):
    """This student's repository could not be fetched; the message says why."""


@dataclass(frozen=True)
class Fetched:
    repository: str
    commit: str
    commit_time: str  # ISO 8601, the committer date
    deadline: str
    fetched_at: str

    def as_dict(self) -> dict:
        return asdict(self)


def git_environment(url: str, token: str | None) -> dict[str, str]:
    """No prompts, no system or user configuration; the token (if any) as an HTTP header for
    github.com only, passed in the environment so it is never on a command line."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_ASKPASS": "/bin/false"}
    if token and url.startswith("https://github.com/"):
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.https://github.com/.extraHeader",
                   GIT_CONFIG_VALUE_0=f"Authorization: Basic {basic}")
    return env


def _git(*arguments: str, env: dict[str, str], cwd: Path | None = None) -> str:
    if shutil.which("git") is None:
        raise KitEnvironmentError("git is not installed; install it (apt-get install git)")
    try:
        done = subprocess.run(["git", "-c", "core.symlinks=false", "-c", "core.hooksPath=/dev/null",
                               *arguments], capture_output=True, text=True, env=env, cwd=cwd,
                              timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise FetchError(f"git {arguments[0]} took longer than {GIT_TIMEOUT} s") from None
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
        raise FetchError((fatal or lines or [f"git {arguments[0]} failed"])[0])
    return done.stdout.strip()


def fetch(url: str, deadline: datetime, into: Path, token: str | None = None) -> Fetched:
    """Clone `url` into `into` (replaced if there) and check out its last commit before
    `deadline`; FetchError if it cannot be cloned or has no commit before the deadline."""
    if into.exists():
        shutil.rmtree(into)
    into.parent.mkdir(parents=True, exist_ok=True)
    env = git_environment(url, token)
    # "--" ends the options: a URL cannot smuggle one in ("--upload-pack=...").
    _git("clone", "--quiet", "--no-checkout", "--", url, str(into), env=env)
    moment = str(int(deadline.timestamp()))
    try:
        commit = _git("rev-list", "-1", f"--before={moment}", "HEAD", env=env, cwd=into)
    except FetchError:
        commit = ""  # an empty repository has no HEAD
    if not commit:
        shutil.rmtree(into, ignore_errors=True)
        raise FetchError(f"no commit before the deadline {deadline.isoformat()}")
    commit_time = _git("show", "-s", "--format=%cI", commit, env=env, cwd=into)
    _git("checkout", "--quiet", "--detach", commit, env=env, cwd=into)
    shutil.rmtree(into / ".git")  # the grader needs the files, not the history
    return Fetched(url, commit, commit_time, deadline.isoformat(),
                   datetime.now(timezone.utc).isoformat(timespec="seconds"))
