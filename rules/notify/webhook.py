"""Generic webhook: JSON body, HMAC-SHA256 signature in `X-BK-Signature: sha256=<hex>`.

The body has the machine-readable alert (`alert`, the `AlertEvent` JSON) and, for a
receiver that only forwards text, the notice as people read it (`notice`: language,
title, plain text, markdown, signed links).
"""

import hashlib
import hmac
import json
from typing import Literal

import httpx
from pydantic import Field, SecretStr

from rules.alerts import Notice
from rules.notify.base import Channel, ChannelBase
from rules.notify.text import markdown, plain, public_event

SIGNATURE_HEADER = "X-BK-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookConfig(ChannelBase):
    type: Literal["webhook"] = "webhook"
    url: str = Field(description="Receiver URL")
    secret: SecretStr | None = Field(default=None, description="HMAC-SHA256 key")
    timeout_s: float = Field(default=5.0, gt=0, description="Per request")


class WebhookChannel(Channel):
    type_key = "webhook"

    def __init__(self, config: WebhookConfig) -> None:
        super().__init__(config)
        self.cfg = config
        self.http = httpx.Client(timeout=config.timeout_s)

    def payload(self, notice: Notice) -> dict[str, object]:
        c = self.compose(notice)
        out: dict[str, object] = {
            "kind": notice.kind,
            "roles": list(notice.roles),
            "level": notice.level,
            "alert": public_event(notice, c),
            "notice": {
                "lang": c.lang,
                "title": c.title,
                "text": plain(c),
                "markdown": markdown(c),
                "link": c.link,
                "evidence_links": c.images,
            },
        }
        if notice.digest is not None:
            out["digest"] = notice.digest
        return out

    def send(self, notice: Notice) -> None:
        body = json.dumps(self.payload(notice), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if self.cfg.secret is not None:
            headers[SIGNATURE_HEADER] = sign(self.cfg.secret.get_secret_value(), body)
        self.http.post(self.cfg.url, content=body, headers=headers).raise_for_status()

    def close(self) -> None:
        self.http.close()
