"""Site partitioning: worker i of N owns the sites with crc32(site) % N == i.

A stable hash (never Python's salted `hash()`), so every worker and every restart
agrees on who owns a site.
"""

import zlib


def owner(site: str, workers: int) -> int:
    return zlib.crc32(site.encode()) % workers


def owns(site: str, index: int, workers: int) -> bool:
    return workers <= 1 or owner(site, workers) == index
