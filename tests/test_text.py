"""Normalising what followers type."""

from __future__ import annotations

import pytest

from bot.text import compact, normalise


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("明天上海空氣怎麼樣？", "明天上海空气怎么样"),
        ("滬蘇浙皖", "沪苏浙皖"),
        ("臺州 溫州", "台州 温州"),
        ("禮拜六", "礼拜六"),
        ("一圖可見！！", "一图可见"),
        ("ＰＭ２．５", "pm2.5"),
        ("　明天，　南京。", "明天 南京"),
        ("11-25 11/25 10:30", "11-25 11/25 10:30"),
        ("好的...", "好的"),
        ("- 帮助 -", "帮助"),
        ("🙂天气", "天气"),
        ("", ""),
    ],
)
def test_normalise(typed, expected):
    assert normalise(typed) == expected


def test_compact_drops_spaces():
    assert compact("明天 南京 空气") == "明天南京空气"
