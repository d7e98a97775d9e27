"""Local receivers for tests and benches: HTTP servers that behave like the real endpoints.

Real servers on loopback (http.server in a thread, a free port), not mocks: what they
record is what a real receiver would have received, and they answer like the real one.

- `WebhookReceiver`: the generic webhook, checks `X-BK-Signature` (HMAC-SHA256 of the body).
- `WeComReceiver`, `DingTalkReceiver`, `FeishuReceiver`: the vendors' group-robot
  webhooks. Each checks the credential and signature the way the vendor documents it
  (computed here independently of `rules.notify.robots`, so one mistake cannot hide in
  both), checks the body shape, and answers like the vendor: HTTP 200 with
  `errcode`/`code` 0, or HTTP 200 with a non-zero code when it refuses.
- `HangingServer`: accepts TCP connections and never answers, like a stuck endpoint.

Codes the robots answer: the signature failures are the documented ones (DingTalk
310000 "sign not match", Feishu 19021 "sign match fail or timestamp is not within one
hour from current time"). For a wrong key/token, a malformed body and a busy reply the
vendors' exact codes were not confirmed from their documentation, so these receivers use
the constants below; only "zero or not" matters to a sender.
"""

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, Self, TypeVar

from rules.notify.webhook import SIGNATURE_HEADER, sign

R = TypeVar("R")

SIGNATURE_WINDOW_S = 3600
"""DingTalk and Feishu both refuse a timestamp more than an hour from their clock."""


class _LoopbackServer(Generic[R]):
    """A ThreadingHTTPServer on 127.0.0.1:<free port> that records one R per POST."""

    def __init__(self) -> None:
        self.received: list[R] = []
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer._handle(self, body, time.monotonic())

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes, now: float) -> None:
        raise NotImplementedError

    def _record(self, item: R) -> None:
        with self.cond:
            self.received.append(item)
            self.cond.notify_all()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, count: int, timeout: float) -> bool:
        """True once `count` requests have been recorded; False after `timeout` seconds."""
        return self.wait_for(lambda got: len(got) >= count, timeout)

    def wait_for(self, predicate: Callable[[list[R]], bool], timeout: float) -> bool:
        """True once `predicate(received)` holds; False after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self.received):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True


class WebhookReceiver(_LoopbackServer[tuple[float, dict[str, Any], bool]]):
    """Records (arrival monotonic time, JSON body, signature ok) of every POST."""

    def __init__(self, secret: str | None = None, fail_first: int = 0) -> None:
        super().__init__()
        self.secret = secret
        self.fail_first = fail_first

    @property
    def url(self) -> str:
        return f"{self.base_url}/hook"

    def __enter__(self) -> "WebhookReceiver":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes, now: float) -> None:
        with self.cond:
            failing = self.fail_first > 0
            if failing:
                self.fail_first -= 1
        if failing:
            handler.send_response(503)
            handler.end_headers()
            return
        ok = True
        if self.secret is not None:
            got = handler.headers.get(SIGNATURE_HEADER, "")
            ok = hmac.compare_digest(got, sign(self.secret, body))
        handler.send_response(200 if ok else 401)
        handler.end_headers()
        self._record((now, json.loads(body), ok))


@dataclass(frozen=True)
class RobotDelivery:
    """One request as a robot endpoint saw it, and what it answered."""

    at: float
    """Arrival, time.monotonic()."""
    path: str
    query: dict[str, str]
    body: Any
    """The parsed JSON body (None if it was not JSON)."""
    raw: bytes
    code: int
    """The vendor code answered: 0 accepted, anything else refused."""
    reason: str = ""
    """Why it was refused ("" when accepted)."""
    signed: bool = False
    """True when a signature was present and verified."""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.code == 0

    def text(self) -> str:
        """The human-readable content, whatever the vendor's message shape."""
        body = self.body if isinstance(self.body, dict) else {}
        for outer, inner in (
            ("markdown", "content"),
            ("markdown", "text"),
            ("text", "content"),
            ("content", "text"),
        ):
            part = body.get(outer)
            if isinstance(part, dict) and isinstance(part.get(inner), str):
                return str(part[inner])
        card = body.get("actionCard")  # DingTalk actionCard
        if isinstance(card, dict) and isinstance(card.get("text"), str):
            return str(card["text"])
        news = body.get("news")  # WeCom news: the articles' titles and descriptions
        if isinstance(news, dict) and isinstance(news.get("articles"), list):
            return "\n".join(
                f"{a.get('title', '')}\n{a.get('description', '')}"
                for a in news["articles"]
                if isinstance(a, dict)
            )
        card = body.get("card")  # Feishu interactive: header title and the text elements
        if isinstance(card, dict):
            header = card.get("header", {}).get("title", {}).get("content", "")
            texts = [
                str(el.get("text", {}).get("content", ""))
                for el in card.get("elements", [])
                if isinstance(el, dict) and isinstance(el.get("text"), dict)
            ]
            return "\n".join([str(header), *texts])
        return ""


