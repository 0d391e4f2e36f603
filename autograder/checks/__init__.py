"""The staged checks and the grading pipeline. They run on the grader's side of the pipe, never
inside the worker, and they ship to students (nnkit check). What they compare against comes from
an expected-value source named in each stage module; the instructor-only arithmetic lives in
`autograder.grader`, which is not shipped and which submitted code cannot import."""
