"""The editors' article pages: list and status grid, week, write/paste form, preview, review,
and each article's page with its accounts' timelines, retry and cancel.

Views are thin: they read the form, call the same functions the CLI and the API call
(review.create/edit/approve/request_changes, actions.retry/cancel — each records the audit
entry with its change), and render.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from bot import ZONE
from syndication import actions, articles, content, reads, review
from syndication import publications as pubs
from syndication.admin import article_form, article_pages, posts
from syndication.admin.article_form import ArticleForm
from syndication.admin.article_preview import Preview, preview
from syndication.admin.auth import login_required, role_required
from syndication.articles import EDITABLE, STATE_NAMES, Article, ArticleError

bp = Blueprint("articles", __name__, url_prefix="/articles")

LIST_LIMIT = 100
WRITERS = ("editor",)  # and admins (auth.allowed)
REVIEWERS = ("reviewer",)
_IMAGE_TYPES = {b"\x89PNG": "image/png", b"GIF8": "image/gif"}


def _ext() -> dict[str, Any]:
    return current_app.extensions["csj_admin"]


@bp.url_value_preprocessor
def _limits(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A cover and a few images of up to 10 MB each, as the posts API takes.

    Set here, not in before_request: URL preprocessors run before the app's before_request
    functions, and the CSRF check there reads the form (under the app's 2 MB limit otherwise).
    """
    request.max_content_length = posts.MAX_REQUEST_BYTES
    request.max_form_memory_size = posts.MAX_REQUEST_BYTES  # kept uploads ride in hidden fields


@bp.errorhandler(413)
def _too_large(error: Exception) -> tuple[str, int]:
    limit = posts.MAX_REQUEST_BYTES // 1024 // 1024
    return f"上传的内容太大（合计最多 {limit} MB，每张图片最多 10 MB）：请压缩图片后再试", 413


@bp.get("")
@login_required
def index() -> str:
    """Articles newest first, with each account's publication state (filter: ?state=)."""
    ext = _ext()
    state = request.args.get("state") or None
    state = state if state in STATE_NAMES else None
    rows = article_pages.grid(ext["redis"], ext["config"], state, LIST_LIMIT)
    return render_template("articles.html", rows=rows, state=state, **_names())


@bp.get("/calendar")
@login_required
def calendar() -> str:
    """One week (Monday first, Asia/Shanghai) of publish times; ?week=YYYY-MM-DD moves it."""
    ext = _ext()
    monday = article_pages.week_start(request.args.get("week", ""), ext["clock"]())
    days = article_pages.week(ext["redis"], monday, ext["clock"]())
    return render_template(
        "articles_calendar.html",
        days=days,
        monday=monday,
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
        **_names(),
    )


@bp.app_template_filter("article_time")
def _article_time(ts: float | None) -> str:
    """A time as editors read it: "YYYY-MM-DD HH:MM" (Beijing time), or 立即."""
    return review.format_time(ts)


@bp.app_template_filter("exact_time")
def _exact_time(ts: float) -> str:
    """A moment in a timeline: "MM-DD HH:MM:SS" (Beijing time)."""
    return datetime.fromtimestamp(ts, ZONE).strftime("%m-%d %H:%M:%S")


def _names() -> dict[str, Any]:
    return {"accounts": _ext()["config"].accounts, "article_states": STATE_NAMES}


@bp.route("/new", methods=("GET", "POST"))
@role_required(*WRITERS)
def new() -> Any:
    """Write or paste an article; 预览 shows it without saving, 保存 stores it."""
    ext = _ext()
    if request.method == "GET":
        return _form_page(article_form.blank(ext["config"]), None)
    form, saving = _submitted()
    if not saving:
        return _form_page(form, None, preview(form))
    try:
        data = article_form.to_input(form)
        article = review.create(ext["redis"], ext["config"], data, g.user.name, ext["clock"]())
    except ArticleError as exc:
        return _form_page(form, None, preview(form), exc.problems)
    flash(f"已保存：{article.id}「{article.title}」，{STATE_NAMES[article.state]}")
    # saved=: the page drops the browser's unsaved copy of this form (static/draft.js)
    return redirect(url_for(".show", article_id=article.id, saved=f"{g.user.name}:new"))


@bp.route("/<article_id>/edit", methods=("GET", "POST"))
@role_required(*WRITERS)
def edit(article_id: str) -> Any:
    """Change an article not yet started: a new version, whose approvals start again."""
    ext = _ext()
    before = _article(article_id)
    if before.state not in EDITABLE:
        flash(f"{STATE_NAMES[before.state]}的文章不能再修改", "error")
        return redirect(url_for(".show", article_id=article_id))
    if request.method == "GET":
        form = article_form.from_article(before)
        shown = preview(article_form.with_stored(ext["redis"], form, before))
        return _form_page(form, before, shown)
    form, saving = _submitted()
    checked = article_form.with_stored(ext["redis"], form, before)
    if not saving:
        return _form_page(form, before, preview(checked))
    try:
        changes = article_form.changes(before, article_form.to_input(checked), form)
        after = review.edit(
            ext["redis"], ext["config"], article_id, changes, g.user.name, ext["clock"]()
        )
    except ArticleError as exc:
        return _form_page(form, before, preview(checked), exc.problems)
    flash(f"已保存第 {after.version} 版，{STATE_NAMES[after.state]}")
    return redirect(url_for(".show", article_id=article_id, saved=f"{g.user.name}:{article_id}"))


