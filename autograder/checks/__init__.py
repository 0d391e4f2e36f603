"""The staged checks and the grading pipeline. They run on the grader's side of the pipe, never
inside the worker, and they ship to students (nnkit check). What they compare against comes from
one expected-value source (`expected.py`): live, the instructor-only arithmetic in
`autograder.grader`, which is not shipped and which submitted code cannot import; or, in a
student release, the values recorded from it. Their inputs come from `inputs.py` (public, or
drawn from the course secret). Each check receives the grading in progress (`context.py`). The
checks never import the grader: what they need of it they ask `grader_seam.py`, the one door."""
