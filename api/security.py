"""Passwords, access tokens and the login lockout.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's low-memory
profile). Access tokens are random, short-lived and stored only as their SHA-256, so
revocation is a column update that every API copy sees at once (no token blacklist to
share) and a copied database yields no usable token. Failed logins are counted per
username in the database; after `login_max_failures` in a row the account is locked
for `lockout_s`, even for the right password, which caps a password-guessing rate at
a handful of tries per lockout across every API copy.
"""

import hashlib
import secrets
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.models import AccessToken, LoginFailure, User
from api.settings import ApiSection

_hasher = PasswordHasher()
# Verified against when the user does not exist, so that both answers take as long.
_DUMMY_HASH = _hasher.hash("no such user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class LoginRefused(Exception):
    """Login failed: `locked_for_s` > 0 when the account is locked (HTTP 429)."""

    def __init__(self, detail: str, locked_for_s: int = 0) -> None:
        super().__init__(detail)
        self.detail = detail
        self.locked_for_s = locked_for_s


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


class FailureWindow:
    """Failed logins per client address in a sliding window (this process only).

    The per-username lockout stops guessing one password; this stops one address from
    trying a few passwords on every username (password spraying). It lives in memory:
    each API copy counts its own share, which still bounds the rate per copy.
    """

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def blocked_for(self, key: str, now: float) -> int:
        """Seconds until `key` may try again (0: now)."""
        with self._lock:
            q = self._trim(key, now)
            if len(q) < self.limit:
                if not q:
                    self._fails.pop(key, None)
                return 0
            return int(q[0] + self.window_s - now) + 1

    def failed(self, key: str, now: float) -> None:
        with self._lock:
            self._trim(key, now).append(now)
            if len(self._fails) > 100_000:  # bounded memory under a flood of addresses
                oldest = min(self._fails, key=lambda k: self._fails[k][-1] if self._fails[k] else 0)
                self._fails.pop(oldest, None)


def login(
    session: Session, settings: ApiSection, username: str, password: str, now: datetime
) -> IssuedToken:
    """Check a password and issue a token, or raise LoginRefused (counting the failure)."""
    fail = session.get(LoginFailure, username)
    if fail is not None and fail.locked_until is not None and fail.locked_until > now:
        raise LoginRefused(
            "账户已锁定，请稍后再试 (account locked after repeated failures)",
            int((fail.locked_until - now).total_seconds()) + 1,
        )
    user = session.scalar(select(User).where(User.username == username))
    good = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not user.active or not good:
        if fail is None:
            fail = LoginFailure(username=username, failures=0, last_failure_at=now)
            session.add(fail)
        fail.failures += 1
        fail.last_failure_at = now
        if fail.failures >= settings.login_max_failures:
            fail.locked_until = now + timedelta(seconds=settings.lockout_s)
            fail.failures = 0
        session.commit()
        raise LoginRefused("用户名或密码错误 (wrong username or password)")
    if fail is not None:
        session.delete(fail)
    raw = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=settings.token_ttl_s)
    session.add(
        AccessToken(
            token_hash=token_digest(raw), user_id=user.id, issued_at=now, expires_at=expires
        )
    )
    session.commit()
    return IssuedToken(raw, expires)


def revoke_token(session: Session, token_id: int, now: datetime) -> None:
    session.execute(
        update(AccessToken)
        .where(AccessToken.id == token_id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.commit()


def revoke_user_tokens(session: Session, user_id: int, now: datetime) -> int:
    """Revoke every live token of a user (stolen phone, person left); returns how many."""
    result = session.execute(
        update(AccessToken)
        .where(
            AccessToken.user_id == user_id,
            AccessToken.revoked_at.is_(None),
            AccessToken.expires_at > now,
        )
        .values(revoked_at=now)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
