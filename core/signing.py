"""Signed, expiring links: how a robot that cannot log in may still open one picture.

A notification (WeCom, DingTalk, e-mail) carries a link to one evidence picture. The
receiver has no account, so the link itself is the permission: the API checks an
HMAC-SHA256 over the resource path and the expiry, with a key only the centre holds.
A signature is bound to exactly one path, so changing the id in a link (another
kitchen's picture) or stretching its expiry makes it worthless.

This lives in `core` so that the rules service can build links without importing the
API: both read the same key from their settings (`BK_API__SIGNING_KEY`).
"""

import hashlib
import hmac
import time
from urllib.parse import urlencode

# Longest lifetime a link may ask for: a leaked link must not open a picture forever.
MAX_TTL_S = 7 * 24 * 3600


def _mac(key: bytes, path: str, expires: int) -> str:
    if not key:
        raise ValueError("signing key is empty")
    msg = f"{path}\n{expires}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def sign_path(key: bytes, path: str, ttl_s: int, now: float | None = None) -> tuple[int, str]:
    """(expires, signature) for `path` valid `ttl_s` seconds from `now` (epoch seconds)."""
    if not 0 < ttl_s <= MAX_TTL_S:
        raise ValueError(f"link lifetime must be 1..{MAX_TTL_S} s")
    expires = int(now if now is not None else time.time()) + ttl_s
    return expires, _mac(key, path, expires)


def check_signature(
    key: bytes, path: str, expires: int, signature: str, now: float | None = None
) -> bool:
    """True when `signature` was made by `sign_path` for this very path and has not expired.

    The comparison is constant-time; an expiry further out than MAX_TTL_S is refused
    even with a valid signature (it cannot have been made by `sign_path`).
    """
    current = now if now is not None else time.time()
    if expires < current or expires > current + MAX_TTL_S:
        return False
    return hmac.compare_digest(_mac(key, path, expires), signature)


def evidence_api_path(sha256: str) -> str:
    """The API path of one evidence picture for signed-in people (vision puts it in events)."""
    return f"/evidence/{sha256}/image"


def evidence_path(sha256: str) -> str:
    """The API path that serves one evidence picture to a signed link."""
    return f"/signed/evidence/{sha256}"


def evidence_link(
    base_url: str, key: bytes, sha256: str, ttl_s: int = 3 * 24 * 3600, now: float | None = None
) -> str:
    """Absolute URL of one evidence picture, signed, for a notification."""
    path = evidence_path(sha256)
    expires, sig = sign_path(key, path, ttl_s, now)
    return f"{base_url.rstrip('/')}{path}?{urlencode({'expires': expires, 'sig': sig})}"


def alert_page_path(site: str, alert_id: str) -> str:
    """The console path of one alert's page (what a notice links to)."""
    return f"/console/kitchens/{site}/alerts/{alert_id}"


def alert_link(
    base_url: str,
    key: bytes,
    site: str,
    alert_id: str,
    ttl_s: int = 3 * 24 * 3600,
    now: float | None = None,
) -> str:
    """Absolute URL of one alert's page, signed: opens it read-only without an account.

    A person with an account signs in from that page to act; the signature alone only
    shows this one alert (its evidence, readings and audit trail), never another.
    """
    path = alert_page_path(site, alert_id)
    expires, sig = sign_path(key, path, ttl_s, now)
    return f"{base_url.rstrip('/')}{path}?{urlencode({'expires': expires, 'sig': sig})}"
