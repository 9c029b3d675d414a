"""Demo data for `make run`: loaded once per account, idempotently (a marker key remembers)."""

from __future__ import annotations

from bot.config import Config
from syndication.sandbox import menus
from syndication.sandbox.state import Keys, State

DEMO_MENU = [
    {"type": "click", "name": "空气质量", "key": "AIR_TODAY"},
    {"type": "click", "name": "一图可见", "key": "FORECAST_CARD"},
    {
        "name": "更多",
        "sub_button": [
            # A click is an event: its news reply shows up to 8 articles, a typed keyword's only 1.
            {"type": "click", "name": "美丽长三角", "key": "COLUMN"},
            {"type": "click", "name": "环保活动", "key": "EVENTS"},
            {"type": "click", "name": "使用帮助", "key": "HELP"},
            {"type": "view", "name": "生态环境部", "url": "https://www.mee.gov.cn/"},
        ],
    },
]


def load_demo(state: State, config: Config) -> list[str]:
    """Give every account without demo data a menu; return the accounts that got one."""
    loaded = []
    for account in config.accounts.values():
        if not state.redis.set(Keys.demo(account.id), 1, nx=True):
            continue  # loaded before (maybe changed since by the user): leave it alone
        if menus.load(state, account.id) is None:
            menus.save(state, account.id, menus.check_menu({"button": DEMO_MENU}))
        loaded.append(account.id)
    return loaded
