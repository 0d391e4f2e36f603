"""Freed arrays are reused without fresh page faults, in the grader's worker and wherever the kit
applies autograder/student/memory.py; without the settings, glibc hands the pages back to the
kernel."""

from __future__ import annotations

import subprocess
import sys

from autograder.sandbox.client import SandboxedSubmission
from autograder.sandbox.policy import choose_isolation
from autograder.student import memory
from tests.kit.redteam import as_source

# A freed 3 MiB array, then another of the same size: the page faults the second one costs.
# (Under 4 MiB, so NumPy does not ask for huge pages, which would hide the count.)
REUSE_PROBE = '''
import os
import resource

import numpy as np


def second_allocation_faults():
    np.ones(3 << 17)  # 3 MiB, freed at once
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    np.ones(3 << 17)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def memory_environment():
    return {key: value for key, value in os.environ.items()
            if key.startswith(("MALLOC_", "NUMPY_MADVISE_"))}
'''
FRESH_PAGES = 200  # of 768 pages in 3 MiB; part of the heap may already be mapped


def faults_in_a_fresh_process(apply_settings: bool) -> int:
    script = (REUSE_PROBE + "\nfrom autograder.student.memory import keep_freed_memory\n"
              f"assert keep_freed_memory() if {apply_settings} else True\n"
              "print(second_allocation_faults())\n")
    env_free = {"PATH": "/usr/bin:/bin"}  # no MALLOC_ variables from outside
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, env=env_free, check=True)
    return int(done.stdout.strip())


def test_by_default_a_freed_array_goes_back_to_the_kernel_and_faults_in_again():
    assert faults_in_a_fresh_process(apply_settings=False) > FRESH_PAGES


def test_keep_freed_memory_lets_the_next_array_reuse_the_pages():
    assert faults_in_a_fresh_process(apply_settings=True) < 20


def test_the_grading_worker_starts_with_the_settings_in_force():
    with SandboxedSubmission(as_source(REUSE_PROBE), choose_isolation()) as sub:
        assert sub.call("memory_environment", timeout=20).value == memory.ENVIRONMENT
        assert sub.call("second_allocation_faults", timeout=20).value < 20
