"""What to do after a WeChat error: one table of errcode classes (wechat-api.md §2.8).

The steps raise; this module alone decides whether to back off, wait for the daily quota,
stop with a reason an editor can act on, or treat the outcome as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import ZONE

RETRY = "retry"  # back off and try again (bounded)
PARK = "park"  # the day's quota is used: wait until it resets at midnight (Asia/Shanghai)
STOP = "stop"  # permanent: a person must act; the reason says what to do

#: errcode -> (class, reason for an editor). Unlisted codes stop with WeChat's own errmsg.
ERRCODES: dict[int, tuple[str, str]] = {
    -1: (RETRY, "微信系统繁忙"),
    40001: (RETRY, "access_token 无效（已自动刷新仍失败：请检查 AppSecret 与 IP 白名单）"),
    40014: (RETRY, "access_token 不合法（已自动刷新仍失败）"),
    42001: (RETRY, "access_token 已过期（已自动刷新仍失败）"),
    45011: (RETRY, "接口每分钟调用次数超限，稍后重试"),
    45066: (RETRY, "群发重试过快，一分钟后再试"),
    53501: (RETRY, "发布请求过于频繁，稍后重试"),
    45009: (PARK, "今日接口调用次数已用完，零点后自动继续"),
    45028: (PARK, "今日群发次数已用完，零点后自动继续"),
    40164: (STOP, "服务器 IP 不在公众号的 IP 白名单中：请在公众平台“开发→基本配置”中添加"),
    40125: (STOP, "AppSecret 错误：请检查配置中的 secret"),
    40007: (STOP, "素材 media_id 无效（封面或草稿已不存在）：请重试以重新上传"),
    40005: (STOP, "图片格式不被接受（只支持 jpg/png）"),
    40009: (STOP, "图片过大（正文图片须小于 1MB）"),
    44003: (STOP, "图文内容为空"),
    45002: (STOP, "正文过长：须少于 2 万字、小于 1MB"),
    45003: (STOP, "标题过长：最多 32 个字"),
    45004: (STOP, "摘要过长：最多 128 个字"),
    45110: (STOP, "作者过长：最多 16 个字"),
    45166: (STOP, "正文含有微信不接受的内容（外链或不支持的 HTML）"),
    47001: (STOP, "数据格式错误（程序问题，请联系管理员）"),
    48001: (STOP, "公众号没有此接口权限（未认证账号自 2025 年 7 月起不能调用发布接口）"),
    48004: (STOP, "接口因违规被封禁：请在公众平台查看通知"),
    50002: (STOP, "公众号被限制：请在公众平台查看通知"),
    53500: (STOP, "发布功能已被封禁：请在公众平台查看通知"),
    53502: (STOP, "发布任务 ID 无效"),
    53503: (STOP, "草稿未通过发布检查：请检查标题、封面和正文"),
    53504: (STOP, "需前往公众平台官网使用此草稿"),
    53505: (STOP, "请先在公众平台官网手动保存草稿后再发表"),
    53600: (STOP, "文章 ID 无效"),
}

#: publish_status (freepublish/get, PUBLISHJOBFINISH) -> reason, for the ones that failed.
PUBLISH_FAILURES = {
    2: "原创声明校验失败",
    3: "发布失败（微信未说明原因；可在公众平台查看，至多再手动重试一次）",
    4: "平台审核不通过",
    5: "发布成功后文章已被全部删除",
    6: "发布成功后文章已被系统封禁",
}


#: Codes the log (syndication/calls.py) writes for calls WeChat answered with no errcode.
LOG_CODES = {
    0: "成功",
    -2: "HTTP 错误（微信未返回错误码）",
    -3: "超时或连接中断：结果未知（先核对，不会重复提交）",
    -4: "未能发出（连接失败）：可放心重试",
}


def meaning(errcode: int) -> str:
    """What an errcode in the log means, for an editor ("" when neither table knows it)."""
    return LOG_CODES.get(errcode) or ERRCODES.get(errcode, ("", ""))[1]


@dataclass(frozen=True)
class Decision:
    kind: str
    reason: str


def decide(errcode: int | None, errmsg: str = "", http_status: int | None = None) -> Decision:
    """Classify one failed call (errcode None: an HTTP-level error)."""
    if errcode is None:
        kind = RETRY if http_status is None or http_status >= 500 or http_status == 429 else STOP
        return Decision(kind, f"微信接口 HTTP {http_status or '错误'}")
    kind, reason = ERRCODES.get(errcode, (STOP, f"微信返回错误 {errcode}：{errmsg or '未知'}"))
    return Decision(kind, reason)


def backoff(attempt: int, errcode: int | None = None) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, …): exponential, capped at 30 min."""
    if errcode in (45011, 45066):
        return 60.0  # "retry next minute"
    base = 600.0 if errcode == 53501 else 5.0
    return min(base * 2 ** (attempt - 1), 1800.0)


def next_midnight(now: float) -> float:
    """The next 00:00 Asia/Shanghai, when WeChat's daily quotas reset (plus a minute's margin)."""
    today = datetime.fromtimestamp(now, ZONE).date()
    midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), ZONE)
    return midnight.timestamp() + 60


def day_of(now: float) -> str:
    """YYYY-MM-DD in Asia/Shanghai."""
    return datetime.fromtimestamp(now, ZONE).strftime("%Y-%m-%d")
