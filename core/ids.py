"""Validation of site, device and camera ids.

Ids end up inside MQTT topics, InfluxDB tags and file names, so the alphabet is
deliberately tiny: lower-case letters, digits, `_` and `-`, starting with a letter or
digit, at most 64 characters. That alone keeps wildcards (`+`, `#`), separators (`/`),
control characters and `$`-prefixed system topics out of every topic we build.
"""

import re
from typing import Annotated

from pydantic import AfterValidator

from core.errors import PayloadError

ID_PATTERN = r"[a-z0-9][a-z0-9_-]{0,63}"
_ID_RE = re.compile(rf"\A{ID_PATTERN}\Z")


def validate_id(value: str, what: str = "id") -> str:
    """Return `value` if it is a valid id, else raise PayloadError naming the problem."""
    if not isinstance(value, str):
        raise PayloadError("bad_id", f"{what} must be a string, got {type(value).__name__}")
    if _ID_RE.match(value):
        return value
    if not value:
        raise PayloadError("bad_id", f"{what} is empty")
    if len(value) > 64:
        raise PayloadError("bad_id", f"{what} is {len(value)} characters long (at most 64)")
    bad = sorted(
        {c for c in value if not (c.isascii() and (c.islower() or c.isdigit() or c in "_-"))}
    )
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5])
        raise PayloadError("bad_id", f"{what} {value[:70]!r} contains forbidden characters {shown}")
    raise PayloadError("bad_id", f"{what} {value!r} must start with a lower-case letter or digit")


def _check_id(value: str) -> str:
    try:
        return validate_id(value)
    except PayloadError as exc:
        raise ValueError(exc.detail) from exc


Id = Annotated[str, AfterValidator(_check_id)]
"""A pydantic field type for site/device/camera/sensor/zone ids."""
