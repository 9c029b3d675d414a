"""Bad input, as a table: each case gets its clear status and stores nothing at all."""

from __future__ import annotations

import base64
import dataclasses
import io
from collections.abc import Callable

import pytest

from bot.wechat.crypto import MessageCipher, sign
from syndication.sandbox.pushes import Push, message_xml, sign_push, text_xml
from tests.conftest import NOW

OPENID = "oFollower0000000000000000001"
XXE_FILE = b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>'
XXE_HTTP = b'<!DOCTYPE xml [<!ENTITY x SYSTEM "http://127.0.0.1:9/canary">]><xml><Content>&x;</Content></xml>'
PARAM_ENTITY = b'<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]><xml/>'
EXTERNAL_DTD = b'<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd"><xml/>'
LAUGHS = (
    b'<!DOCTYPE xml [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><xml><Content>&c;</Content></xml>'
)
QUADRATIC = (
    b'<!DOCTYPE xml [<!ENTITY a "'
    + b"x" * 5000
    + b'">]><xml><Content>'
    + b"&a;" * 2000
    + b"</Content></xml>"
)
DEEP = b"<xml>" + b"<a>" * 3000 + b"</a>" * 3000 + b"</xml>"


@dataclasses.dataclass
class Request:
    """One HTTP request to the webhook."""

    account: str
    query: dict[str, str]
    body: bytes
    method: str = "POST"
    content_type: str | None = "text/xml"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


def signed(account, xml: bytes, **options) -> Push:
    return sign_push(account, xml, timestamp=int(NOW), **options)


def encrypted_body(account, encrypted: str, nonce: str = "777") -> tuple[dict[str, str], bytes]:
    """A correctly signed safe-mode request around an arbitrary Encrypt value."""
    ts = str(int(NOW))
    query = {
        "signature": sign(account.token, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": sign(account.token, ts, nonce, encrypted),
    }
    return query, f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()


def _valid(config) -> Push:
    return signed(
        config.accounts["sh"], text_xml(config.accounts["sh"], OPENID, "帮助", msg_id="42")
    )


def _query(config, **changes) -> Request:
    push = _valid(config)
    query = {k: v for k, v in {**push.query, **changes}.items() if v is not None}
    return Request("sh", query, push.body)


def _moved(config, how: str) -> Request:
    """Digits moved between timestamp and nonce: the sorted concatenation (the signature) stays."""
    account = config.accounts["sh"]
    ts, nonce = str(int(NOW) + 9), "98765432"
    push = sign_push(account, text_xml(account, OPENID, "帮助"), timestamp=int(ts), nonce=nonce)
    moves = {
        "nonce-to-ts": (ts + nonce[0], nonce[1:]),
        "ts-to-nonce": (ts[:-1], ts[-1] + nonce),
        "all-to-ts": (ts + nonce, ""),
    }
    new_ts, new_nonce = moves[how]
    assert sign(account.token, new_ts, new_nonce) == push.query["signature"]
    return Request("sh", {**push.query, "timestamp": new_ts, "nonce": new_nonce}, push.body)


def _safe(config, encrypted: Callable[[MessageCipher], str]) -> Request:
    account = config.accounts["sh"]
    cipher = MessageCipher(account.encoding_aes_key, account.appid)
    query, body = encrypted_body(account, encrypted(cipher))
    return Request("sh", query, body)


def _safe_inner(config, inner: bytes) -> Request:
    return _safe(config, lambda c: c.encrypt(inner))


def _bad_padding(cipher: MessageCipher) -> str:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    encryptor = Cipher(algorithms.AES(cipher.key), modes.CBC(cipher.key[:16])).encryptor()
    return base64.b64encode(encryptor.update(b"\x07" * 64) + encryptor.finalize()).decode()


def _plain(config, xml: bytes, account_id: str = "ah", **kw) -> Request:
    push = signed(config.accounts[account_id], xml, encrypt=False)
    return Request(account_id, push.query, push.body, **kw)


def _swapped(config) -> Request:
    push, other = _valid(config), _valid(config)
    return Request("sh", push.query, other.body)


def _wrong_msg_signature(config) -> Request:
    push = _valid(config)
    return Request("sh", {**push.query, "msg_signature": "0" * 40}, push.body)


def _ah_raw(config, body: bytes, **kw) -> Request:
    push = signed(config.accounts["ah"], b"", encrypt=False)
    return Request("ah", push.query, body, **kw)


def _missing(config, *drop: str) -> Request:
    fields = {
        "ToUserName": "gh_x",
        "FromUserName": OPENID,
        "CreateTime": 1,
        "MsgType": "text",
        "Content": "帮助",
        "MsgId": 5,
    }
    body = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if k not in drop)
    return _ah_raw(config, f"<xml>{body}</xml>".encode())


