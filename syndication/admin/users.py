"""People who sign in to the admin app: name, role, password hash, disabled flag (in Redis)."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from redis.exceptions import WatchError
from werkzeug.security import check_password_hash, generate_password_hash

from bot.store import AdminKeys

ROLES = ("editor", "reviewer", "admin")
ROLE_NAMES = {"editor": "编辑", "reviewer": "审核", "admin": "管理员"}
MIN_PASSWORD = 10
MAX_NAME = 32
#: Checked when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("csj-no-such-user")


class UserError(ValueError):
    """A bad name, role or password, or a duplicate or unknown user; the message says which."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created_at: float
    disabled: bool
    #: Changes with the password: a session made before a reset no longer matches it.
    session_key: str = ""


def check_name(name: str) -> str:
    """Return the name if it is 1–32 characters with no spaces or control characters."""
    if not 1 <= len(name) <= MAX_NAME:
        raise UserError(f"用户名应为 1 到 {MAX_NAME} 个字符")
    if any(ch.isspace() or unicodedata.category(ch)[0] in "CZ" for ch in name):
        raise UserError("用户名不能包含空格或控制字符")
    return name


def check_role(role: str) -> str:
    """Return the role if it is one of ROLES."""
    if role not in ROLES:
        raise UserError(f"未知角色「{role}」，应为 {'、'.join(ROLES)} 之一")
    return role


def check_password(password: str) -> str:
    """Return the password if it is long enough."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码太短：至少 {MIN_PASSWORD} 个字符")
    return password


def add(redis: Any, name: str, role: str, password: str, now: float) -> User:
    """Create a user; refuse a bad name, role or password, or a name already taken."""
    check_name(name)
    check_role(role)
    check_password(password)
    fields = {
        "name": name,
        "role": role,
        "password": generate_password_hash(password),
        "created_at": repr(now),
        "disabled": "0",
        "session_key": secrets.token_hex(8),
    }
    if not redis.sadd(AdminKeys.USERS, name):  # the claim: one of two racing adds wins
        raise UserError(f"用户「{name}」已存在")
    redis.hset(AdminKeys.user(name), mapping=fields)
    return User(name, role, now, False, fields["session_key"])


def get(redis: Any, name: str) -> User | None:
    """The user with this name, or None."""
    data = _fields(redis, name)
    return _user(data) if data else None


def verify(redis: Any, name: str, password: str) -> User | None:
    """The user if the password is right and the user is enabled, else None."""
    data = _fields(redis, name)
    hashed = data.get("password", _DUMMY_HASH)
    if not check_password_hash(hashed, password) or not data:
        return None
    user = _user(data)
    return None if user.disabled else user


def list_users(redis: Any) -> list[User]:
    """Every user, by name."""
    found = (get(redis, n.decode()) for n in sorted(redis.smembers(AdminKeys.USERS)))
    return [u for u in found if u is not None]


def set_role(redis: Any, name: str, role: str) -> User:
    """Give a user another role (never taking the last enabled admin's)."""
    check_role(role)
    return _change(redis, name, {"role": role})


def disable(redis: Any, name: str) -> User:
    """Stop a user from signing in (their sessions end on the next request)."""
    return _change(redis, name, {"disabled": "1"})


def enable(redis: Any, name: str) -> User:
    """Let a disabled user sign in again."""
    return _change(redis, name, {"disabled": "0"})


def set_password(redis: Any, name: str, password: str) -> User:
    """Replace a user's password (checked like a new one); their open sessions end."""
    check_password(password)
    changes = {"password": generate_password_hash(password), "session_key": secrets.token_hex(8)}
    return _change(redis, name, changes)


def _is_admin(data: dict[str, str]) -> bool:
    return data.get("role") == "admin" and data.get("disabled") == "0"


def _change(redis: Any, name: str, changes: dict[str, str]) -> User:
    """Set fields, unless that leaves no enabled admin (checked and written atomically)."""
    names = [n.decode() for n in redis.smembers(AdminKeys.USERS)]
    with redis.pipeline(transaction=True) as pipe:
        # Watched: a user added, or any user changed, before our write makes it fail.
        pipe.watch(AdminKeys.USERS, *(AdminKeys.user(n) for n in names))
        everyone = {n.decode(): _fields(pipe, n.decode()) for n in pipe.smembers(AdminKeys.USERS)}
        if not everyone.get(name):
            raise UserError(f"没有用户「{name}」")
        after = {**everyone, name: {**everyone[name], **changes}}
        if any(_is_admin(d) for d in everyone.values()) and not any(
            _is_admin(d) for d in after.values()
        ):
            raise UserError("至少要保留一位正常使用的管理员")
        pipe.multi()
        pipe.hset(AdminKeys.user(name), mapping=changes)
        try:
            pipe.execute()
        except WatchError:
            raise UserError("用户刚被别人修改过，请刷新后再试") from None
    return _require(redis, name)


def _require(redis: Any, name: str) -> User:
    user = get(redis, name)
    if user is None:
        raise UserError(f"没有用户「{name}」")
    return user


def _fields(redis: Any, name: str) -> dict[str, str]:
    raw = redis.hgetall(AdminKeys.user(name))
    return {k.decode(): v.decode() for k, v in raw.items()}


def _user(data: dict[str, str]) -> User:
    return User(
        data["name"],
        data["role"],
        float(data["created_at"]),
        data["disabled"] == "1",
        data.get("session_key", ""),
    )
