"""The control API under /_sandbox/: faults, job settings, quotas, interactions, deliveries."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, request

from syndication.sandbox import custom, faults, pusher, quotas
from syndication.sandbox.api import json_response, sandbox

bp = Blueprint("sandbox_control", __name__, url_prefix="/_sandbox")


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True, force=True)
    if not isinstance(data, dict):
        abort(json_response({"error": "body must be a JSON object"}, 400))
    return data


def _bad(message: str) -> Response:
    return json_response({"error": message}, 400)


def _account(account_id: str) -> str:
    if sandbox().config.account(account_id) is None:
        abort(json_response({"error": f"unknown account {account_id!r}"}, 404))
    return account_id


@bp.get("/healthz")
def healthz() -> Response:
    """200 when Redis answers."""
    sandbox().state.redis.ping()
    return json_response({"status": "ok"})


@bp.get("/faults")
def list_faults() -> Response:
    """The faults still armed, with calls left."""
    return json_response(
        {
            "faults": [
                {**vars(f), "remaining": n, "description": f.describe()}
                for f, n in faults.active(sandbox().state)
            ]
        }
    )


@bp.post("/faults")
def add_fault() -> Response:
    """Arm a fault: {kind, endpoint, account, count, errcode | status | seconds}."""
    box = sandbox()
    try:
        fault = faults.parse(_body(), box.config.accounts)
    except ValueError as exc:
        return _bad(str(exc))
    faults.add(box.state, fault)
    return json_response({"id": fault.id, "description": fault.describe()}, 201)


@bp.delete("/faults")
def clear_faults() -> Response:
    faults.clear(sandbox().state)
    return json_response({"faults": []})


@bp.route("/<account_id>/settings", methods=["GET", "POST"])
def settings(account_id: str) -> Response:
    """How an account's jobs end: publish_delay|status, fail_idx, mass_delay|status."""
    state = sandbox().state
    account = _account(account_id)
    if request.method == "POST":
        try:
            state.update_settings(account, _body())
        except ValueError as exc:
            return _bad(str(exc))
    return json_response(state.settings_dict(account))


@bp.post("/<account_id>/quotas")
def set_quota(account_id: str) -> Response:
    """Override a limit: {cgi_path, daily_limit}; null restores it; masssend#day|month too."""
    account, data = _account(account_id), _body()
    path, daily = data.get("cgi_path"), data.get("daily_limit")
    if path not in quotas.DAILY_LIMITS and path not in ("masssend#day", "masssend#month"):
        return _bad("unknown cgi_path")
    if daily is not None and (not isinstance(daily, int) or daily < 0):
        return _bad("daily_limit must be a non-negative integer or null")
    quotas.set_limit(sandbox().state, account, path, daily)
    return json_response({"cgi_path": path, "daily_limit": daily})


@bp.post("/<account_id>/interactions")
def interaction(account_id: str) -> Response:
    """A follower acted ({openid, kind: message|click|subscribe|scan}): open their window."""
    box, account, data = sandbox(), _account(account_id), _body()
    openid = data.get("openid")
    if not isinstance(openid, str) or not openid:
        return _bad("openid is required")
    try:
        custom.record_interaction(
            box.state, account, openid, str(data.get("kind", "message")), box.clock()
        )
    except ValueError as exc:
        return _bad(str(exc))
    return json_response({"ok": True})


@bp.get("/<account_id>/custom")
def custom_messages(account_id: str) -> Response:
    """Custom messages received (?openid=…&after=epoch), oldest first."""
    account = _account(account_id)
    try:
        after = float(request.args.get("after", 0))
    except ValueError:
        return _bad("after must be a number")
    return json_response(
        {
            "messages": custom.received(
                sandbox().state, account, request.args.get("openid", ""), after
            )
        }
    )


@bp.post("/deliver")
def deliver() -> Response:
    """Deliver every push due now (the background thread does this every half second)."""
    box = sandbox()
    done = pusher.deliver_due(box.state, box.config, box.clock())
    return json_response({"delivered": [vars(d) for d in done]})