CASES: list[tuple[str, Callable, int, bytes]] = [
    ("no-query", lambda c: Request("sh", {}, _valid(c).body), 403, b"signature"),
    ("wrong-signature", lambda c: _query(c, signature="a" * 40), 403, b"signature mismatch"),
    (
        "uppercase-signature",
        lambda c: _query(c, signature=_valid(c).query["signature"].upper()),
        403,
        b"malformed",
    ),
    (
        "39-char-signature",
        lambda c: _query(c, signature=_valid(c).query["signature"][:39]),
        403,
        b"malformed",
    ),
    ("stale-1h", lambda c: Request("sh", *_at(c, -3600)), 403, b"window"),
    ("future-1h", lambda c: Request("sh", *_at(c, 3600)), 403, b"window"),
    ("non-numeric-timestamp", lambda c: _query(c, timestamp="17x"), 403, b"timestamp"),
    ("empty-nonce", lambda c: _query(c, nonce=""), 403, b"nonce"),
    ("nonce-65-chars", lambda c: _query(c, nonce="1" * 65), 403, b"nonce"),
    ("digit-nonce-to-ts", lambda c: _moved(c, "nonce-to-ts"), 403, b""),
    ("digit-ts-to-nonce", lambda c: _moved(c, "ts-to-nonce"), 403, b""),
    ("all-digits-to-ts", lambda c: _moved(c, "all-to-ts"), 403, b""),
    ("plaintext-to-safe-account", lambda c: Request("sh", *_plain_parts(c)), 403, b"plaintext"),
    ("unknown-encrypt-type", lambda c: _query(c, encrypt_type="des"), 400, b"encrypt_type"),
    ("wrong-msg-signature", _wrong_msg_signature, 400, b"msg_signature"),
    ("encrypt-swapped-in", _swapped, 400, b"msg_signature"),
    (
        "other-appid",
        lambda c: _safe(
            c,
            lambda k: MessageCipher(
                c.accounts["sh"].encoding_aes_key, "wx0000000000000000"
            ).encrypt(b"<xml/>"),
        ),
        400,
        b"cannot decrypt",
    ),
    (
        "other-key",
        lambda c: _safe(
            c, lambda k: MessageCipher("Z" * 43, c.accounts["sh"].appid).encrypt(b"<xml/>")
        ),
        400,
        b"cannot decrypt",
    ),
    (
        "truncated-ciphertext",
        lambda c: _safe(c, lambda k: k.encrypt(b"<xml/>")[:-24]),
        400,
        b"cannot decrypt",
    ),
    (
        "non-base64-ciphertext",
        lambda c: _safe(c, lambda k: "***not base64***"),
        400,
        b"cannot decrypt",
    ),
    ("bad-padding", lambda c: _safe(c, _bad_padding), 400, b"cannot decrypt"),
    (
        "encrypt-missing",
        lambda c: Request("sh", _valid(c).query, b"<xml><ToUserName>x</ToUserName></xml>"),
        400,
        b"without Encrypt",
    ),
    (
        "oversize-content-length",
        lambda c: _ah_raw(c, b"<xml>" + b"a" * 70000 + b"</xml>"),
        413,
        b"larger",
    ),
    ("xxe-file-outer", lambda c: _ah_raw(c, XXE_FILE), 400, b"DTD"),
    ("xxe-http-outer", lambda c: _ah_raw(c, XXE_HTTP), 400, b"DTD"),
    ("parameter-entity", lambda c: _ah_raw(c, PARAM_ENTITY), 400, b"DTD"),
    ("external-dtd", lambda c: _ah_raw(c, EXTERNAL_DTD), 400, b"DTD"),
    ("billion-laughs", lambda c: _ah_raw(c, LAUGHS), 400, b"DTD"),
    ("quadratic-blowup", lambda c: _ah_raw(c, QUADRATIC), 400, b"DTD"),
    ("xxe-inside-ciphertext", lambda c: _safe_inner(c, XXE_FILE), 400, b"DTD"),
    ("laughs-inside-ciphertext", lambda c: _safe_inner(c, LAUGHS), 400, b"DTD"),
    ("deep-nesting", lambda c: _ah_raw(c, DEEP), 400, b"deeply"),
    ("not-xml", lambda c: _ah_raw(c, b"hello, world"), 400, b"well-formed"),
    (
        "json-body",
        lambda c: _ah_raw(c, b'{"MsgType":"text"}', content_type="application/json"),
        415,
        b"text/xml",
    ),
    (
        "form-content-type",
        lambda c: _ah_raw(c, b"a=b", content_type="application/x-www-form-urlencoded"),
        415,
        b"text/xml",
    ),
    (
        "invalid-utf8",
        lambda c: _ah_raw(c, b"<xml><Content>\xff\xfe</Content></xml>"),
        400,
        b"well-formed",
    ),
    ("empty-body", lambda c: _ah_raw(c, b""), 400, b"empty"),
    ("root-not-xml", lambda c: _ah_raw(c, b"<html><body/></html>"), 400, b"<xml>"),
    ("missing-msgtype", lambda c: _missing(c, "MsgType"), 400, b"MsgType"),
    ("missing-sender", lambda c: _missing(c, "FromUserName"), 400, b"FromUserName"),
    (
        "createtime-not-int",
        lambda c: _ah_raw(
            c,
            message_xml(c.accounts["ah"], OPENID, "text", {"Content": "x"}).replace(
                b"<CreateTime>", b"<CreateTime>x"
            ),
        ),
        400,
        b"CreateTime",
    ),
    (
        "publish-event-without-id",
        lambda c: _ah_raw(
            c, message_xml(c.accounts["ah"], "mphelper", "event", {"Event": "PUBLISHJOBFINISH"})
        ),
        400,
        b"publish_id",
    ),
    (
        "unknown-account",
        lambda c: Request("nosuch", _valid(c).query, _valid(c).body),
        404,
        b"unknown account",
    ),
    (
        "put-method",
        lambda c: Request("sh", _valid(c).query, _valid(c).body, method="PUT"),
        405,
        b"",
    ),
    (
        "get-bad-signature",
        lambda c: Request(
            "sh", {**_query(c, signature="b" * 40).query, "echostr": "1"}, b"", method="GET"
        ),
        403,
        b"signature",
    ),
    (
        "get-without-echostr",
        lambda c: Request("sh", _valid(c).query, b"", method="GET"),
        400,
        b"echostr",
    ),
]


