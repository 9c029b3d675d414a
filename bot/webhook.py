"""The thin webhook view: verify, read, decrypt, dedupe, route, reply (encrypted in kind).

It is mounted as WSGI middleware in front of the Flask app rather than as a Flask route, and
reads the WSGI environ and answers through start_response itself: on the hottest path Flask's
request context and routing cost ~90 us of ~500 us per push, and werkzeug's request and
response objects another ~35 us of ~750 under load (bench/, docs/benchmarks.md); the view needs
none of them. The body is still read through werkzeug's stream helpers, which bound it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from redis.exceptions import RedisError
from werkzeug.wsgi import get_content_length, get_input_stream

from bot.batching import BatchedScripts
from bot.config import Account, Config
from bot.effects import ReadOnlyRedis, no_upload
from bot.exchange import Computed, Exchange, Outcome
from bot.router import Router
from bot.wechat.crypto import DecryptError, MessageCipher, decrypt_any, sign, signature_ok
from bot.wechat.guard import Refused, SignedQuery, verify_query
from bot.wechat.messages import BadMessage, Message, parse_message
from bot.wechat.replies import SUCCESS, TextReply
from bot.wechat.xml import XMLRefused, element, parse

log = logging.getLogger("csj.webhook")
PATH_PREFIX = "/wechat/"

XML_TYPES = ("text/xml", "application/xml")
APOLOGY = "抱歉，系统暂时有点忙，请稍后再试。"


@dataclass
class WebhookService:
    """Everything the view needs, built once per app."""

    config: Config
    redis: Any
    router: Router
    exchange: Exchange
    clock: Any  # () -> epoch seconds
    zone: Any
    ciphers: dict[str, list[MessageCipher]] = field(default_factory=dict)
    uploader: Any = None
    pure_redis: Any = None  # what a first attempt at an answer may use: reads (bot.effects)

    def __post_init__(self) -> None:
        if self.pure_redis is None:
            # One view for the app's life: per-client caches (the forecast pointer) key on it.
            scripts = self.exchange.scripts
            batch = scripts if isinstance(scripts, BatchedScripts) else None  # reads go with it
            self.pure_redis = ReadOnlyRedis(self.redis, batch)


@dataclass(frozen=True)
class Request:
    """What the view reads of a request: method, query (first value wins), type, body stream."""

    method: str
    args: dict[str, str]
    mimetype: str
    content_length: int | None
    environ: dict[str, Any]

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        # PEP 3333 hands the query over as latin-1 text of its bytes; they are UTF-8 on the wire.
        query = environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8", "replace")
        args: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            args.setdefault(key, value)
        return cls(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            args=args,
            mimetype=environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower(),
            content_length=get_content_length(environ),
            environ=environ,
        )

    def read(self, limit: int) -> bytes:
        """At most `limit` bytes of the body; never past Content-Length (werkzeug's stream)."""
        return get_input_stream(self.environ).read(limit)


@dataclass(frozen=True)
class Response:
    """A status, a body and its type; rendered by the middleware through start_response."""

    body: bytes | str
    status_code: int = 200
    mimetype: str = "text/plain"
    headers: tuple[tuple[str, str], ...] = ()

    def __call__(self, start_response: Any) -> Iterable[bytes]:
        body = self.body.encode() if isinstance(self.body, str) else self.body
        start_response(
            _status_line(self.status_code),
            [
                ("Content-Type", self.mimetype + "; charset=utf-8"),
                ("Content-Length", str(len(body))),
                *self.headers,
            ],
        )
        return [body]


@cache
def _status_line(code: int) -> str:
    return f"{code} {HTTPStatus(code).phrase}"


@dataclass
class Push:
    """A verified, decrypted push; `cipher` is set when the reply must be encrypted."""

    account: Account
    query: SignedQuery
    message: Message
    cipher: MessageCipher | None


class WebhookMiddleware:
    """Serve /wechat/<account_id> directly; pass every other path to the wrapped (Flask) app."""

    def __init__(self, app: Any, svc: WebhookService) -> None:
        self.app = app
        self.svc = svc

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        account_id = path[len(PATH_PREFIX) :]
        if not path.startswith(PATH_PREFIX) or not account_id or "/" in account_id:
            return self.app(environ, start_response)
        return wechat(self.svc, account_id, Request.from_environ(environ))(start_response)


def wechat(svc: WebhookService, account_id: str, request: Request) -> Response:
    """WeChat's URL: GET verifies the server, POST delivers a message or event."""
    started = time.monotonic()
    # The id comes from the URL: cap what an unknown caller can write into the log.
    fields: dict[str, Any] = {"account": account_id[:64], "method": request.method}
    try:
        response = _dispatch(svc, account_id, request, started, fields)
    except Refused as refusal:
        fields.update(outcome="refused", reason=refusal.reason)
        allow = (("Allow", "GET, POST"),) if refusal.status == 405 else ()
        response = Response(refusal.reason + "\n", refusal.status, headers=allow)
    except RedisError as exc:
        fields.update(outcome="unavailable", reason=type(exc).__name__)
        response = Response("storage unavailable, try again\n", 503)
    fields.update(status=response.status_code, ms=round((time.monotonic() - started) * 1000, 2))
    log.info("push", extra={"fields": fields})
    return response


def _dispatch(
    svc: WebhookService, account_id: str, request: Request, started: float, fields: dict[str, Any]
) -> Response:
    if request.method == "GET":
        return _verify_server(svc, account_id, request)
    if request.method == "POST":
        return _receive(svc, account_id, request, started, fields)
    raise Refused(405, "method not allowed")


def _account(svc: WebhookService, account_id: str) -> Account:
    account = svc.config.account(account_id)
    if account is None:
        raise Refused(404, "unknown account")
    return account


def _verify_server(svc: WebhookService, account_id: str, request: Request) -> Response:
    account = _account(svc, account_id)
    verify_query(account, request.args, svc.clock(), svc.config.webhook.max_clock_skew)
    echostr = request.args.get("echostr", "")
    if not echostr or len(echostr) > 128:
        raise Refused(400, "missing or malformed echostr")
    return Response(echostr)


def _receive(
    svc: WebhookService, account_id: str, request: Request, started: float, fields: dict[str, Any]
) -> Response:
    account = _account(svc, account_id)
    query = verify_query(account, request.args, svc.clock(), svc.config.webhook.max_clock_skew)
    push = _read_push(svc, account, query, request)
    message = push.message
    fields.update(type=message.event or message.type, msg_id=message.dedupe_id)
    outcome = svc.exchange.answer(
        account.id,
        query.signature,
        message.dedupe_id,
        lambda effects: _answer(message, account, svc, effects),
        started + svc.config.webhook.reply_budget,
    )
    fields["outcome"] = outcome.kind
    return _reply(outcome, push, svc)


def _read_push(svc: WebhookService, account: Account, query: SignedQuery, request: Request) -> Push:
    """Read the body (capped), refuse DTDs, check msg_signature, decrypt, parse the message."""
    encrypted = _encryption_requested(account, request)
    _check_content_type(request)
    outer = _parse(_read_body(request, svc.config.webhook.max_body_bytes))
    cipher = None
    if encrypted:
        msg_signature = request.args.get("msg_signature", "")
        plaintext, cipher = _decrypt(account, query, msg_signature, outer, svc.ciphers[account.id])
        data = _parse(plaintext)
    else:
        data = outer
    try:
        return Push(account, query, parse_message(data, account.id), cipher)
    except BadMessage as exc:
        raise Refused(400, f"not a WeChat message: {exc}") from None


def _encryption_requested(account: Account, request: Request) -> bool:
    encrypt_type = request.args.get("encrypt_type", "raw")
    if encrypt_type not in ("raw", "aes"):
        raise Refused(400, "unknown encrypt_type")
    if encrypt_type == "raw" and account.require_encryption:
        raise Refused(403, "plaintext messages are refused for this account")
    if encrypt_type == "aes" and not account.aes_keys:
        raise Refused(400, "encrypted message but the account has no EncodingAESKey")
    return encrypt_type == "aes"


def _check_content_type(request: Request) -> None:
    mimetype = request.mimetype
    if mimetype and mimetype not in XML_TYPES:
        raise Refused(415, "content type must be text/xml")


def _read_body(request: Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, f"body larger than {limit} bytes")
    body = request.read(limit + 1)  # also bounds chunked bodies, which have no length
    if len(body) > limit:
        raise Refused(413, f"body larger than {limit} bytes")
    if not body:
        raise Refused(400, "empty body")
    return body


def _parse(body: bytes) -> dict[str, Any]:
    try:
        return parse(body)
    except XMLRefused as exc:
        raise Refused(400, str(exc)) from None


def _decrypt(
    account: Account,
    query: SignedQuery,
    msg_signature: str,
    outer: dict[str, Any],
    ciphers: list[MessageCipher],
) -> tuple[bytes, MessageCipher]:
    encrypted = outer.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise Refused(400, "encrypted message without Encrypt")
    if not signature_ok(msg_signature, account.token, query.timestamp, query.nonce, encrypted):
        raise Refused(400, "msg_signature mismatch")
    try:
        return decrypt_any(ciphers, encrypted)
    except DecryptError as exc:
        log.info("decrypt failed", extra={"fields": {"account": account.id, "reason": exc.reason}})
        raise Refused(400, "cannot decrypt message") from None


def _answer(message: Message, account: Account, svc: WebhookService, effects: bool) -> Computed:
    """Route the message and render the reply; a failing answer becomes an apology, logged.

    Without `effects`, the answer reads Redis and cannot upload: one that needs more raises
    NeedsClaim (bot.effects), which passes through to the exchange."""
    now = datetime.fromtimestamp(svc.clock(), svc.zone)
    if effects:
        incoming = svc.router.incoming(message, account, svc.redis, now, svc.uploader)
    else:
        incoming = svc.router.incoming(message, account, svc.pure_redis, now, no_upload, False)
    try:
        reply = svc.router.route(incoming)
    except RedisError:
        raise
    except Exception:
        log.exception(
            "answer failed", extra={"fields": {"account": account.id, "msg_id": message.dedupe_id}}
        )
        reply = TextReply(APOLOGY)
        incoming.writes.clear()  # an answer that failed half-way remembers nothing
    rendered = reply.render(message.from_user, message.to_user, int(svc.clock()))
    return Computed(rendered, tuple(incoming.writes))


def _reply(outcome: Outcome, push: Push, svc: WebhookService) -> Response:
    if outcome.reply == SUCCESS or push.cipher is None:
        mimetype = "text/plain" if outcome.reply == SUCCESS else "application/xml"
        return Response(outcome.reply, mimetype=mimetype)
    return Response(encrypt_reply(outcome.reply, push, svc), mimetype="application/xml")


def encrypt_reply(reply: bytes, push: Push, svc: WebhookService) -> str:
    """Encrypt with the key that decrypted the push; Nonce echoes the query's, as WeChat asks."""
    assert push.cipher is not None
    encrypted = push.cipher.encrypt(reply)
    timestamp = str(int(svc.clock()))
    signature = sign(push.account.token, timestamp, push.query.nonce, encrypted)
    return (
        "<xml>"
        + element("Encrypt", encrypted)
        + element("MsgSignature", signature)
        + element("TimeStamp", int(timestamp))
        + element("Nonce", push.query.nonce)
        + "</xml>"
    )
