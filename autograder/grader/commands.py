"""The instructor's `nnkit` commands. They live here, under grader/, so that a student release
(which holds no autograder/grader) has none of them; autograder/cli.py adds them when present."""

from __future__ import annotations

import click

from autograder.grader.batch import grade_batch_command
from autograder.grader.classroom.class_report import class_report_command
from autograder.grader.classroom.cli import classroom_group
from autograder.grader.classroom.leaderboard import leaderboard_command
from autograder.grader.classroom.lms_export import export_grades_command
from autograder.grader.course.cli import nbgrader_group
from autograder.grader.course_folder import course_group
from autograder.grader.gradescope import gradescope_command
from autograder.grader.regrade import regrade_command
from autograder.grader.release import release_command

COMMANDS: list[click.Command] = [release_command, leaderboard_command, gradescope_command,
                                 nbgrader_group, grade_batch_command, classroom_group,
                                 class_report_command, export_grades_command,
                                 regrade_command, course_group]
