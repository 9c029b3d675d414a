"""WeChat's errcodes as the sandbox answers them, and the exception that carries one."""

from __future__ import annotations

from typing import Any

# errcode -> errmsg, worded as WeChat words them (wechatpy constants, the facts doc §2.8).
ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40004: "invalid media type",
    40005: "invalid file type",
    40006: "invalid meida size",
    40007: "invalid media_id",
    40008: "invalid message type",
    40009: "invalid image size",
    40010: "invalid voice size",
    40011: "invalid video size",
    40012: "invalid thumb size",
    40013: "invalid appid",
    40014: "invalid access_token",
    40015: "invalid button type",
    40016: "invalid button size",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    40035: "invalid args",
    40066: "invalid url",
    40125: "invalid appsecret",
    40164: "invalid ip, not in whitelist",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41005: "media data missing",
    41006: "media_id missing",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    44002: "empty post data",
    44003: "empty news data",
    44004: "empty content",
    45001: "media size out of limit",
    45002: "content size out of limit",
    45003: "title size out of limit",
    45004: "description size out of limit",
    45005: "url size out of limit",
    45008: "article size out of limit",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit, retry next minute",
    45015: "response out of time limit or subscription is canceled",
    45028: "has no masssend quota",
    45047: "out of response count limit",
    45065: "clientmsgid exist",
    45066: "clientmsgid retry too fast, retry after 1 minute",
    45067: "clientmsgid size out of limit",
    45110: "author size out of limit",
    45166: "invalid content",
    46003: "menu no exist",
    47001: "data format error",
    48001: "api unauthorized",
    48004: "api forbidden for irregularities",
    48006: "forbid to clear quota because of reaching the limit",
    50002: "user limited",
    53500: "发布功能被封禁",
    53501: "频繁请求发布",
    53502: "Publish ID 无效",
    53503: "该草稿未通过发布检查",
    53504: "需前往公众平台官网使用草稿",
    53505: "请手动保存成功后再发表",
    53600: "Article ID 无效",
    61500: "date format error",
    61501: "date range error",
    61503: "data not ready",
    76021: "cgi_path not found, please check",
    89503: "此次调用需要管理员确认，请耐心等候",
}


class ApiError(Exception):
    """An API call refused with WeChat's errcode/errmsg (and HTTP 200, as WeChat does)."""

    def __init__(self, errcode: int, hint: str = "", **extra: Any) -> None:
        self.errcode = errcode
        self.errmsg = ERRMSG.get(errcode, "error") + (f" hint: [{hint}]" if hint else "")
        self.extra = extra
        super().__init__(f"{errcode} {self.errmsg}")

    def body(self) -> dict[str, Any]:
        """The JSON body WeChat answers."""
        return {"errcode": self.errcode, "errmsg": self.errmsg, **self.extra}


def ok(**fields: Any) -> dict[str, Any]:
    """A success body: errcode 0, errmsg ok, then the endpoint's fields."""
    return {"errcode": 0, "errmsg": "ok", **fields}
