"""What `--validate-config` prints: settings without secrets."""

from core.service import redact_urls


def test_printed_settings_lose_url_passwords() -> None:
    text = '{"url": "postgresql+psycopg://bk:s3cr%40t@db:5432/bk", "plain": "http://host:8086"}'
    out = redact_urls(text)
    assert "s3cr" not in out
    assert "postgresql+psycopg://bk:***@db:5432/bk" in out
    assert "http://host:8086" in out  # a port is not a password
