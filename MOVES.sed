# Old -> new module paths of issue 22 (branch `structure`); see MOVES.md. For Python files:
#   sed -i -f MOVES.sed $(git ls-files '*.py')
s/\bautograder\.sandbox\.\(worker\|codec\|private\|allowed\)\b/autograder.sandbox.worker_side.\1/g
s/^\( *\)from autograder\.sandbox import \(worker\|codec\|private\|allowed\)$/\1from autograder.sandbox.worker_side import \2/
s/^\( *\)from autograder\.sandbox\.loader import \(definition_or_constant\|plan_blocks\|runs_always\)\(, \(definition_or_constant\|plan_blocks\|runs_always\)\)*$/\1from autograder.sandbox.worker_side.plan import \2\3/
s/\bautograder\.release\b/autograder.grader.release/g
s/^\( *\)from autograder import release$/\1from autograder.grader import release/
s/\bautograder\.grader\.leaderboard\b/autograder.grader.classroom.leaderboard/g
s/^\( *\)from autograder\.grader import leaderboard$/\1from autograder.grader.classroom import leaderboard/
s/\bautograder\.checks\.expect\b/autograder.checks.compare/g
s/^\( *\)from autograder\.checks import expect$/\1from autograder.checks import compare/
s/\bautograder\.grader\.expectations\b/autograder.grader.computed_values/g
s/\bautograder\.grader\.numerics\b/autograder.grader.arithmetic/g
s/^\( *\)from autograder\.grader import \(.*\)\bnumerics\b/\1from autograder.grader import \2arithmetic/
s/\bnumerics\.\([a-z_]\+\)\b/arithmetic.\1/g
s/\bautograder\.grader\.course\.ahead\b/autograder.grader.course.exchange/g
s/^\( *\)from autograder\.grader\.course import ahead$/\1from autograder.grader.course import exchange/
s/^\( *\)from autograder\.sandbox\.isolation import choose_isolation$/\1from autograder.sandbox.policy import choose_isolation/
s/^\( *\)from autograder\.grader\.batch import write_atomically$/\1from autograder.outputs import write_atomically/
s/\bbatch\.write_atomically(/write_atomically(/g
s/^\( *\)from autograder\.grader\.batch import read_report$/\1from autograder.grader.batch import finished_report as read_report/
s/\bbatch\.\(CSV_NAME\|CSV_COLUMNS\|FORMULA_STARTS\|spreadsheet_safe\)\b/grades_csv.\1/g
s|\bautograder/sandbox/\(worker\|codec\|private\|allowed\)\.py|autograder/sandbox/worker_side/\1.py|g
s|\bautograder/release\.py|autograder/grader/release.py|g
s|\bgrader/leaderboard\.py|grader/classroom/leaderboard.py|g
s|\bchecks/expect\.py|checks/compare.py|g
s|\bgrader/expectations\.py|grader/computed_values.py|g
s|\bgrader/numerics\.py|grader/arithmetic.py|g
s|\bcourse/ahead\.py|course/exchange.py|g