def _at(config, offset: int):
    account = config.accounts["sh"]
    push = sign_push(account, text_xml(account, OPENID, "帮助"), timestamp=int(NOW) + offset)
    return push.query, push.body


def _plain_parts(config):
    account = config.accounts["sh"]
    push = signed(account, text_xml(account, OPENID, "帮助"), encrypt=False)
    return push.query, push.body


@pytest.mark.parametrize(
    ("build", "status", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_refusal(client, config, redis, build, status, reason):
    request = build(config)
    response = client.open(
        f"/wechat/{request.account}",
        method=request.method,
        query_string=request.query,
        data=request.body,
        content_type=request.content_type,
        headers=request.headers,
    )
    assert response.status_code == status, response.data
    assert reason in response.data
    assert redis.dbsize() == 0, "a refused request stored something"


def test_the_table_is_big_enough():
    assert len(CASES) >= 25


def test_the_valid_control_is_accepted(client, config, redis):
    push = _valid(config)
    response = client.post(
        "/wechat/sh", query_string=push.query, data=push.body, content_type="text/xml"
    )
    assert response.status_code == 200 and redis.dbsize() > 0


class ExplodingBody(io.BytesIO):
    """A request body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body was read before the signature was checked")

    readline = read


@pytest.mark.parametrize(
    "query",
    [
        pytest.param({}, id="unsigned"),
        pytest.param(
            {"signature": "0" * 40, "timestamp": str(int(NOW)), "nonce": "1"}, id="bad-signature"
        ),
    ],
)
def test_body_is_not_read_before_the_signature_is_checked(client, query):
    response = client.post(
        "/wechat/sh",
        query_string=query,
        input_stream=ExplodingBody(b"<xml></xml>"),
        content_type="text/xml",
    )
    assert response.status_code == 403


def test_method_not_allowed_says_which_are(client, config):
    response = client.delete("/wechat/sh", query_string=_valid(config).query)
    assert response.status_code == 405 and response.headers["Allow"] == "GET, POST"
