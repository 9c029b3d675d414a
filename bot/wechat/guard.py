"""Checks on a push before its body is read: the query signature and the timestamp window."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import Account
from bot.wechat.crypto import signature_ok

_HEX40 = re.compile(r"[0-9a-f]{40}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[0-9A-Za-z_-]{1,64}")


class Refused(Exception):
    """A request refused with an HTTP status and a short, secret-free reason."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"{status} {reason}")


@dataclass(frozen=True)
class SignedQuery:
    """The verified query parameters of a push."""

    signature: str
    timestamp: str
    nonce: str


def verify_query(
    account: Account, args: Mapping[str, str], now: float, max_skew: int
) -> SignedQuery:
    """Check signature = sha1(sort(token, timestamp, nonce)) and the timestamp window."""
    signature = args.get("signature", "")
    timestamp = args.get("timestamp", "")
    nonce = args.get("nonce", "")
    if not _HEX40.fullmatch(signature):
        raise Refused(403, "missing or malformed signature")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Refused(403, "missing or malformed timestamp")
    if not _NONCE.fullmatch(nonce):
        raise Refused(403, "missing or malformed nonce")
    if not signature_ok(signature, account.token, timestamp, nonce):
        raise Refused(403, "signature mismatch")
    # The signature has no delimiters, so digits can be moved between timestamp and nonce
    # without changing it; the window catches the moved timestamp, the replay key the rest.
    if max_skew and abs(now - int(timestamp)) > max_skew:
        raise Refused(403, "timestamp outside the allowed window")
    return SignedQuery(signature, timestamp, nonce)
