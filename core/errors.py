"""The project's small exception hierarchy.

Callers catch these rather than library exceptions so a service can tell bad input
(drop it, count it) from a broken dependency (back off, retry) from a bad setting
(refuse to start).
"""


class BkError(Exception):
    """Base of every error raised on purpose by Bright Kitchen."""


class ConfigError(BkError):
    """A setting or configuration file is invalid; the service must not start with it."""


class PayloadError(BkError):
    """A message or topic from outside is malformed; reject it, count it, carry on.

    `reason` is a short stable token (for counters and dead-letter records); the
    message is the human-readable detail.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class BackendUnavailable(BkError):
    """A server (broker, time-series store) cannot be reached or refused the request; retry."""


class WriteRejected(BkError):
    """The store understood the request and refused the data (HTTP 4xx); retrying won't help."""
