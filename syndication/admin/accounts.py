"""The accounts page (admins only): each account's settings and health, check its token, push
its menu. Each action asks the WeChat API, is audited, and its outcome stays on the page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, url_for

from syndication import account_actions, account_status, audit
from syndication.admin.auth import role_required

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

MODE_NAMES = {
    "freepublish": "发布（freepublish）",
    "masssend": "群发（mass send）",
    "draft": "仅存草稿",
}
ACTIONS = {"check": account_actions.check_token, "menu": account_actions.push_menu}
AUDIT_NAMES = {"check": "account-check", "menu": "menu-push"}


def _ext() -> dict[str, Any]:
    return current_app.extensions["csj_admin"]


@bp.get("")
@role_required("admin")
def index() -> str:
    """Every configured account, its health and the last check and menu push."""
    ext = _ext()
    return render_template(
        "accounts.html",
        health=account_status.health(ext["redis"], ext["config"], ext["clock"]()),
        mode_names=MODE_NAMES,
        menu=account_actions.MENU,
    )


@bp.post("/<account_id>/<action>")
@role_required("admin")
def act(account_id: str, action: str) -> Any:
    """Check the token or push the menu of one account, then show the page again."""
    ext = _ext()
    account = ext["config"].account(account_id)
    if account is None or action not in ACTIONS:
        abort(404)
    redis, clock = ext["redis"], ext["clock"]
    result = ACTIONS[action](ext["config"], redis, account, clock)
    audit.record(
        redis,
        g.user.name,
        AUDIT_NAMES[action],
        "",
        clock(),
        account=account.id,
        ok=result["ok"],
        errcode=result.get("errcode"),
    )
    return redirect(url_for(".index") + f"#account-{account.id}")
