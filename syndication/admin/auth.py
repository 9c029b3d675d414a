"""Sign-in for the admin app: sessions, g.user, login_required, role_required, CSRF."""

from __future__ import annotations

import functools
import hmac
import json
import math
import secrets
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Request,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from bot.store import AdminKeys
from syndication import audit
from syndication.admin import throttle, users
from syndication.publications import STATE_NAMES

bp = Blueprint("auth", __name__)

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
WRONG = "用户名或密码不正确"
#: The pages in the header: (path, label, roles that see it; empty: everyone signed in).
NAV_ITEMS = (
    ("/", "首页", ()),
    ("/articles", "文章", ()),
    ("/log", "同步日志", ()),
    ("/forecasts", "预报", ()),
    ("/events", "活动", ()),
    ("/accounts", "账号", ("admin",)),
    ("/users", "用户", ("admin",)),
    ("/audit", "操作记录", ("admin",)),
)


def _ext() -> dict[str, Any]:
    return current_app.extensions["csj_admin"]


def shared_secret(redis: Any) -> str:
    """A key generated once and shared through Redis by every process (demo, tests)."""
    redis.set(AdminKeys.SECRET, secrets.token_hex(32), nx=True)
    return redis.get(AdminKeys.SECRET).decode()


class Sessions(SecureCookieSessionInterface):
    """Flask's signed cookie; without [admin] secret_key, the key comes from Redis on first use
    (so a request that carries and makes no session, like a bearer API call, stores nothing)."""

    def get_signing_serializer(self, app: Flask) -> Any:
        if not app.secret_key:
            app.secret_key = shared_secret(app.extensions["csj_admin"]["redis"])
        return super().get_signing_serializer(app)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _json(data: Any, status: int) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status, mimetype="application/json")


def _is_api() -> bool:
    return request.path.startswith("/api/")


def bearer_given() -> bool:
    """The request carries an Authorization: Bearer header (checked by bearer_ok)."""
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def bearer_ok() -> bool:
    """The request's bearer token is [syndication] api_token (an empty token never matches)."""
    token = _ext()["config"].syndication.api_token
    given = request.headers.get("Authorization", "").partition(" ")[2].strip()
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


@bp.before_app_request
def load_user() -> Response | None:
    """Put the signed-in user (enabled, still existing) in g.user; then check CSRF."""
    name = session.get("user")
    user = users.get(_ext()["redis"], name) if name else None
    # Disabled, or the password was reset since this session began: signed out.
    current = user is not None and session.get("key", "") == user.session_key
    g.user = user if current and not user.disabled else None
    # Without a session nothing is at stake (the view refuses), except signing in itself.
    session_bound = g.user is not None or request.blueprint == "auth"
    if request.method in UNSAFE and session_bound and not bearer_given():
        return _check_csrf()
    return None


def _check_csrf() -> Response | None:
    """Refuse an unsafe request whose CSRF token (form field or header) is not the session's."""
    given = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if expected and given and hmac.compare_digest(given.encode(), expected.encode()):
        return None
    message = "安全校验失败（CSRF 令牌缺失或不正确）：请刷新页面后重试"
    if _is_api():
        return _json({"errors": [message]}, 400)
    return Response(message, 400, mimetype="text/plain")


def allowed(user: users.User | None, roles: tuple[str, ...]) -> bool:
    """The one role check: admins may do everything; others need one of `roles`."""
    return user is not None and (not roles or user.role in roles or user.role == "admin")


def _refuse(roles: tuple[str, ...]) -> Response | None:
    """401/redirect without a user, 403 without the role, else None."""
    if g.user is None:
        if _is_api():
            return _json({"errors": ["请先登录（或使用 Authorization: Bearer 令牌）"]}, 401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not allowed(g.user, roles):
        names = "、".join(users.ROLE_NAMES[r] for r in roles)
        message = f"没有权限：需要{names}角色"
        if _is_api():
            return _json({"errors": [message]}, 403)
        return Response(render_template("refused.html", message=message), 403)
    return None


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Guard a view: signed in, with one of these roles (none given: any role)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return _refuse(roles) or view(*args, **kwargs)

        return wrapped

    return decorate


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Guard a view: any signed-in user."""
    return role_required()(view)


def api_guard() -> Response | None:
    """For /api blueprints: a good bearer token, or a signed-in session (CSRF checked already)."""
    if bearer_given():
        if bearer_ok():
            return None
        return _json({"errors": ["令牌不正确"]}, 401)
    return _refuse(())


def _subjects(name: str) -> list[tuple[str, str]]:
    return [("user", name[:64]), ("addr", request.remote_addr or "?")]


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


@bp.route("/login", methods=("GET", "POST"))
def login() -> Any:
    """Show the sign-in form; sign in, throttling failures per user name and client address."""
    if request.method == "GET":
        return _login_page("", "", 200)
    ext = _ext()
    redis, now = ext["redis"], ext["clock"]()
    name = request.form.get("name", "").strip()
    subjects = _subjects(name)
    wait = throttle.locked_for(redis, subjects, now)
    if wait > 0:
        return _login_page(name, f"登录失败次数过多，请 {_minutes(wait)} 分钟后再试", 429)
    user = users.verify(redis, name, request.form.get("password", ""))
    if user is None:
        locked = throttle.fail(redis, subjects, now)
        audit.record(redis, name[:64] or "?", "login-failed", "", now, address=subjects[1][1])
        if locked:
            return _login_page(name, f"登录失败次数过多，请 {_minutes(locked)} 分钟后再试", 429)
        return _login_page(name, WRONG, 401)
    throttle.clear(redis, "user", user.name)
    session.clear()  # a new session on sign-in: no fixation
    session["user"] = user.name
    session["key"] = user.session_key
    session.permanent = True  # ends after [PERMANENT_SESSION_LIFETIME], not with the browser
    audit.record(redis, user.name, "login", "", now, address=subjects[1][1])
    return redirect(_next_url())


def _next_url() -> str:
    """Where to go after signing in: a local path only."""
    target = request.args.get("next", "")
    local = target.startswith("/") and not target.startswith("//")
    return target if local else url_for("dashboard.home")


def _login_page(name: str, error: str, status: int) -> tuple[str, int]:
    return render_template("login.html", name=name, error=error), status


@bp.post("/logout")
def logout() -> Any:
    """Sign out and go back to the sign-in page."""
    if g.user is not None:
        ext = _ext()
        audit.record(ext["redis"], g.user.name, "logout", "", ext["clock"]())
    session.clear()
    return redirect(url_for(".login"))


@bp.app_context_processor
def _template_names() -> dict[str, Any]:
    return {
        "csrf_token": csrf_token,
        "role_names": users.ROLE_NAMES,
        "state_names": STATE_NAMES,
        "nav_items": NAV_ITEMS,
    }
