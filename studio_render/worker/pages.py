"""Small memory pages for the encoders a worker starts.

x264 asks the kernel for transparent huge pages for its frame buffers (about 135 MB at
1080p with one thread). A fresh huge page is 2 MB the kernel must find and zero at once,
and on this project's virtual machine that is far slower than the small pages the
encoder would touch: an encoder then spent 1-2 s of system time starting, mostly
``clear_page_erms``, and more when several started at once. Turning huge pages off for
the worker (``prctl(PR_SET_THP_DISABLE)``, which its encoders inherit) leaves their
files byte-identical. Measured here (5 December 2026): a 60-frame 1080p encode took
0.36-0.44 s of system time against 1.34-1.65, a local ``-j 2`` render of the demo 9-11%
faster, four simulated cluster machines 3.8-4.1 times one instead of 3.1-3.4. It costs
x264 about 2-4% more user time (more TLB misses), which a single long encode here did
not show in its wall time.
"""

from __future__ import annotations

import ctypes
import sys

_PR_SET_THP_DISABLE = 41  # prctl(2), Linux 3.15 and later


def small_pages_only() -> bool:
    """Turn transparent huge pages off for this process and the processes it starts
    from now on; False where the system has no such switch (a no-op)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None).prctl
    except (OSError, AttributeError):
        return False
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return bool(prctl(_PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0)
