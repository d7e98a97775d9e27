"""WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书) group-robot webhooks.

What each vendor documents for its custom group robot, and what this module does:

- WeCom: POST JSON to `.../cgi-bin/webhook/send?key=KEY`; the key in the URL is the
  only credential (no signing, so a `secret` is refused at configuration time).
  Body `{"msgtype": "markdown", "markdown": {"content": ...}}`, content at most
  4096 bytes of UTF-8. Reply `{"errcode": 0, "errmsg": "ok"}`.
- DingTalk, "加签" security: query parameters `timestamp` (ms) and
  `sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))`,
  valid for an hour. Body `{"msgtype": "markdown", "markdown": {"title", "text"}}`.
  Reply `{"errcode": 0, "errmsg": "ok"}`; a bad signature is errcode 310000.
- Feishu, "签名校验" security: body fields `timestamp` (seconds, a string) and
  `sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))`. Body
  `{"msg_type": "text", "content": {"text": ...}}`. Reply `{"code": 0, "msg": "success"}`;
  a bad signature is code 19021.

All three answer a refused message with HTTP 200 and a non-zero code in the body, so
a reply counts as delivered only when the vendor's code field is there and is 0;
anything else raises `RobotRefused`, which the dispatcher counts and retries.
Signatures are computed per attempt, so a retry never reuses a stale timestamp.
"""

import base64
import hashlib
import hmac
import time
from typing import Any, ClassVar, Literal

import httpx
from pydantic import Field, SecretStr, model_validator

from core.schemas import AlertState, Severity
from rules.alerts import Notice
from rules.notify.base import Channel, ChannelBase, render

WECOM_MARKDOWN_MAX_BYTES = 4096
"""WeCom's documented limit on `markdown.content` (UTF-8 bytes)."""


class RobotRefused(RuntimeError):
    """The robot answered, but did not accept the message (non-zero or missing code).

    `retryable` is False for refusals that a retry cannot fix (a bad signature):
    the dispatcher may use it to stop early instead of hammering the vendor.
    """

    def __init__(self, vendor: str, code: object, message: str, retryable: bool = True) -> None:
        super().__init__(f"{vendor} robot refused the message: code={code!r} {message}")
        self.vendor = vendor
        self.code = code
        self.retryable = retryable


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    """DingTalk's documented signature, base64 (not yet URL-encoded: httpx encodes the query)."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def feishu_sign(secret: str, timestamp_s: str) -> str:
    """Feishu's documented signature: the timestamp and secret are the HMAC key, not the message."""
    mac = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def fit_utf8(text: str, limit: int, marker: str = "…") -> str:
    """Cut `text` to at most `limit` UTF-8 bytes, never inside a character, marking the cut."""
    raw = text.encode()
    if len(raw) <= limit:
        return text
    room = limit - len(marker.encode())
    return raw[:room].decode(errors="ignore") + marker


class _RobotConfig(ChannelBase):
    url: str = Field(description="Robot webhook URL (with its key/access_token)")
    secret: SecretStr | None = Field(default=None, description="Signing secret, if set")
    timeout_s: float = Field(default=5.0, gt=0, description="Per request")


class WeComConfig(_RobotConfig):
    type: Literal["wecom"] = "wecom"

    @model_validator(mode="after")
    def _no_secret(self) -> "WeComConfig":
        if self.secret is not None:
            raise ValueError(
                "WeCom group robots have no signing secret: the key in the webhook URL "
                "is the credential; remove `secret`"
            )
        return self


class DingTalkConfig(_RobotConfig):
    type: Literal["dingtalk"] = "dingtalk"


class FeishuConfig(_RobotConfig):
    type: Literal["feishu"] = "feishu"


class _Robot(Channel):
    code_fields: ClassVar[tuple[str, ...]] = ("errcode",)
    """Reply fields holding the vendor's result code, first found wins."""
    final_codes: ClassVar[frozenset[int]] = frozenset()
    """Documented codes a retry cannot fix (bad signature)."""

    def __init__(self, config: _RobotConfig) -> None:
        super().__init__(config)
        self.cfg = config
        self.http = httpx.Client(timeout=config.timeout_s)

    def url(self) -> httpx.URL:
        return httpx.URL(self.cfg.url)

    def payload(self, notice: Notice) -> dict[str, Any]:
        raise NotImplementedError

    def send(self, notice: Notice) -> None:
        r = self.http.post(self.url(), json=self.payload(notice))
        r.raise_for_status()
        try:
            body = r.json()
        except ValueError as exc:
            raise RobotRefused(self.type_key, None, f"reply is not JSON: {r.text[:200]!r}") from exc
        if not isinstance(body, dict):
            raise RobotRefused(self.type_key, None, f"reply is not a JSON object: {body!r:.200}")
        code = next((body[f] for f in self.code_fields if f in body), None)
        if code != 0 or isinstance(code, bool):
            raise RobotRefused(
                self.type_key,
                code,
                str(body.get("errmsg", body.get("msg", body)))[:300],
                retryable=not (isinstance(code, int) and code in self.final_codes),
            )

    def close(self) -> None:
        self.http.close()


def _headline(notice: Notice) -> str:
    """What the notice says in one word for a colour or emphasis decision."""
    if notice.event.state is AlertState.RESOLVED:
        return "info"
    if notice.event.severity is Severity.INFO:
        return "comment"
    return "warning"


class WeComChannel(_Robot):
    type_key = "wecom"

    def payload(self, notice: Notice) -> dict[str, Any]:
        title, body = render(notice)
        # <font color="info|comment|warning"> is WeCom's documented markdown colour subset.
        content = f'**<font color="{_headline(notice)}">{title}</font>**\n{body}'
        return {
            "msgtype": "markdown",
            "markdown": {"content": fit_utf8(content, WECOM_MARKDOWN_MAX_BYTES)},
        }


class DingTalkChannel(_Robot):
    type_key = "dingtalk"
    final_codes = frozenset({310000})

    def url(self) -> httpx.URL:
        url = httpx.URL(self.cfg.url)
        if self.cfg.secret is None:
            return url
        ts = str(int(time.time() * 1000))
        sig = dingtalk_sign(self.cfg.secret.get_secret_value(), ts)
        # Merged, not appended: the URL keeps its access_token whatever its shape.
        return url.copy_merge_params({"timestamp": ts, "sign": sig})

    def payload(self, notice: Notice) -> dict[str, Any]:
        title, body = render(notice)
        # DingTalk's markdown guide: a line break is "\n" with two spaces either side.
        text = "  \n  ".join([f"### {title}", *body.splitlines()])
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


class FeishuChannel(_Robot):
    type_key = "feishu"
    code_fields = ("code", "StatusCode")
    final_codes = frozenset({19021})

    def payload(self, notice: Notice) -> dict[str, Any]:
        title, body = render(notice)
        out: dict[str, Any] = {"msg_type": "text", "content": {"text": f"{title}\n{body}"}}
        if self.cfg.secret is not None:
            ts = str(int(time.time()))
            out["timestamp"] = ts
            out["sign"] = feishu_sign(self.cfg.secret.get_secret_value(), ts)
        return out
