"""Events (issue 12) and everyday questions (issue 11) side by side in one router: each message
reaches the answer it is about, whichever module was written first."""

from __future__ import annotations

import pytest

from tests.test_forecast_webhook import ask, imported  # noqa: F401  (fixture)

CASES = [
    ("今天适合户外活动吗", "【出门】"),  # an activity question, though it says 活动
    ("明天能参加户外活动吗", "11月25日"),
    ("最近有什么活动", "暂无可报名的活动"),
    ("南京有什么活动", "南京近期暂无可报名的活动"),
    ("六五环境日是哪天", "每年6月5日"),
    ("PM2.5是什么", "细颗粒物（PM2.5）是"),
    ("志愿", "志愿活动"),
    ("我的报名", "没有报名任何活动"),
    ("今天能出去跑步吗", "【跑步】"),
    ("明天南京空气怎么样", "【南京】11月25日"),
    ("怎么报名活动", "暂无可报名的活动"),  # the events list, which says how to sign up
    ("谢谢", "不客气"),
    ("明天芜湖能放风筝吗", "【芜湖】11月25日"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_each_message_reaches_its_answer(wechat, config, imported, text, expected):  # noqa: F811
    assert expected in ask(wechat, config, text, account="js")["Content"]
