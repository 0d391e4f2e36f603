# Checks receive the grading in progress (checks/context.py, Grading), issue 22 item 4.
# Apply to the stage modules (and any module of check helpers), then fix the few leftovers:
#   sed -i -f MOVES-context.sed autograder/checks/stages/*.py
s/\bsub: SandboxedSubmission\b/ctx: Grading/g
s/^from autograder\.sandbox\.client import SandboxedSubmission, SubmissionProblem$/from autograder.checks.context import Grading\nfrom autograder.sandbox.client import SubmissionProblem/
s/^from autograder\.sandbox\.client import SandboxedSubmission$/from autograder.checks.context import Grading/
s/\bsub\.\(source\|load_errors\|load_failure\|call_timeout\|isolation\|timed_out\)\b/ctx.pipe.\1/g
s/\bsub\b/ctx/g
