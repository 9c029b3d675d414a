"""The audit trail page (admins only): who created, edited, approved, retried, cancelled,
imported, signed in … and when; filtered by person, action and article, paged by entry id."""

from __future__ import annotations

import json
import re

from flask import Blueprint, current_app, render_template, request

from syndication import audit
from syndication.admin.auth import role_required

bp = Blueprint("audit_page", __name__, url_prefix="/audit")

PER_PAGE = 50
ENTRY_ID = re.compile(r"^\d{1,20}-\d{1,20}$")

#: Every action csj records, in the words people use (an unknown one is shown as it is).
ACTION_NAMES = {
    "create": "创建文章",
    "edit": "修改文章",
    "approve": "审核通过",
    "request_changes": "提出修改意见",
    "cancel": "取消发布",
    "retry": "重试发布",
    "import_history": "导入往期",
    "forecast-import": "导入预报",
    "event-add": "添加活动",
    "event-import": "导入活动",
    "event-cancel": "取消活动",
    "account-check": "检查令牌",
    "menu-push": "推送菜单",
    "user-add": "添加用户",
    "user-role": "修改角色",
    "user-disable": "停用用户",
    "user-enable": "启用用户",
    "user-password": "重设密码",
    "login": "登录",
    "login-failed": "登录失败",
    "logout": "退出",
}


@bp.get("")
@role_required("admin")
def index() -> tuple[str, int]:
    """A page of the trail, newest first."""
    args = {k: request.args.get(k, "").strip()[:64] for k in ("by", "action", "article")}
    before = request.args.get("before", "").strip()
    if before and not ENTRY_ID.match(before):
        return _render([], "", args, "「before」不是操作记录的编号（形如 1796151826000-0）", 400)
    found = audit.page(current_app.extensions["csj_admin"]["redis"], before, PER_PAGE, **args)
    return _render(found.entries, found.older, args, "", 200)


def _render(
    entries: list[audit.Entry], older: str, args: dict[str, str], error: str, status: int
) -> tuple[str, int]:
    return render_template(
        "audit.html",
        entries=entries,
        older=older,
        filters=args,
        error=error,
        action_names=ACTION_NAMES,
        detail=_detail,
    ), status


def _detail(entry: audit.Entry) -> str:
    """The entry's details in one line (never a password: none is ever recorded)."""
    return "，".join(
        f"{k}：{v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}"
        for k, v in entry.detail.items()
    )
