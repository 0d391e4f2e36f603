"""Grade submissions with a student release's OWN checks: run as a script with the release's
folder first on PYTHONPATH (so `autograder` is the release's, which has no grader), never
imported by the kit.

    python tests/kit/release_grading.py MANIFEST.json OUT.json

MANIFEST holds [{"id", "path", "stages"}]; OUT gets {id: report as a dict}.
"""

import json
import sys

import autograder
from autograder.checks.grade import GradeOptions, grade

if __name__ == "__main__":
    manifest_path, out_path = sys.argv[1:3]
    with open(manifest_path, encoding="utf-8") as file:
        manifest = json.load(file)
    reports = {"__autograder__": autograder.__file__}
    for entry in manifest:
        report = grade(entry["path"], GradeOptions(stages=tuple(entry["stages"])))
        reports[entry["id"]] = json.loads(report.to_json())
    with open(out_path, "w", encoding="utf-8") as file:
        json.dump(reports, file)
