"""WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书) group-robot webhooks.

What each vendor documents for its custom group robot, and what this module does:

- WeCom: POST JSON to `.../cgi-bin/webhook/send?key=KEY`; the key in the URL is the
  only credential (no signing, so a `secret` is refused at configuration time).
  Body `{"msgtype": "markdown", "markdown": {"content": ...}}`, content at most
  4096 bytes of UTF-8; WeCom markdown shows links but no pictures, so a notice with an
  evidence picture and a signed alert link is sent as `{"msgtype": "news", "news":
  {"articles": [{"title", "description", "url", "picurl"}]}}` (title ≤ 128 bytes,
  description ≤ 512 bytes): a card with the picture that opens the alert page.
  Reply `{"errcode": 0, "errmsg": "ok"}`.
- DingTalk, "加签" security: query parameters `timestamp` (ms) and
  `sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))`,
  valid for an hour. With a signed alert link the body is an `actionCard` (`title`,
  markdown `text` with the picture as `![..](url)`, `singleTitle`, `singleURL`), else
  `{"msgtype": "markdown", "markdown": {"title", "text"}}`.
  Reply `{"errcode": 0, "errmsg": "ok"}`; a bad signature is errcode 310000.
- Feishu, "签名校验" security: body fields `timestamp` (seconds, a string) and
  `sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))`. Body
  `{"msg_type": "interactive", "card": {"header", "elements"}}`: a coloured header, the
  facts as `lark_md`, and a button to the alert page. A card `img` element needs an
  `img_key` uploaded through the app API, which a custom bot cannot do, so the evidence
  picture is a link. Reply `{"code": 0, "msg": "success"}`; a bad signature is code 19021.

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

from rules.alerts import Notice
from rules.notify.base import Channel, ChannelBase
from rules.notify.text import markdown

WECOM_MARKDOWN_MAX_BYTES = 4096
"""WeCom's documented limit on `markdown.content` (UTF-8 bytes)."""
WECOM_NEWS_TITLE_MAX_BYTES = 128
WECOM_NEWS_DESCRIPTION_MAX_BYTES = 512
"""WeCom's documented limits on a news article's title and description (UTF-8 bytes)."""


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


WECOM_COLOUR = {"alarm": "warning", "warning": "warning", "info": "comment", "ok": "info"}
"""Tone → WeCom's documented markdown colours (`<font color="info|comment|warning">`)."""
FEISHU_TEMPLATE = {"alarm": "red", "warning": "orange", "info": "blue", "ok": "green"}
"""Tone → a Feishu card header template colour."""


class WeComChannel(_Robot):
    type_key = "wecom"

    def payload(self, notice: Notice) -> dict[str, Any]:
        c = self.compose(notice)
        if c.link and c.images:
            keep = [f"{k}：{v}" if c.lang == "zh-CN" else f"{k}: {v}" for k, v in c.brief]
            description = "\n".join([*keep, c.action])
            article = {
                "title": fit_utf8(c.title, WECOM_NEWS_TITLE_MAX_BYTES),
                "description": fit_utf8(description, WECOM_NEWS_DESCRIPTION_MAX_BYTES),
                "url": c.link,
                "picurl": c.images[0],
            }
            return {"msgtype": "news", "news": {"articles": [article]}}
        body = markdown(c, images_inline=False, heading=None)
        content = f'**<font color="{WECOM_COLOUR[c.tone]}">{c.title}</font>**\n{body}'
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
        c = self.compose(notice)
        # DingTalk's markdown guide: a line break is "\n" with two spaces either side.
        link, c.link = c.link, None  # the button carries it
        text = "  \n  ".join(markdown(c, images_inline=True).splitlines())
        if link:
            card = {
                "title": c.title,
                "text": text,
                "singleTitle": c.labels["alert"],
                "singleURL": link,
            }
            return {"msgtype": "actionCard", "actionCard": card}
        return {"msgtype": "markdown", "markdown": {"title": c.title, "text": text}}


class FeishuChannel(_Robot):
    type_key = "feishu"
    code_fields = ("code", "StatusCode")
    final_codes = frozenset({19021})

    def payload(self, notice: Notice) -> dict[str, Any]:
        c = self.compose(notice)
        link, c.link = c.link, None  # the button carries it
        elements: list[dict[str, Any]] = [
            {"tag": "div", "text": {"tag": "lark_md", "content": markdown(c, False, None)}}
        ]
        if link:
            button = {
                "tag": "button",
                "text": {"tag": "plain_text", "content": c.labels["alert"]},
                "type": "danger" if c.tone == "alarm" else "primary",
                "url": link,
            }
            elements.append({"tag": "action", "actions": [button]})
        card = {
            "config": {"wide_screen_mode": True},
            "header": {
                "title": {"tag": "plain_text", "content": c.title},
                "template": FEISHU_TEMPLATE[c.tone],
            },
            "elements": elements,
        }
        out: dict[str, Any] = {"msg_type": "interactive", "card": card}
        if self.cfg.secret is not None:
            ts = str(int(time.time()))
            out["timestamp"] = ts
            out["sign"] = feishu_sign(self.cfg.secret.get_secret_value(), ts)
        return out
