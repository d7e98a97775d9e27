"""WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书) group-robot webhooks.

Each robot takes its own JSON shape; DingTalk and Feishu add their documented
signature (timestamp + secret, HMAC-SHA256, base64) when a secret is set.
"""

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import Any, Literal

import httpx
from pydantic import Field, SecretStr

from rules.alerts import Notice
from rules.notify.base import Channel, ChannelBase, render


class _RobotConfig(ChannelBase):
    url: str = Field(description="Robot webhook URL (with its key/access_token)")
    secret: SecretStr | None = Field(default=None, description="Signing secret, if set")
    timeout_s: float = Field(default=5.0, gt=0, description="Per request")


class WeComConfig(_RobotConfig):
    type: Literal["wecom"] = "wecom"


class DingTalkConfig(_RobotConfig):
    type: Literal["dingtalk"] = "dingtalk"


class FeishuConfig(_RobotConfig):
    type: Literal["feishu"] = "feishu"


class _Robot(Channel):
    def __init__(self, config: _RobotConfig) -> None:
        super().__init__(config)
        self.cfg = config
        self.http = httpx.Client(timeout=config.timeout_s)

    def url(self) -> str:
        return self.cfg.url

    def payload(self, notice: Notice) -> dict[str, Any]:
        raise NotImplementedError

    def send(self, notice: Notice) -> None:
        r = self.http.post(self.url(), json=self.payload(notice))
        r.raise_for_status()
        body = r.json() if r.content else {}
        code = body.get("errcode", body.get("code", 0))
        if code not in (0, None):
            raise RuntimeError(f"{self.type_key} robot refused: {body}")

    def close(self) -> None:
        self.http.close()


class WeComChannel(_Robot):
    type_key = "wecom"

    def payload(self, notice: Notice) -> dict[str, Any]:
        title, body = render(notice)
        return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{body}"}}


class DingTalkChannel(_Robot):
    type_key = "dingtalk"

    def url(self) -> str:
        if self.cfg.secret is None:
            return self.cfg.url
        ts = str(int(time.time() * 1000))
        key = self.cfg.secret.get_secret_value().encode()
        mac = hmac.new(key, f"{ts}\n{self.cfg.secret.get_secret_value()}".encode(), hashlib.sha256)
        sig = urllib.parse.quote_plus(base64.b64encode(mac.digest()))
        return f"{self.cfg.url}&timestamp={ts}&sign={sig}"

    def payload(self, notice: Notice) -> dict[str, Any]:
        title, body = render(notice)
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n{body}"}}


class FeishuChannel(_Robot):
    type_key = "feishu"

    def payload(self, notice: Notice) -> dict[str, Any]:
        title, body = render(notice)
        out: dict[str, Any] = {"msg_type": "text", "content": {"text": f"{title}\n{body}"}}
        if self.cfg.secret is not None:
            ts = str(int(time.time()))
            key = f"{ts}\n{self.cfg.secret.get_secret_value()}".encode()
            out["timestamp"] = ts
            out["sign"] = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        return out
