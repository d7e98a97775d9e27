"""The channel contract: `send(notice)`; raise on failure (the dispatcher retries)."""

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from rules.alerts import Notice
from rules.notify.text import Composed, Renderer, plain


class ChannelBase(BaseModel):
    """Common fields of every channel config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    name: str = Field(description="Channel name, referred to by routes")
    roles: list[str] = Field(
        default_factory=lambda: ["canteen_manager"], description="Roles this channel reaches"
    )
    sites: list[str] | None = Field(default=None, description="Only these kitchens (all if absent)")
    rate_per_min: float = Field(default=20.0, gt=0, description="Most messages per minute")
    language: str | None = Field(
        default=None,
        description="Language of this channel's notices (zh-CN, en); absent: the kitchen's "
        "(registry), else the rules service's default",
    )


REGISTRY: dict[str, type["Channel"]] = {}


class Channel(ABC):
    """One way of reaching people. Subclasses set `type_key` and are registered by it."""

    type_key: ClassVar[str] = ""

    def __init__(self, config: Any) -> None:
        self.config = config
        self.renderer: Renderer = _DEFAULT_RENDERER
        """Set by the rules service (registry names, signed links, default language)."""

    def compose(self, notice: Notice) -> Composed:
        """The notice in this channel's language (channel, else kitchen, else default)."""
        lang = self.renderer.language_for(notice.event.site, self.config.language)
        return self.renderer.compose(notice, lang)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type_key:
            REGISTRY[cls.type_key] = cls

    @abstractmethod
    def send(self, notice: Notice) -> None:
        """Deliver one notice; raise on failure."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


def render(notice: Notice, lang: str | None = None) -> tuple[str, str]:
    """A title and a plain-text body (what text-only channels send), without links."""
    c = _DEFAULT_RENDERER.compose(notice, lang)
    body = plain(c)
    return c.title, body.split("\n", 2)[2] if body.count("\n") >= 2 else body


_DEFAULT_RENDERER = Renderer()
