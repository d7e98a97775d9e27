"""Common pieces of every schema: strict base model, source timestamps, decode/encode."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, ValidationError

from core.errors import PayloadError

SCHEMA_VERSION = 1
MAX_MESSAGE_BYTES = 256 * 1024
"""JSON messages above this are refused before parsing (a frame is not JSON)."""

MAX_FUTURE = timedelta(minutes=10)
"""How far ahead of the centre's clock a source timestamp may be (agent clock skew)."""

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _check_source_time(value: datetime) -> datetime:
    value = value.astimezone(UTC)
    if value < EARLIEST:
        raise ValueError(f"timestamp {value.isoformat()} is before {EARLIEST.year}")
    if value > datetime.now(UTC) + MAX_FUTURE:
        raise ValueError(
            f"timestamp {value.isoformat()} is more than {int(MAX_FUTURE.total_seconds())} s "
            "in the future"
        )
    return value


SourceTime = Annotated[AwareDatetime, AfterValidator(_check_source_time)]
"""A timestamp taken at the source: timezone-aware, normalised to UTC, not absurd."""


class Message(BaseModel):
    """Base of all bus payloads: unknown fields and NaN/inf are errors, instances frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


M = TypeVar("M", bound=BaseModel)


def _summarise(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "message"
        parts.append(f"{loc}: {err['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def decode(model: type[M], raw: bytes | str, max_bytes: int = MAX_MESSAGE_BYTES) -> M:
    """Parse and validate a JSON payload, raising PayloadError with a stable reason.

    Reasons: `too_large`, `bad_json` (not JSON at all), `invalid` (JSON of the wrong shape).
    """
    if len(raw) > max_bytes:
        raise PayloadError("too_large", f"{len(raw)} bytes is over the {max_bytes}-byte limit")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise PayloadError("bad_json", _summarise(exc)) from exc
        raise PayloadError("invalid", f"{model.__name__}: {_summarise(exc)}") from exc


def encode(message: BaseModel) -> bytes:
    """Serialise a message to compact JSON bytes (the wire form)."""
    return message.model_dump_json(exclude_none=True).encode()
