"""Keep freed memory in the process for reuse, instead of handing it back to the kernel at once.

Training allocates fresh arrays every minibatch: `X[batch]` is a copy (150 KB at batch 24) and
`update` returns new parameters (627 KB for W1 of a 784-100-10 network). glibc's defaults serve
an allocation above 128 KB with fresh pages from the kernel, raise that bound as it sees such
arrays freed, and give memory back when much of it is free. Depending on the order of earlier
allocations, a training loop can end up faulting its arrays in afresh every minibatch: we
measured 86,000 page faults and 15% of the time in one epoch of the reference solution, and none
with the settings below (benchmarks/training.py counts page faults per epoch). With them the
pages stay in the process and the next minibatch reuses them; peak memory is unchanged, since the
same arrays are alive at the peak either way.

Subprocesses get the settings through their environment (glibc reads it at start-up); a running
process applies them with mallopt.
"""

from __future__ import annotations

MMAP_THRESHOLD = 32 << 20  # glibc's own upper bound for this setting
TRIM_THRESHOLD = 256 << 20
# NumPy asks the kernel for huge pages for large arrays; where memory is fragmented the kernel
# then compacts it first, and the 376 MB of training images took 0.1 s to 1 s to fill, as it
# happened (benchmarks/grading.py, the handover); with plain pages, 0.2 s every time.
ENVIRONMENT = {"MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD),
               "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD),
               "NUMPY_MADVISE_HUGEPAGE": "0"}
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers, from <malloc.h>


def no_huge_pages() -> bool:
    """NumPy's large arrays on plain pages in this process, as NUMPY_MADVISE_HUGEPAGE=0 gives a
    process at start (see ENVIRONMENT). False where this NumPy has no such switch."""
    try:
        from numpy._core import multiarray
    except ImportError:  # NumPy 1
        from numpy.core import multiarray  # type: ignore[no-redef]
    switch = getattr(multiarray, "_set_madvise_hugepage", None)
    if switch is None:
        return False
    switch(False)
    return True


def keep_freed_memory() -> bool:
    """Apply the settings to this process. False where the C library is not glibc."""
    import ctypes  # (here: every graded notebook imports this module, few call this)
    import ctypes.util

    no_huge_pages()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
                and mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
