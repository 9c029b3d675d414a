"""The start page: column totals, this week's articles, what needs attention, accounts' health,
and the publications of the last 30 days as a chart."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, Flask, current_app, render_template
from markupsafe import Markup

from bot import ZONE
from syndication import account_status, overview, reads
from syndication.admin import charts
from syndication.admin.auth import login_required
from syndication.articles import STATE_NAMES as ARTICLE_STATES

bp = Blueprint("dashboard", __name__)

CHART_DAYS = 30
ATTENTION_NAMES = {"awaiting": "待审核", "failed": "失败", "unconfirmed": "结果未知"}


@bp.get("/")
@login_required
def home() -> str:
    """The dashboard (any signed-in user)."""
    ext = current_app.extensions["csj_admin"]
    redis, config, now = ext["redis"], ext["config"], ext["clock"]()
    rows = overview.recent_rows(redis)
    days = overview.last_days(now, CHART_DAYS)
    chart = charts.stacked_bars(
        overview.published_per_day(redis, config, days),
        days,
        title=f"近 {CHART_DAYS} 天各账号发布篇数",
        unit="篇",
        chart_id="chart-published",
    )
    return render_template(
        "dashboard.html",
        totals=overview.published_totals(redis, config),
        accounts=config.accounts,
        week=overview.this_week(rows, now),
        attention=overview.attention(rows, now),
        health=account_status.health(redis, config, now),
        chart=chart,
        reads_chart=_readers_chart(redis, config, days),
        article_states=ARTICLE_STATES,
        attention_names=ATTENTION_NAMES,
    )


def _readers_chart(redis: Any, config: Any, days: list[str]) -> Markup:
    """Readers of the column's articles per day and account (WeChat's figures, up to yesterday)."""
    shown = days[:-1]  # WeChat reports a day the next morning: today has no figures yet
    found = reads.daily_readers(
        redis, config, date.fromisoformat(shown[0]), date.fromisoformat(shown[-1])
    )
    series = {config.accounts[a].name: per_day for a, per_day in found.items()}
    if not any(series.values()):
        return Markup("")  # the template says when figures come instead of an empty chart
    title = f"近 {len(shown)} 天各账号专栏文章阅读人数（微信统计，次日提供）"
    return charts.stacked_bars(series, shown, title=title, unit="人", chart_id="chart-readers")


@bp.app_template_filter("shanghai")
def shanghai(epoch: float | None, fmt: str = "%m-%d %H:%M") -> str:
    """Epoch seconds as Asia/Shanghai local time ("" for none)."""
    if not epoch:
        return ""
    return datetime.fromtimestamp(epoch, ZONE).strftime(fmt)


@bp.app_template_filter("minutes")
def minutes(seconds: float) -> str:
    """A duration for people: 95 分钟 / 1 小时 35 分钟."""
    total = int(seconds // 60)
    hours, mins = divmod(total, 60)
    return f"{hours} 小时 {mins} 分钟" if hours else f"{mins} 分钟"


@bp.app_context_processor
def _names() -> dict[str, dict[str, str]]:
    return {"quota_names": account_status.QUOTA_NAMES}


def register_ops_pages(app: Flask) -> None:
    """Add the dashboard, accounts and users pages to the admin app."""
    from syndication.admin import accounts, people

    for blueprint in (bp, accounts.bp, people.bp):
        app.register_blueprint(blueprint)
