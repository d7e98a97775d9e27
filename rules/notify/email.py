"""SMTP email (smtplib), optionally STARTTLS and login."""

import smtplib
from email.message import EmailMessage
from typing import Literal

from pydantic import Field, SecretStr

from rules.alerts import Notice
from rules.notify.base import Channel, ChannelBase, render


class EmailConfig(ChannelBase):
    type: Literal["email"] = "email"
    host: str = Field(default="127.0.0.1", description="SMTP server")
    port: int = Field(default=25, ge=1, le=65535, description="SMTP port")
    starttls: bool = Field(default=False, description="Upgrade with STARTTLS")
    username: str | None = Field(default=None, description="Login")
    password: SecretStr | None = Field(default=None, description="Password")
    sender: str = Field(description="From address")
    to: list[str] = Field(min_length=1, description="Recipients")
    timeout_s: float = Field(default=10.0, gt=0, description="Per connection")


class EmailChannel(Channel):
    type_key = "email"

    def __init__(self, config: EmailConfig) -> None:
        super().__init__(config)
        self.cfg = config

    def send(self, notice: Notice) -> None:
        title, body = render(notice)
        msg = EmailMessage()
        msg["Subject"] = title
        msg["From"] = self.cfg.sender
        msg["To"] = ", ".join(self.cfg.to)
        msg["X-BK-Alert-Id"] = notice.event.id
        msg.set_content(body)
        with smtplib.SMTP(self.cfg.host, self.cfg.port, timeout=self.cfg.timeout_s) as smtp:
            if self.cfg.starttls:
                smtp.starttls()
            if self.cfg.username and self.cfg.password:
                smtp.login(self.cfg.username, self.cfg.password.get_secret_value())
            smtp.send_message(msg)
