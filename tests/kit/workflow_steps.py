"""Run a student repository's GitHub Actions workflow locally: the same `run:` commands, in
order, in the repository's folder, the way the runner would.

What the `uses:` steps do on GitHub is stood in for here: the checkout is the folder itself,
setup-python is a fresh virtual environment (with this machine's packages visible, so nothing
is downloaded), the caches are empty, and upload-artifact is checked by the caller (its `path`
must be a file the earlier steps wrote).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

WORKFLOW = Path(".github/workflows/grade.yml")


def actionlint() -> str:
    found = shutil.which("actionlint")
    if not found:
        pytest.fail("actionlint is needed to validate the student workflow but is not on PATH; "
                    "install the dev extra: pip install -e '.[dev]' (it ships the binary)")
    return found


def load(repo: Path) -> dict:
    workflow = yaml.safe_load((repo / WORKFLOW).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def steps(workflow: dict) -> list[dict]:
    (job,) = workflow["jobs"].values()
    return job["steps"]


@dataclass
class StepRun:
    name: str
    command: str
    returncode: int
    output: str


def virtualenv(folder: Path) -> Path:
    """A fresh Python for one job (setup-python's stand-in); returns its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(folder)],
                   check=True, timeout=300)
    return folder / "bin"


def run_steps(repo: Path, bin_folder: Path, summary: Path, **env: str) -> list[StepRun]:
    """Run every `run:` step of the repository's workflow, stopping at the first failure like
    the runner does; GITHUB_STEP_SUMMARY is `summary`."""
    environment = {**os.environ, "CI": "true", "GITHUB_ACTIONS": "true",
                   "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_WORKSPACE": str(repo),
                   "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}",
                   "VIRTUAL_ENV": str(bin_folder.parent), **env}
    environment.pop("PYTHONPATH", None)
    for variable in ("GITHUB_ACTOR", "GITHUB_REPOSITORY_OWNER"):
        if variable not in env:
            environment.pop(variable, None)
    runs = []
    for step in steps(load(repo)):
        if "run" not in step:
            continue
        # GitHub's default shell on Linux runners: bash --noprofile --norc -eo pipefail {0}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], cwd=repo, env=environment, capture_output=True,
                              text=True, timeout=900)
        runs.append(StepRun(step.get("name", step["run"]), step["run"], done.returncode,
                            done.stdout + done.stderr))
        if done.returncode != 0:
            break
    return runs


def assert_all_succeeded(runs: list[StepRun]) -> None:
    for run in runs:
        assert run.returncode == 0, (f"workflow step {run.name!r} ({run.command}) failed with "
                                     f"exit code {run.returncode}:\n{run.output[-3000:]}")


def uploaded_paths(workflow: dict) -> list[str]:
    return [step["with"]["path"] for step in steps(workflow)
            if str(step.get("uses", "")).startswith("actions/upload-artifact@")]

