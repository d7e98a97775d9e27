"""Keep the agent's resident memory flat on a small kitchen box.

glibc's malloc serves requests above the mmap threshold (128 KiB at start) with their
own mappings, returned to the kernel on free. But the threshold is *dynamic*: the first
time such a block is freed, glibc raises the threshold to that block's size, so from
then on every camera frame (a 640x480 BGR frame is 900 KiB; the JPEG buffer, resized and
converted copies come and go at the frame rate) is carved out of the heap instead, and
freed frames stay resident as heap fragments. Measured with `bench/edge_agent.py`'s
configuration (10 sensors, one 2 fps camera): about 9 MB of RSS, 101 MB → 92 MB in the
same process with the threshold pinned.

Pinning the threshold with `mallopt(M_MMAP_THRESHOLD, …)` turns the dynamic adjustment
off: each frame is one mmap/munmap pair (a few per frame at 2 fps: nothing, next to the
JPEG encoding). The same as `MALLOC_MMAP_THRESHOLD_=131072` in the environment, but the
agent cannot count on its service manager setting that.
"""

import ctypes
import ctypes.util
import logging
import sys

logger = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3
"""glibc's mallopt() parameter number (malloc.h)."""

MMAP_THRESHOLD_BYTES = 128 * 1024
"""glibc's own starting value: blocks this size and up get their own mapping."""


def pin_mmap_threshold(nbytes: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Pin glibc's mmap threshold; False (and nothing changed) off glibc or on failure."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        logger.debug("no mallopt() in %s: malloc left as it is", name)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = bool(mallopt(M_MMAP_THRESHOLD, nbytes))
    if not ok:
        logger.debug("mallopt(M_MMAP_THRESHOLD, %d) refused", nbytes)
    return ok
