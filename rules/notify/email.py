"""SMTP email (smtplib), optionally STARTTLS and login.

Plain text with an HTML alternative (multipart/alternative): a mail client that shows
HTML gets a table, the evidence picture (a signed link, so it loads without an account)
and a link to the alert page; any other gets the same facts as text.
"""

import smtplib
from email.message import EmailMessage
from typing import Literal

from pydantic import Field, SecretStr

from rules.alerts import Notice
from rules.notify.base import Channel, ChannelBase
from rules.notify.text import html_body, plain


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
        msg = self.message(notice)
        with smtplib.SMTP(self.cfg.host, self.cfg.port, timeout=self.cfg.timeout_s) as smtp:
            if self.cfg.starttls:
                smtp.starttls()
            if self.cfg.username and self.cfg.password:
                smtp.login(self.cfg.username, self.cfg.password.get_secret_value())
            smtp.send_message(msg)

    def message(self, notice: Notice) -> EmailMessage:
        """The message as it is sent (subject, plain text, HTML alternative)."""
        c = self.compose(notice)
        msg = EmailMessage()
        msg["Subject"] = c.title
        msg["From"] = self.cfg.sender
        msg["To"] = ", ".join(self.cfg.to)
        msg["X-BK-Alert-Id"] = notice.event.id
        msg["Content-Language"] = c.lang
        msg.set_content(plain(c))
        msg.add_alternative(html_body(c), subtype="html")
        return msg
