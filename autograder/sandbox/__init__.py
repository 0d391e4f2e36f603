"""The trust boundary. Submitted code runs only in the worker process; the grader talks to it
through a pipe, with plain data encoded by the codec (never pickle).

Worker side (the only kit code that runs beside submitted code): the folder worker_side/, and
only it (its __init__ says what each module does). That folder is the allow-list: what of it
the worker may import is read from the folder, not listed again.
Grader side of the fence, here: client.py (the pipe, time limits), loader.py (reading the
submission's files), isolation.py (bubblewrap or the fallback), dedicated_user.py (the fence as
root without bubblewrap), policy.py (no fence, no grade; the fence's verdict), processes.py
(stopping everything a worker started), seccomp.py, warm_worker.py (the first worker, started
while the command imports its checks; under bubblewrap it is the fence's self-test too).

What crosses: requests (self_test, load, call, call_spied, get, store, store_mnist,
call_watched, proxy) with plain-data arguments, and replies of plain data, opaque handles for
everything else, and the tail of printed output, each within a size budget; during a call, a
proxy's question (`ask`) for a function the grader runs in the reference's own worker
(--substitute-reference); during the watched call of train, its record in segments (`segment`,
within the reply's budget), which the grader redoes as they come (checks/stages/replay_ahead.py).
"""
