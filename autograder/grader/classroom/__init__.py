"""Grading a GitHub Classroom assignment on the instructor's side (instructor only).

roster.py reads who is in the class and where their repositories are; fetch.py clones each one
at its last commit before the deadline; signing.py signs the reports so that a board can tell
the instructor's grading from a hand-written report; validation.py rejects impossible values;
similarity.py compares the class's code (copydetect) in the normal form normalise.py writes
(helpers followed, bindings resolved, noise removed); shards.py splits a class over CI
runners; leaderboard.py builds the board from the reports; pipeline.py ties them together
for `nnkit classroom` (cli.py).
"""
