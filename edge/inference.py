"""The hook for on-edge inference: optional, and the agent never depends on vision/.

A hook is any object with `infer(camera, frame, meta) -> DetectionEvent | None`, made
by a factory named in the config (`inference.hook: "package.module:factory"`, called
with `site=` and the `options` mapping). It sees the resized frame of every frame that
passes the motion gate; the agent publishes what it returns on the detections topic.
A hook that raises is logged and counted; frames keep flowing.
"""

import importlib
from typing import Any, Protocol, runtime_checkable

from core.errors import ConfigError
from core.schemas import DetectionEvent, FrameMeta
from edge.drivers.base import Image


@runtime_checkable
class InferenceHook(Protocol):
    def infer(self, camera: str, frame: Image, meta: FrameMeta) -> DetectionEvent | None:
        """Detections for one frame (already resized), or None."""


def load_hook(path: str, site: str, options: dict[str, Any]) -> InferenceHook:
    """Import `module:factory` and build the hook; ConfigError when it cannot be."""
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"inference hook {path!r} must look like 'package.module:factory'")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load inference hook {path!r}: {exc}") from exc
    hook = factory(site=site, **options)
    if not isinstance(hook, InferenceHook):
        raise ConfigError(f"inference hook {path!r} made {hook!r}, which has no infer()")
    return hook
