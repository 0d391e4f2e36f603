"""Instructor-only: what the grader holds and students never see or run. The grader's own network
arithmetic (arithmetic.py) and what it provides the checks (provider.py, through their one door,
checks/grader_seam.py), the reference substitution, the release builder, batch grading,
Gradescope, nbgrader (course/), GitHub Classroom and the leaderboard (classroom/). Nothing here
is shipped in a student release, and nothing here is importable by submitted code while it is
graded."""
