"""The class of the classroom tests: students' code as text, and their git repositories.

honest: a correct solution written its own way (five of the catalogue's correct variants);
buggy: forward not written, so stages 3-6 fail; copier: honest's code with its variables
renamed and its functions in reverse order (and its own hyperparameters); late: a weak but
working solution before the deadline, a strong one pushed after it; forger: the untouched stubs
and a hand-written report.json claiming 100%.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from autograder import assignment
from tests.kit import simulated_students as simulated
from tests.kit.catalogue.variants import VARIANTS

# Variants that keep training fast (the loop-per-sample backward takes 10x as long).
HONEST_VARIANTS = ("exponent-trick-sigmoid", "dict-cache", "biases-first-key-order",
                   "stable-log1p-cross-entropy", "running-minibatch-cost-history")
RENAMES = {"activations": "acts", "layer": "lyr", "layers": "depth", "epoch_cost": "running",
           "weights": "ws", "biases": "bs", "pairs": "dims", "rng": "gen", "history": "costs",
           "order": "perm", "batch": "chunk", "cache": "memo", "grads": "gradients"}
COPIER_SETTINGS = {"layer_sizes": [784, 24, 10], "epochs": 2, "batch_size": 32,
                   "learning_rate": 0.5}


def honest(settings: dict = simulated.STRONG) -> str:
    text = simulated.with_hyperparameters(simulated.solution(), settings)
    variants = {variant.id: variant for variant in VARIANTS}
    for name in HONEST_VARIANTS:
        for old, new in variants[name].edits:
            assert text.count(old) == 1, f"variant {name} no longer applies"
            text = text.replace(old, new)
    return text


def renamed_and_reordered(text: str) -> str:
    """The same program with local names changed and the functions in reverse order."""
    for old, new in RENAMES.items():
        text = re.sub(rf"\b{old}\b", new, text)
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    keep = set(range(len(lines)))
    blocks = []
    for node in functions:
        span = range(node.lineno - 1, node.end_lineno)
        blocks.append("".join(lines[i] for i in span))
        keep -= set(span)
    rest = "".join(lines[i] for i in sorted(keep))
    return rest + "\n\n" + "\n\n".join(reversed(blocks)) + "\n"


def copier() -> str:
    return renamed_and_reordered(honest(COPIER_SETTINGS))


def buggy() -> str:
    return simulated.stuck_at_stage_3()


def stubs() -> str:
    return assignment.student(assignment.read_source())


FORGED = {"student": "forger", "score": 100.0, "max_score": 100.0, "kit_version": "0.1.0",
          "graded_at": "2026-11-20T10:00:00+00:00", "seed": 0, "seconds": 0.001,
          "mnist": {"accuracy": 1.0, "train_seconds": 0.001}, "submission": "neural_network.py",
          "problems": [], "isolation": "bubblewrap", "calibration": 0.2}


def forged_report(**changes) -> dict:
    """A hand-written report: every stage passed in full, MNIST at 100% in a millisecond."""
    from autograder.checks.stages import STAGES

    stages = [{"stage": s.number, "name": s.name, "passed": True, "score": float(s.max_score),
               "max_score": float(s.max_score), "checks": [], "ran": True, "substituted": []}
              for s in STAGES]
    return {**FORGED, "stages": stages, **changes}


def git(repo: Path, *arguments: str, when: datetime | None = None) -> str:
    stamp = (when or datetime.now(timezone.utc)).isoformat()
    env = {**os.environ, "GIT_AUTHOR_NAME": "student", "GIT_AUTHOR_EMAIL": "s@example.org",
           "GIT_COMMITTER_NAME": "student", "GIT_COMMITTER_EMAIL": "s@example.org",
           "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *arguments], cwd=repo, env=env, check=True,
                          capture_output=True, text=True).stdout


def commit(repo: Path, files: dict[str, str], message: str, when: datetime) -> None:
    """Write `files` into the repository and commit them at `when` (author and committer)."""
    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        git(repo, "init", "--quiet", "--initial-branch=main")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
        git(repo, "add", name)
    git(repo, "commit", "--quiet", "-m", message, when=when)


def make_class(root: Path, deadline: datetime) -> Path:
    """Six students' repositories under root/repos (one missing) and root/roster.csv."""
    before, after = deadline - timedelta(days=1), deadline + timedelta(hours=2)
    repos = root / "repos"
    work = "neural_network.py"
    commit(repos / "ada", {work: stubs()}, "start", before - timedelta(days=3))
    commit(repos / "ada", {work: honest()}, "done", before)
    commit(repos / "ben", {work: buggy()}, "some of it", before)
    commit(repos / "cal", {work: copier()}, "mine, honestly", before)
    commit(repos / "lee", {work: simulated.weak()}, "works, slowly", before)
    commit(repos / "lee", {work: simulated.strong()}, "better, but late", after)
    commit(repos / "fay", {work: stubs(), "report.json": json.dumps(forged_report(), indent=2)},
           "graded myself", before)
    roster = root / "roster.csv"
    lines = ["student,url"] + [f"{name},{(repos / name).as_uri()}"
                               for name in ("ada", "ben", "cal", "fay", "lee", "mo")]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")  # mo never made a repository
    return roster
