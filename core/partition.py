"""Partitioning by a stable hash: worker i of N owns the keys with crc32(key) % N == i.

Shared by the stateful consumers that must see every message of one key at one worker:
rules workers partition sites, vision workers partition cameras (`site/camera`). A
stable hash (never Python's salted `hash()`), so every worker and every restart agrees
on who owns a key; Mosquitto's shared subscriptions are round robin only, so each
worker subscribes to (or keeps) what it owns itself.
"""

import zlib
from pathlib import Path

from core.registry import DeviceKind, load_registry
from core.topics import Channel, frame_topic, subscription


def owner(key: str, workers: int) -> int:
    """Index of the worker (0 … workers-1) that owns `key`."""
    return zlib.crc32(key.encode()) % workers


def owns(key: str, index: int, workers: int) -> bool:
    """Whether worker `index` of `workers` owns `key` (a lone worker owns everything)."""
    return workers <= 1 or owner(key, workers) == index


def camera_key(site: str, camera: str) -> str:
    """The partition key of a camera: camera ids are unique only within their site."""
    return f"{site}/{camera}"


def known_cameras(
    names: list[str] | None, registry_file: Path | None
) -> list[tuple[str, str]] | None:
    """(site, camera) of every known camera, or None when the cameras are not named.

    Named as `site/camera` entries and/or by the camera devices of a registry file; a
    bad registry file is a ConfigError (raised when the service is built).
    """
    if names is None and registry_file is None:
        return None
    known: set[tuple[str, str]] = set()
    for entry in names or []:
        site, _, camera = entry.partition("/")
        known.add((site, camera))
    if registry_file is not None:
        registry = load_registry(registry_file)
        for site, info in registry.sites.items():
            known.update(
                (site, dev) for dev, d in info.devices.items() if d.kind is DeviceKind.CAMERA
            )
    return sorted(known)


def frame_subscriptions(
    known: list[tuple[str, str]] | None, index: int, workers: int, group: str
) -> list[str]:
    """The frame subscriptions of worker `index` of `workers` (vision, recorder).

    Cameras known: one plain subscription per owned camera, so each frame reaches only
    its owner. Not known: every worker takes every frame and keeps what it owns (more
    than one worker), or a lone worker joins the shared group.
    """
    if known is not None:
        return [
            frame_topic(site, cam)
            for site, cam in known
            if owns(camera_key(site, cam), index, workers)
        ]
    if workers > 1:
        return [subscription(Channel.FRAME)]
    return [subscription(Channel.FRAME, share_group=group)]
