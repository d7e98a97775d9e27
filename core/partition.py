"""Partitioning by a stable hash: worker i of N owns the keys with crc32(key) % N == i.

Shared by the stateful consumers that must see every message of one key at one worker:
rules workers partition sites, vision workers partition cameras (`site/camera`). A
stable hash (never Python's salted `hash()`), so every worker and every restart agrees
on who owns a key; Mosquitto's shared subscriptions are round robin only, so each
worker subscribes to (or keeps) what it owns itself.
"""

import zlib


def owner(key: str, workers: int) -> int:
    """Index of the worker (0 … workers-1) that owns `key`."""
    return zlib.crc32(key.encode()) % workers


def owns(key: str, index: int, workers: int) -> bool:
    """Whether worker `index` of `workers` owns `key` (a lone worker owns everything)."""
    return workers <= 1 or owner(key, workers) == index


def camera_key(site: str, camera: str) -> str:
    """The partition key of a camera: camera ids are unique only within their site."""
    return f"{site}/{camera}"
