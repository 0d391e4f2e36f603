"""A stand-in for Gradescope's harness: the /autograder layout in a temporary folder (the
package unzipped into source/, the submission in submission/, results/ to write into), the
two scripts run as Gradescope runs them, and results.json checked against Gradescope's
documented format."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import jsonschema

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
NUMBER = {"type": "number"}
TEXT = {"type": "string"}
# https://gradescope-autograders.readthedocs.io/en/latest/specs/ (output format) and
# .../leaderboards/: only the keys the specification names, with their types.
RESULTS_SCHEMA = {
    "type": "object",
    "properties": {
        "score": NUMBER, "execution_time": NUMBER, "output": TEXT,
        "output_format": TEXT, "test_output_format": TEXT, "test_name_format": TEXT,
        "visibility": VISIBILITY, "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["score", "max_score", "name"],
            "properties": {
                "score": NUMBER, "max_score": NUMBER,
                "status": {"enum": ["passed", "failed"]},
                "name": TEXT, "name_format": TEXT, "number": TEXT,
                "output": TEXT, "output_format": TEXT,
                "tags": {"type": "array", "items": TEXT},
                "visibility": VISIBILITY, "extra_data": {"type": "object"},
            },
            "additionalProperties": False,
        }},
        "leaderboard": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "value"],
            "properties": {"name": TEXT, "value": {"type": ["number", "string"]},
                           "order": {"enum": ["asc", "desc"]}},
            "additionalProperties": False,
        }},
    },
    "required": ["score", "tests"],
    "additionalProperties": False,
}


def unpack(package: Path, root: Path) -> Path:
    """Unzip into root/source keeping the archive's permission bits, as `unzip` does."""
    source = root / "source"
    with zipfile.ZipFile(package) as archive:
        for info in archive.infolist():
            target = Path(archive.extract(info, source))
            mode = info.external_attr >> 16
            if mode:
                target.chmod(mode & 0o777)
    (root / "submission").mkdir(parents=True, exist_ok=True)
    (root / "results").mkdir(exist_ok=True)
    return root


def environment(root: Path) -> dict[str, str]:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    env.pop("PYTHONPATH", None)
    return env


def setup(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(root / "source" / "setup.sh")], env=environment(root),
                          cwd=root / "source", capture_output=True, text=True, timeout=900)


def run_autograder(root: Path, submission: Path) -> dict:
    """Put `submission` in place, run run_autograder (copied to the root, as Gradescope does),
    and return results.json after checking it against the specification."""
    shutil.rmtree(root / "submission")
    (root / "submission").mkdir()
    shutil.copy(submission, root / "submission" / submission.name)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    done = subprocess.run([str(root / "run_autograder")], env=environment(root), cwd=root,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"run_autograder failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, RESULTS_SCHEMA)
    return results
