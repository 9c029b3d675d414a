"""What a follower would see, per account: published articles, mass sends, custom messages, menu."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, render_template

from syndication.sandbox import custom, faults, media, menus, pusher
from syndication.sandbox.api import sandbox
from syndication.sandbox.content import sanitise
from syndication.sandbox.registry import ZONE
from syndication.sandbox.state import Keys, State

bp = Blueprint("sandbox_pages", __name__, url_prefix="/_sandbox")
SHOWN = 50


@bp.app_template_filter("when")
def when(epoch: float) -> str:
    """Epoch seconds as Beijing time, the way a follower reads dates."""
    return datetime.fromtimestamp(float(epoch), ZONE).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("link")
def link(url: str) -> str:
    """Only http(s) links reach an href; anything else (javascript: …) becomes inert."""
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else "#"


def _records(state: State, index_key: str, record_key: Any) -> list[dict[str, Any]]:
    ids = state.redis.zrevrange(index_key, 0, SHOWN - 1)
    return [r for r in (state.get_json(record_key(i.decode())) for i in ids) if r]


def _masses(state: State, account: str) -> list[dict[str, Any]]:
    sends = _records(state, Keys.masses(account), Keys.mass)
    for send in sends:
        article = (
            state.get_json(Keys.article(send["article_id"])) if send.get("article_id") else None
        )
        send["items"] = (
            article["items"]
            if article
            else [{"title": a["title"], "url": ""} for a in send["articles"]]
        )
    return sends


@bp.get("/")
def index() -> str:
    """The accounts the sandbox stands in for."""
    box = sandbox()
    return render_template(
        "sandbox_index.html", accounts=box.config.accounts.values(), faults=faults.active(box.state)
    )


@bp.get("/<account_id>/")
def account_page(account_id: str) -> str:
    """One account as its followers see it, plus what the sandbox recorded."""
    box = sandbox()
    account = box.config.account(account_id)
    if account is None:
        abort(404)
    state = box.state
    return render_template(
        "sandbox_account.html",
        account=account,
        articles=_records(state, Keys.articles(account.id), Keys.article),
        masses=_masses(state, account.id),
        messages=list(reversed(custom.received(state, account.id)))[:SHOWN],
        menu=menus.load(state, account.id),
        drafts=state.redis.zcard(Keys.drafts(account.id)),
        pushes=pusher.push_log(state, account.id)[:20],
        settings=state.settings_dict(account.id),
    )


@bp.get("/<account_id>/articles/<article_id>/<int:idx>")
def article_page(account_id: str, article_id: str, idx: int) -> str:
    """A published article, rendered as a follower reads it (its HTML sanitised)."""
    box = sandbox()
    account = box.config.account(account_id)
    record = box.state.get_json(Keys.article(article_id))
    if (
        account is None
        or record is None
        or record["account"] != account.id
        or not 1 <= idx <= len(record["items"])
    ):
        abort(404)
    item = record["items"][idx - 1]
    return render_template(
        "sandbox_article.html",
        account=account,
        record=record,
        item=item,
        content=sanitise(item["content"]),
    )


@bp.get("/media/<media_id>")
def media_file(media_id: str) -> Any:
    """Serve a stored image or file (uploadimg URLs, covers, reply images for `csj chat`)."""
    box = sandbox()
    record = media.load(box.state, media_id, box.clock())
    if record is None:
        abort(404)
    response = media.binary(record, media_id)
    response.headers["Content-Disposition"] = "inline"
    return response
