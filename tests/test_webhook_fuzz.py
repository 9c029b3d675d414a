"""S2/S3: mutated pushes are never accepted and never crash the webhook (seeded, deterministic)."""

from __future__ import annotations

import random

import pytest

from syndication.sandbox.pushes import text_xml
from tests.conftest import WeChat

OPENID = "oFollower0000000000000000001"
SIGNED_PARAMS = ("signature", "timestamp", "nonce", "msg_signature")


def _mutate_text(rng: random.Random, value: str) -> str:
    """Flip, drop, duplicate or swap characters, or move digits around."""
    chars = list(value)
    how = rng.choice(("flip", "drop", "dup", "swap", "case", "truncate"))
    i = rng.randrange(len(chars)) if chars else 0
    if how == "flip" and chars:
        chars[i] = rng.choice("0123456789abcdefABCDEF+/=")
    elif how == "drop" and chars:
        del chars[i]
    elif how == "dup" and chars:
        chars.insert(i, chars[i])
    elif how == "swap" and len(chars) > 1:
        j = rng.randrange(len(chars))
        chars[i], chars[j] = chars[j], chars[i]
    elif how == "case":
        chars = list(value.upper() if value != value.upper() else value.lower())
    else:
        chars = chars[: rng.randrange(len(chars) + 1)]
    return "".join(chars)


def test_mutated_signed_parameters_are_never_accepted(wechat: WeChat, config, redis):
    rng = random.Random(20261124)
    account = config.accounts["sh"]
    statuses: dict[int, int] = {}
    for i in range(400):
        push = wechat.sign("sh", text_xml(account, OPENID, "帮助", msg_id=str(7_000_000 + i)))
        name = rng.choice(SIGNED_PARAMS)
        mutated = _mutate_text(rng, push.query[name])
        if mutated == push.query[name]:
            continue
        response = wechat.post("sh", type(push)({**push.query, name: mutated}, push.body))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code in (400, 403), (name, mutated, response.data)
    assert redis.dbsize() == 0
    assert sum(statuses.values()) > 300


def test_mutated_bodies_never_crash_or_change_the_message(wechat: WeChat, config, redis):
    rng = random.Random(5)
    account = config.accounts["ah"]  # compatible mode: both plaintext and encrypted bodies
    for i in range(400):
        encrypt = bool(i % 2)
        push = wechat.sign(
            "ah", text_xml(account, OPENID, "帮助", msg_id=str(8_000_000 + i)), encrypt=encrypt
        )
        body = bytearray(push.body)
        for _ in range(rng.randint(1, 4)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        response = wechat.post("ah", type(push)(push.query, bytes(body)))
        assert response.status_code in (200, 400), response.data
        if response.status_code == 200 and encrypt:
            # Only bytes outside the authenticated Encrypt value can have changed.
            assert b"<xml>" in response.data


@pytest.mark.parametrize("length", [0, 1, 100, 65536])
def test_random_bytes_bodies(wechat: WeChat, config, redis, length):
    rng = random.Random(length)
    push = wechat.sign("ah", b"", encrypt=False)
    body = bytes(rng.randrange(256) for _ in range(length))
    response = wechat.post("ah", type(push)(push.query, body))
    assert response.status_code == 400
    assert redis.dbsize() == 0
