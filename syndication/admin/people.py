"""The users page (admins only): add a user, change a role, disable or enable, reset a password.

Every form is checked whole first; on any problem the page comes back with the problem beside
its field and nothing is stored. Every change is audited.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from syndication import audit
from syndication.admin import users
from syndication.admin.auth import role_required
from syndication.admin.users import UserError

bp = Blueprint("people", __name__, url_prefix="/users")

Errors = dict[str, str]


def _ext() -> dict[str, Any]:
    return current_app.extensions["csj_admin"]


def _page(status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("form", {})
    context.setdefault("errors", {})
    context.setdefault("row_errors", {})
    listed = users.list_users(_ext()["redis"])
    names = {u.name for u in listed}
    # A problem with a user not listed (gone meanwhile, or a forged form) has no row to sit in.
    general = [
        m for n, errs in context["row_errors"].items() if n not in names for m in errs.values()
    ]
    return render_template(
        "users.html", users=listed, roles=users.ROLES, general_errors=general, **context
    ), status


@bp.get("")
@role_required("admin")
def index() -> tuple[str, int]:
    """Everyone who may sign in, and the form to add one."""
    return _page()


def _passwords(errors: Errors, key: str = "password") -> str:
    """The password field and its repetition, checked; problems go to errors[key]."""
    password = request.form.get("password", "")
    try:
        users.check_password(password)
    except UserError as exc:
        errors[key] = str(exc)
    else:
        if password != request.form.get("password2", ""):
            errors[key] = "两次输入的密码不一致"
    return password


def _field(errors: Errors, key: str, check: Any, value: str) -> None:
    try:
        check(value)
    except UserError as exc:
        errors[key] = str(exc)


@bp.post("")
@role_required("admin")
def add() -> Any:
    """Add a user with a role and an initial password."""
    name = request.form.get("name", "").strip()
    role = request.form.get("role", "")
    errors: Errors = {}
    _field(errors, "name", users.check_name, name)
    _field(errors, "role", users.check_role, role)
    password = _passwords(errors)
    ext = _ext()
    if not errors:
        now = ext["clock"]()
        try:
            users.add(ext["redis"], name, role, password, now)
        except UserError as exc:  # the name is taken
            errors["name"] = str(exc)
        else:
            audit.record(ext["redis"], g.user.name, "user-add", "", now, user=name, role=role)
            flash(f"已添加用户「{name}」（{users.ROLE_NAMES[role]}）")
            return redirect(url_for(".index"))
    return _page(400, form={"name": name, "role": role}, errors=errors)


def _change(name: str, key: str, apply: Any, action: str, done: str, **detail: Any) -> Any:
    """Apply one change to an existing user; on a problem, show it in that user's row."""
    ext = _ext()
    try:
        apply()
    except UserError as exc:
        return _page(400, row_errors={name: {key: str(exc)}})
    audit.record(ext["redis"], g.user.name, action, "", ext["clock"](), user=name, **detail)
    flash(done)
    return redirect(url_for(".index") + f"#user-{name}")


@bp.post("/role")
@role_required("admin")
def change_role() -> Any:
    """Give a user another role (the last enabled admin keeps theirs)."""
    name, role = request.form.get("name", ""), request.form.get("role", "")
    redis = _ext()["redis"]
    label = users.ROLE_NAMES.get(role, role)
    return _change(
        name,
        "role",
        lambda: users.set_role(redis, name, role),
        "user-role",
        f"已把「{name}」的角色改为{label}",
        role=role,
    )


@bp.post("/disable")
@role_required("admin")
def disable() -> Any:
    """Stop a user from signing in (never oneself)."""
    name = request.form.get("name", "")
    redis = _ext()["redis"]

    def apply() -> None:
        if name == g.user.name:
            raise UserError("不能停用自己的账号")
        users.disable(redis, name)

    return _change(name, "state", apply, "user-disable", f"已停用「{name}」")


@bp.post("/enable")
@role_required("admin")
def enable() -> Any:
    """Let a disabled user sign in again."""
    name = request.form.get("name", "")
    redis = _ext()["redis"]
    return _change(
        name, "state", lambda: users.enable(redis, name), "user-enable", f"已启用「{name}」"
    )


@bp.post("/password")
@role_required("admin")
def reset_password() -> Any:
    """Give a user a new password (typed twice)."""
    name = request.form.get("name", "")
    errors: Errors = {}
    password = _passwords(errors)
    if errors:
        return _page(400, row_errors={name: errors})
    redis = _ext()["redis"]

    def apply() -> users.User:
        user = users.set_password(redis, name, password)
        if name == g.user.name:
            session["key"] = user.session_key  # this session stays; the user's others end
        return user

    done = f"已重设「{name}」的密码；该用户在其他设备上的登录已失效"
    return _change(name, "password", apply, "user-password", done)
