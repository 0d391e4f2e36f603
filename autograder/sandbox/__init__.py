"""The trust boundary. Submitted code runs only in the worker process; the grader talks to it
through a pipe, with plain data encoded by the codec (never pickle).

Worker side (the only kit code that runs beside submitted code): worker.py, codec.py,
private.py, loader.py (its `definitions_only`).
Grader side of the fence: client.py (the pipe, time limits), isolation.py (bubblewrap or the
fallback), processes.py (stopping everything a worker started), seccomp.py.

What crosses: requests (load, call, call_spied, get, store) with plain-data arguments, and
replies of plain data, opaque handles for everything else, and the tail of printed output.
"""
