"""Keep freed frame buffers in the worker's heap instead of handing them back to the system.

Every frame is a new 8 MB image (at 1080p). With glibc's defaults, freeing it shrinks the
heap, so the next frame's buffer is fresh memory again and the kernel faults in and zeroes
its 2,000 pages one by one: 425,000 page faults for a 300-frame render of the demo. Telling
malloc to keep up to 1 GiB of free heap, and to take buffers up to 32 MiB from the heap,
makes the buffers reused: 65,000 to 85,000 faults, and about 9% less wall time for a
render.
"""

from __future__ import annotations

import ctypes
import sys

# mallopt(3) parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

#: Free heap kept rather than returned to the system.
TRIM_THRESHOLD = 1 << 30
#: Allocations up to this size come from the heap (glibc's largest allowed value).
MMAP_THRESHOLD = 32 << 20


def reuse_freed_memory() -> bool:
    """Tune glibc's malloc as described above; False where there is no glibc (a no-op)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):  # another C library (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
