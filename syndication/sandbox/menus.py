"""menu/create|get|delete with WeChat's menu rules: 1–3 buttons, 1–5 sub-buttons, byte limits."""

from __future__ import annotations

from typing import Any

from syndication.sandbox.errors import ApiError, ok
from syndication.sandbox.registry import Call, Endpoint
from syndication.sandbox.state import Keys, State

TYPES = (
    "click",
    "view",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
    "media_id",
    "article_id",
    "article_view_limited",
    "miniprogram",
)
NAME_BYTES, SUB_NAME_BYTES, KEY_BYTES, URL_BYTES = 16, 60, 128, 1024
# (top-level errcode, sub-button errcode) for: type, name size, key size, url size.
CODES = {
    "type": (40015, 40024),
    "name": (40018, 40025),
    "key": (40019, 40026),
    "url": (40020, 40027),
}


def _check_button(button: Any, sub: bool) -> None:
    level = 1 if sub else 0
    if not isinstance(button, dict):
        raise ApiError(47001, "a button must be an object")
    name = button.get("name")
    if (
        not isinstance(name, str)
        or not name
        or len(name.encode()) > (SUB_NAME_BYTES if sub else NAME_BYTES)
    ):
        raise ApiError(CODES["name"][level])
    if "sub_button" in button and not sub:
        subs = button["sub_button"]
        if not isinstance(subs, list) or not 1 <= len(subs) <= 5:
            raise ApiError(40023, "1 to 5 sub buttons")
        for child in subs:
            _check_button(child, sub=True)
        return
    kind = button.get("type")
    if kind not in TYPES:
        raise ApiError(CODES["type"][level])
    if kind == "click" or kind.startswith(("scancode", "pic_", "location")):
        key = button.get("key")
        if not isinstance(key, str) or not key or len(key.encode()) > KEY_BYTES:
            raise ApiError(CODES["key"][level])
    if kind == "view":
        url = button.get("url")
        if (
            not isinstance(url, str)
            or not url.startswith(("http://", "https://"))
            or len(url.encode()) > URL_BYTES
        ):
            raise ApiError(CODES["url"][level])


def check_menu(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Validate a menu as menu/create does; return its buttons."""
    buttons = data.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise ApiError(40016, "1 to 3 buttons")
    for button in buttons:
        _check_button(button, sub=False)
    return buttons


def load(state: State, account: str) -> list[dict[str, Any]] | None:
    """The account's menu buttons, or None when it has no menu."""
    menu = state.get_json(Keys.menu(account))
    return menu["button"] if menu else None


def save(state: State, account: str, buttons: list[dict[str, Any]]) -> None:
    """Store a checked menu."""
    state.set_json(Keys.menu(account), {"button": buttons})


def create(call: Call) -> dict:
    """menu/create {button: [...]}."""
    save(call.state, call.acct.id, check_menu(call.json()))
    return ok()


def get(call: Call) -> dict:
    """menu/get -> {menu: {button: [...]}}; 46003 when there is none."""
    buttons = load(call.state, call.acct.id)
    if buttons is None:
        raise ApiError(46003)
    return {"menu": {"button": buttons}}


def delete(call: Call) -> dict:
    """menu/delete."""
    call.state.redis.delete(Keys.menu(call.acct.id))
    return ok()


ENDPOINTS = [
    Endpoint("menu/create", "POST", create),
    Endpoint("menu/get", "GET", get),
    Endpoint("menu/delete", "GET", delete),
]