def _submitted() -> tuple[ArticleForm, bool]:
    """The submitted form (with a one-click fix applied if that was the button), and whether
    to save it (else: show it again with its preview)."""
    form = article_form.from_request(request.form, request.files)
    action = request.form.get("action", "save")
    if action in article_form.FIXES:
        form = article_form.fix(form, action)
    return form, action == "save"


def _form_page(
    form: ArticleForm,
    article: Article | None,
    shown: Preview | None = None,
    problems: list[str] | None = None,
) -> tuple[str, int]:
    """The form again, as typed, with the preview and every problem beside it."""
    page = render_template(
        "article_form.html",
        form=form,
        article=article,
        preview=shown or Preview(),
        problems=problems or [],
        formats=article_form.FORMATS,
        **_names(),
    )
    return page, 400 if problems else 200


@bp.post("/preview")
@role_required(*WRITERS)
def preview_json() -> Response:
    """The form's content rendered by the real pipeline: HTML, cover, problems, warnings."""
    form = article_form.from_request(request.form, request.files)
    stored = articles.load(_ext()["redis"], request.form.get("article_id", ""))
    if stored is not None:
        form = article_form.with_stored(_ext()["redis"], form, stored)
    body = json.dumps(preview(form).as_dict(), ensure_ascii=False)
    return Response(body, 200, mimetype="application/json")


@bp.get("/<article_id>")
@login_required
def show(article_id: str) -> str:
    """The article: preview, state, version, review history, each account's timeline."""
    ext = _ext()
    redis, article = ext["redis"], _article(article_id)
    html = content.swap_images(
        article.html, lambda sha: url_for(".image", article_id=article_id, sha=sha)
    )
    return render_template(
        "article.html",
        article=article,
        status=article_pages.row(redis, ext["config"], article).status,
        html=html,
        publications=actions.publications(redis, article),
        timelines=article_pages.timelines(redis, article),
        figures=reads.for_article(redis, ext["config"], article.id),
        history=article_pages.history(redis, article),
        describe=article_pages.describe,
        action_names=article_pages.ACTION_NAMES,
        needed=ext["config"].syndication.approvals,
        cancellable=actions.CANCELLABLE,
        retryable=actions.RETRYABLE,
        unconfirmed=pubs.UNCONFIRMED,
        editable=article.state in EDITABLE,
        **_names(),
    )


@bp.get("/<article_id>/images/<sha>")
@login_required
def image(article_id: str, sha: str) -> Response:
    """One of the article's prepared images (its cover or a body image)."""
    article = _article(article_id)
    if sha != article.cover and sha not in article.images:
        abort(404)
    data = articles.blob(_ext()["redis"], sha)
    kind = _IMAGE_TYPES.get(data[:4], "image/jpeg")
    return Response(data, 200, mimetype=kind, headers={"Cache-Control": "private, max-age=86400"})


@bp.post("/<article_id>/approve")
@role_required(*REVIEWERS)
def approve(article_id: str) -> Response:
    """A reviewer approves the current version."""
    ext = _ext()
    done = _attempt(
        lambda: review.approve(ext["redis"], ext["config"], article_id, g.user.name, ext["clock"]())
    )
    if done is not None:
        flash(f"已审核通过第 {done.version} 版：{STATE_NAMES[done.state]}")
    return redirect(url_for(".show", article_id=article_id))


@bp.post("/<article_id>/request-changes")
@role_required(*REVIEWERS)
def request_changes(article_id: str) -> Response:
    """A reviewer asks for changes, with a note the author reads on the article page."""
    ext = _ext()
    note = request.form.get("note", "")
    done = _attempt(
        lambda: review.request_changes(
            ext["redis"], ext["config"], article_id, g.user.name, note, ext["clock"]()
        )
    )
    if done is not None:
        flash("已提出修改意见")
    return redirect(url_for(".show", article_id=article_id))


@bp.post("/<article_id>/retry")
@role_required(*WRITERS)
def retry(article_id: str) -> Response:
    """Queue a failed (or cancelled) publication again; an unconfirmed one after a check."""
    ext = _ext()
    accounts, force = _accounts_field(), request.form.get("force") == "1"
    outcome = _attempt(
        lambda: actions.retry(
            ext["redis"], article_id, g.user.name, ext["clock"](), accounts, force=force
        )
    )
    _flash_outcome("重试", outcome)
    return redirect(url_for(".show", article_id=article_id))


@bp.post("/<article_id>/cancel")
@role_required(*WRITERS)
def cancel(article_id: str) -> Response:
    """Cancel the article before it starts, or what has not been published on an account."""
    ext = _ext()
    accounts = _accounts_field()
    outcome = _attempt(
        lambda: actions.cancel(ext["redis"], article_id, g.user.name, ext["clock"](), accounts)
    )
    _flash_outcome("取消", outcome)
    return redirect(url_for(".show", article_id=article_id))


def _accounts_field() -> tuple[str, ...]:
    return tuple(a for a in request.form.getlist("account") if a)


def _attempt(action: Any) -> Any:
    """Run an action; its ArticleError becomes error messages on the next page."""
    try:
        return action()
    except ArticleError as exc:
        for problem in exc.problems:
            flash(problem, "error")
        return None


def _flash_outcome(doing: str, outcome: dict[str, str] | None) -> None:
    if outcome is None:
        return
    names = _ext()["config"].accounts
    parts = [f"{names[a].name if a in names else a}：{result}" for a, result in outcome.items()]
    flash(f"{doing}：" + "；".join(parts))


def _article(article_id: str) -> Article:
    article = articles.load(_ext()["redis"], article_id)
    if article is None:
        abort(404, f"没有编号为 {article_id} 的文章")
    return article