class _Refusal(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _RobotReceiver(_LoopbackServer[RobotDelivery]):
    """Shared plumbing; subclasses check their vendor's URL, signature and body."""

    code_field: ClassVar[str] = "errcode"
    message_field: ClassVar[str] = "errmsg"
    ok_message: ClassVar[str] = "ok"
    bad_credential: ClassVar[int]
    bad_signature: ClassVar[int]
    bad_body: ClassVar[int]
    busy: ClassVar[int]

    def __init__(
        self,
        secret: str | None = None,
        *,
        error_first: int = 0,
        error_code: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`secret` turns signing on; `error_first` answers the first N requests that
        pass every check with `error_code` (default: the busy code) and HTTP 200, as a
        vendor does when it is rate limiting or failing."""
        super().__init__()
        self.secret = secret
        self.error_first = error_first
        self.error_code = self.busy if error_code is None else error_code
        self.clock = clock

    def __enter__(self) -> Self:
        self.start()
        return self

    @property
    def url(self) -> str:
        raise NotImplementedError

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def accepted(self) -> list[RobotDelivery]:
        with self.cond:
            return [d for d in self.received if d.ok]

    def _check(self, path: str, query: dict[str, str], body: Any) -> bool:
        """Raise _Refusal if the vendor would refuse; return True if a signature verified."""
        raise NotImplementedError

    def _answer(self, code: int, message: str) -> dict[str, Any]:
        return {self.code_field: code, self.message_field: message}

    def _fresh(self, ts: int) -> bool:
        return abs(self.clock() - ts) <= SIGNATURE_WINDOW_S

    def _handle(self, handler: BaseHTTPRequestHandler, raw: bytes, now: float) -> None:
        split = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        body: Any = None
        code, reason, signed = 0, "", False
        try:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise _Refusal(self.bad_body, f"body is not UTF-8 JSON: {exc}") from exc
            if not handler.headers.get("Content-Type", "").startswith("application/json"):
                raise _Refusal(self.bad_body, "Content-Type is not application/json")
            signed = self._check(split.path, query, body)
            with self.cond:
                failing = self.error_first > 0
                if failing:
                    self.error_first -= 1
            if failing:
                raise _Refusal(self.error_code, "vendor error (as configured)")
        except _Refusal as refusal:
            code, reason = refusal.code, refusal.reason
        reply = json.dumps(
            self._answer(code, self.ok_message if code == 0 else reason), ensure_ascii=False
        ).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(reply)))
        handler.end_headers()
        handler.wfile.write(reply)
        self._record(
            RobotDelivery(
                at=now,
                path=split.path,
                query=query,
                body=body,
                raw=raw,
                code=code,
                reason=reason,
                signed=signed,
                headers=dict(handler.headers.items()),
            )
        )


def _text_field(body: dict[str, Any], outer: str, inner: str, limit: int | None = None) -> str:
    part = body.get(outer)
    if not isinstance(part, dict) or not isinstance(part.get(inner), str) or not part[inner]:
        raise _Refusal(-1, f"missing {outer}.{inner}")
    value = str(part[inner])
    if limit is not None and len(value.encode()) > limit:
        raise _Refusal(-1, f"{outer}.{inner} longer than {limit} bytes")
    return value


def _news(body: dict[str, Any]) -> None:
    """WeCom news: 1..8 articles, title ≤ 128 bytes and url required, description ≤ 512."""
    news = body.get("news")
    articles = news.get("articles") if isinstance(news, dict) else None
    if not isinstance(articles, list) or not 1 <= len(articles) <= 8:
        raise _Refusal(-1, "news.articles must hold 1 to 8 articles")
    for a in articles:
        if not isinstance(a, dict) or not a.get("title") or not a.get("url"):
            raise _Refusal(-1, "a news article needs title and url")
        if len(str(a["title"]).encode()) > 128:
            raise _Refusal(-1, "news article title longer than 128 bytes")
        if len(str(a.get("description", "")).encode()) > 512:
            raise _Refusal(-1, "news article description longer than 512 bytes")


class WeComReceiver(_RobotReceiver):
    """企业微信 group robot: `POST /cgi-bin/webhook/send?key=KEY`, no signing (the key is it).

    Accepts msgtype "text" (text.content, at most 2048 bytes), "markdown"
    (markdown.content, at most 4096 bytes) and "news" (1 to 8 articles, each with a title
    of at most 128 bytes and a url; description at most 512 bytes; picurl optional), the
    documented limits.
    """

    bad_credential = 93000
    bad_signature = 93000
    bad_body = 40008
    busy = 45009

    def __init__(self, key: str = "test-key", **kwargs: Any) -> None:
        super().__init__(None, **kwargs)
        self.key = key

    @property
    def url(self) -> str:
        return f"{self.base_url}/cgi-bin/webhook/send?key={self.key}"

    def _check(self, path: str, query: dict[str, str], body: Any) -> bool:
        if path != "/cgi-bin/webhook/send" or not hmac.compare_digest(
            query.get("key", "").encode(), self.key.encode()
        ):
            raise _Refusal(self.bad_credential, "invalid webhook url")
        if not isinstance(body, dict):
            raise _Refusal(self.bad_body, "body is not a JSON object")
        try:
            if body.get("msgtype") == "text":
                _text_field(body, "text", "content", 2048)
            elif body.get("msgtype") == "markdown":
                _text_field(body, "markdown", "content", 4096)
            elif body.get("msgtype") == "news":
                _news(body)
            else:
                raise _Refusal(self.bad_body, f"invalid message type {body.get('msgtype')!r}")
        except _Refusal as exc:
            raise _Refusal(self.bad_body, exc.reason) from None
        return False


class DingTalkReceiver(_RobotReceiver):
    """钉钉 custom robot: `POST /robot/send?access_token=T[&timestamp=ms&sign=...]`.

    With a secret ("加签"): `sign` must equal
    urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))) and the
    timestamp (ms) be within an hour; otherwise errcode 310000. The query is decoded
    as a real server does, so a sign sent with a raw "+" (not URL-encoded) fails.
    """

    bad_credential = 300001
    bad_signature = 310000
    bad_body = 300005
    busy = 130101

    def __init__(
        self,
        secret: str | None = None,
        access_token: str = "test-token",  # noqa: S107 - a local test endpoint's token
        **kwargs: Any,
    ) -> None:
        super().__init__(secret, **kwargs)
        self.access_token = access_token

    @property
    def url(self) -> str:
        return f"{self.base_url}/robot/send?access_token={self.access_token}"

    def expected_sign(self, timestamp: str) -> str:
        assert self.secret is not None
        mac = hmac.new(
            self.secret.encode("utf-8"), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256
        )
        return base64.b64encode(mac.digest()).decode()

    def _check(self, path: str, query: dict[str, str], body: Any) -> bool:
        if path != "/robot/send" or not hmac.compare_digest(
            query.get("access_token", "").encode(), self.access_token.encode()
        ):
            raise _Refusal(self.bad_credential, "token is not exist")
        signed = False
        if self.secret is not None:
            ts, got = query.get("timestamp", ""), query.get("sign", "")
            if not ts.isdigit() or not self._fresh(int(ts) // 1000):
                raise _Refusal(self.bad_signature, "sign not match (timestamp missing or stale)")
            if not hmac.compare_digest(got.encode(), self.expected_sign(ts).encode()):
                raise _Refusal(self.bad_signature, "sign not match")
            signed = True
        if not isinstance(body, dict):
            raise _Refusal(self.bad_body, "body is not a JSON object")
        try:
            if body.get("msgtype") == "markdown":
                _text_field(body, "markdown", "title")
                _text_field(body, "markdown", "text")
            elif body.get("msgtype") == "text":
                _text_field(body, "text", "content")
            elif body.get("msgtype") == "actionCard":
                _text_field(body, "actionCard", "title")
                _text_field(body, "actionCard", "text")
                card = body["actionCard"]
                if not (card.get("singleURL") and card.get("singleTitle")) and not card.get("btns"):
                    raise _Refusal(self.bad_body, "actionCard needs singleTitle/singleURL or btns")
            else:
                raise _Refusal(self.bad_body, f"unknown msgtype {body.get('msgtype')!r}")
        except _Refusal as exc:
            raise _Refusal(self.bad_body, exc.reason) from None
        return signed


class FeishuReceiver(_RobotReceiver):
    """飞书 custom bot: `POST /open-apis/bot/v2/hook/<id>`.

    With a secret ("签名校验"): the body's `timestamp` (seconds, a string) must be within
    an hour and `sign` equal base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=""));
    otherwise code 19021. Success is `{"code": 0, "msg": "success", "data": {}}`.
    """

    code_field = "code"
    message_field = "msg"
    ok_message = "success"
    bad_credential = 19001
    bad_signature = 19021
    bad_body = 9499
    busy = 11232
    MSG_TYPES: ClassVar[frozenset[str]] = frozenset(
        {"text", "post", "image", "share_chat", "interactive"}
    )

    def __init__(
        self, secret: str | None = None, hook_id: str = "test-hook", **kwargs: Any
    ) -> None:
        super().__init__(secret, **kwargs)
        self.hook_id = hook_id

    @property
    def url(self) -> str:
        return f"{self.base_url}/open-apis/bot/v2/hook/{self.hook_id}"

    def expected_sign(self, timestamp: str) -> str:
        assert self.secret is not None
        key = f"{timestamp}\n{self.secret}".encode()
        return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()

    def _answer(self, code: int, message: str) -> dict[str, Any]:
        out = super()._answer(code, message)
        out["data"] = {}
        if code == 0:  # kept by Feishu for older clients
            out.update({"StatusCode": 0, "StatusMessage": "success"})
        return out

    def _check(self, path: str, query: dict[str, str], body: Any) -> bool:
        if path != f"/open-apis/bot/v2/hook/{self.hook_id}":
            raise _Refusal(self.bad_credential, "incoming webhook access token invalid")
        if not isinstance(body, dict):
            raise _Refusal(self.bad_body, "Bad Request")
        signed = False
        if self.secret is not None:
            ts, got = body.get("timestamp"), body.get("sign")
            if not isinstance(ts, str) or not ts.isdigit() or not self._fresh(int(ts)):
                raise _Refusal(
                    self.bad_signature,
                    "sign match fail or timestamp is not within one hour from current time",
                )
            if not isinstance(got, str) or not hmac.compare_digest(
                got.encode(), self.expected_sign(ts).encode()
            ):
                raise _Refusal(
                    self.bad_signature,
                    "sign match fail or timestamp is not within one hour from current time",
                )
            signed = True
        msg_type = body.get("msg_type")
        if msg_type not in self.MSG_TYPES:
            raise _Refusal(self.bad_body, f"unknown msg_type {msg_type!r}")
        if msg_type == "text":
            try:
                _text_field(body, "content", "text")
            except _Refusal as exc:
                raise _Refusal(self.bad_body, exc.reason) from None
        if msg_type == "interactive":
            card = body.get("card")
            if not isinstance(card, dict) or not isinstance(card.get("elements"), list):
                raise _Refusal(self.bad_body, "interactive message without card.elements")
        return signed


class HangingServer:
    """Accepts TCP connections on loopback and never answers: a stuck endpoint."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)  # so the accept loop sees `_closing`
        self.connections: list[socket.socket] = []
        self._closing = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(conn)

    def __enter__(self) -> "HangingServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self.thread.join(5)
        self.sock.close()
        for conn in self.connections:
            conn.close()
