"""Instructor-only: what the grader holds and students never see or run. The grader's own network
arithmetic (arithmetic.py), the reference substitution, batch grading, Gradescope, nbgrader, the
leaderboard and the class tools. Nothing here is shipped in a student release, and nothing here
is importable by submitted code while it is graded."""
