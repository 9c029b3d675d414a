"""What an endpoint handler receives (Call) and how endpoints are declared (Endpoint)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Account, Config
from syndication.sandbox.errors import ApiError
from syndication.sandbox.state import State

ZONE = ZoneInfo("Asia/Shanghai")  # WeChat's quotas reset at Beijing midnight


@dataclass
class Call:
    """One API call: the account it acts for, its input, and the sandbox's resources."""

    config: Config
    state: State
    now: float
    base_url: str  # where the sandbox is reached, e.g. http://127.0.0.1:8090
    args: Mapping[str, str] = field(default_factory=dict)
    raw: bytes = b""
    files: Mapping[str, Any] = field(default_factory=dict)
    account: Account | None = None

    @property
    def acct(self) -> Account:
        assert self.account is not None, "endpoint needs an account"
        return self.account

    @property
    def day(self) -> str:
        return datetime.fromtimestamp(self.now, ZONE).strftime("%Y%m%d")

    def json(self) -> dict[str, Any]:
        """The JSON body (WeChat reads it whatever the content type says)."""
        if not self.raw.strip():
            raise ApiError(44002)
        try:
            data = json.loads(self.raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ApiError(47001, "body is not UTF-8 JSON") from None
        if not isinstance(data, dict):
            raise ApiError(47001, "body must be a JSON object")
        return data


Handler = Callable[[Call], Any]  # a JSON body (dict), or a Response (media bytes)


@dataclass(frozen=True)
class Endpoint:
    """An API path under /cgi-bin/, its HTTP method, and how the account is found."""

    path: str
    method: str
    handler: Handler
    # None: by access_token (every API); else a function finding the account from the call.
    account_from: Callable[[Call], Account] | None = None


def field_str(
    data: Mapping[str, Any], name: str, *, required: bool = True, missing: int = 47001
) -> str:
    """Read a string field; a missing one is `missing`, a wrong type 47001."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(missing, f"{name} missing")
        return ""
    if not isinstance(value, str):
        raise ApiError(47001, f"{name} must be a string")
    return value


def field_int(data: Mapping[str, Any], name: str, default: int | None = None) -> int:
    """Read an integer field (WeChat also accepts digits in a string)."""
    value = data.get(name, default)
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(47001, f"{name} must be an integer")
    return value
