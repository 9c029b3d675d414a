"""freepublish and the daily quotas through wechatpy (facts doc §2.3–2.4, §2.7)."""

from __future__ import annotations

import pytest

from syndication.sandbox.state import Settings
from tests.sandbox_support import (
    article,
    errcode_of,
    post_json,
    upload,
)


def _draft(client, n: int = 1) -> str:
    thumb = upload(client)
    return client.draft.add([article(thumb, title=f"第{i}篇") for i in range(1, n + 1)])["media_id"]


def test_publish_is_pending_then_succeeds_and_the_draft_leaves_the_box(sandbox, wx, clock):
    media_id = _draft(wx, 2)
    submitted = wx.freepublish.submit(media_id)
    assert submitted["publish_id"] and submitted["msg_data_id"]
    assert wx.freepublish.get(submitted["publish_id"])["publish_status"] == 1
    clock.advance(5)
    done = wx.freepublish.get(submitted["publish_id"])
    assert done["publish_status"] == 0 and done["fail_idx"] == []
    assert done["article_detail"]["count"] == 2
    assert errcode_of(lambda: wx.draft.get(media_id)) == 40007
    articles = wx.freepublish.getarticle(done["article_id"])["news_item"]
    assert [a["title"] for a in articles] == ["第1篇", "第2篇"] and not articles[0]["is_deleted"]
    listed = wx.freepublish.batchget(0, 20)
    assert listed["total_count"] == 1 and listed["item"][0]["article_id"] == done["article_id"]


@pytest.mark.parametrize(
    ("status", "fail_idx", "has_article"),
    [
        pytest.param(0, [], True, id="0-success"),
        pytest.param(2, [1, 2], False, id="2-originality"),
        pytest.param(3, [], False, id="3-general-failure"),
        pytest.param(4, [1], False, id="4-review-rejected"),
        pytest.param(5, [], True, id="5-deleted-later"),
        pytest.param(6, [], True, id="6-banned-later"),
    ],
)
def test_publish_outcomes(make_sandbox, clock, status, fail_idx, has_article):
    sandbox = make_sandbox(
        Settings(publish_delay=60, publish_status=status, fail_idx=tuple(fail_idx))
    )
    wx = sandbox.client()
    publish_id = wx.freepublish.submit(_draft(wx, 2))["publish_id"]
    clock.advance(59)
    assert wx.freepublish.get(publish_id)["publish_status"] == 1
    clock.advance(1)
    result = wx.freepublish.get(publish_id)
    assert result["publish_status"] == status and result["fail_idx"] == fail_idx
    assert bool(result.get("article_id")) == has_article


def test_fail_idx_defaults_to_the_first_article(make_sandbox, clock):
    wx = make_sandbox(Settings(publish_status=4)).client()
    publish_id = wx.freepublish.submit(_draft(wx))["publish_id"]
    clock.advance(5)
    assert wx.freepublish.get(publish_id)["fail_idx"] == [1]


def test_outcome_set_per_account_through_the_control_api(sandbox, clock):
    assert (
        sandbox.control("sh/settings", {"publish_status": 3, "publish_delay": 1}).status_code == 200
    )
    sh, js = sandbox.client("sh"), sandbox.client("js")
    sh_job, js_job = (
        sh.freepublish.submit(_draft(sh))["publish_id"],
        js.freepublish.submit(_draft(js))["publish_id"],
    )
    clock.advance(5)
    assert sh.freepublish.get(sh_job)["publish_status"] == 3
    assert js.freepublish.get(js_job)["publish_status"] == 0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        pytest.param({"publish_status": 7}, "publish_status", id="status-7"),
        pytest.param({"fail_idx": [0]}, "fail_idx", id="fail-idx-0"),
        pytest.param({"publish_delay": -1}, "publish_delay", id="negative-delay"),
        pytest.param({"colour": "red"}, "unknown setting", id="unknown"),
    ],
)
def test_settings_are_validated(sandbox, body, error):
    response = sandbox.control("sh/settings", body)
    assert response.status_code == 400 and error in response.json()["error"]


def test_delete_one_then_all_makes_status_5(wx, clock):
    publish_id = wx.freepublish.submit(_draft(wx, 2))["publish_id"]
    clock.advance(5)
    article_id = wx.freepublish.get(publish_id)["article_id"]
    wx.freepublish.delete(article_id, 2)
    assert [a["is_deleted"] for a in wx.freepublish.getarticle(article_id)["news_item"]] == [
        False,
        True,
    ]
    assert wx.freepublish.get(publish_id)["publish_status"] == 0
    wx.freepublish.delete(article_id, 0)
    assert wx.freepublish.get(publish_id)["publish_status"] == 5


@pytest.mark.parametrize(
    ("call", "errcode"),
    [
        pytest.param(
            lambda wx: wx.freepublish.submit("no-such-draft"), 40007, id="submit-unknown-draft"
        ),
        pytest.param(lambda wx: wx.freepublish.get("123"), 53502, id="get-unknown-publish-id"),
        pytest.param(lambda wx: wx.freepublish.getarticle("nope"), 53600, id="getarticle-unknown"),
        pytest.param(lambda wx: wx.freepublish.delete("nope"), 53600, id="delete-unknown"),
        pytest.param(
            lambda wx: post_json(wx, "freepublish/submit", {}), 40007, id="submit-no-media-id"
        ),
    ],
)
def test_publish_errors(wx, call, errcode):
    assert errcode_of(lambda: call(wx)) == errcode


def test_delete_index_out_of_range(wx, clock):
    publish_id = wx.freepublish.submit(_draft(wx))["publish_id"]
    clock.advance(5)
    article_id = wx.freepublish.get(publish_id)["article_id"]
    assert errcode_of(lambda: wx.freepublish.delete(article_id, 2)) == 40035


def test_publish_id_of_another_account_is_invalid(sandbox, wx):
    publish_id = wx.freepublish.submit(_draft(wx))["publish_id"]
    assert errcode_of(lambda: sandbox.client("js").freepublish.get(publish_id)) == 53502


def test_delete_quota_is_10_a_day(wx, clock):
    publish_id = wx.freepublish.submit(_draft(wx))["publish_id"]
    clock.advance(5)
    article_id = wx.freepublish.get(publish_id)["article_id"]
    for _ in range(10):
        wx.freepublish.delete(article_id)
    assert errcode_of(lambda: wx.freepublish.delete(article_id)) == 45009
    clock.advance(86400)  # a new day in Beijing
    wx.freepublish.delete(article_id)


def test_daily_quota_override_and_quota_get(sandbox, wx):
    sandbox.control("sh/quotas", {"cgi_path": "/cgi-bin/freepublish/submit", "daily_limit": 2})
    for _ in range(2):
        wx.freepublish.submit(_draft(wx))
    media_id = _draft(wx)
    assert errcode_of(lambda: wx.freepublish.submit(media_id)) == 45009
    quota = post_json(wx, "openapi/quota/get", {"cgi_path": "/cgi-bin/freepublish/submit"})["quota"]
    assert quota == {"daily_limit": 2, "used": 3, "remain": 0}
    assert (
        post_json(wx, "openapi/quota/get", {"cgi_path": "/cgi-bin/draft/add"})["quota"][
            "daily_limit"
        ]
        == 1000
    )


@pytest.mark.parametrize(
    ("path", "daily"),
    [
        pytest.param("/cgi-bin/token", 2000, id="token"),
        pytest.param("/cgi-bin/media/upload", 100_000, id="media-upload"),
        pytest.param("/cgi-bin/message/mass/sendall", 100, id="mass-send"),
        pytest.param("/cgi-bin/draft/add", 1000, id="draft-add"),
        pytest.param("/cgi-bin/draft/get", 500, id="draft-get"),
        pytest.param("/cgi-bin/draft/delete", 1000, id="draft-delete"),
        pytest.param("/cgi-bin/draft/batchget", 1000, id="draft-batchget"),
        pytest.param("/cgi-bin/freepublish/submit", 100, id="publish"),
        pytest.param("/cgi-bin/freepublish/get", 100, id="publish-poll"),
        pytest.param("/cgi-bin/freepublish/delete", 10, id="publish-delete"),
        pytest.param("/cgi-bin/freepublish/getarticle", 100, id="getarticle"),
        pytest.param("/cgi-bin/freepublish/batchget", 100, id="publish-list"),
    ],
)
def test_daily_limits_are_the_documented_defaults(wx, path, daily):
    assert post_json(wx, "openapi/quota/get", {"cgi_path": path})["quota"]["daily_limit"] == daily


def test_quota_get_unknown_path(wx):
    assert (
        errcode_of(lambda: post_json(wx, "openapi/quota/get", {"cgi_path": "/cgi-bin/nope"}))
        == 76021
    )


def test_clear_quota_resets_today_10_times_a_month(sandbox, wx):
    sandbox.control("sh/quotas", {"cgi_path": "/cgi-bin/draft/count", "daily_limit": 1})
    appid = sandbox.config.accounts["sh"].appid
    for _ in range(10):
        wx.draft.count()
        assert errcode_of(wx.draft.count) == 45009
        post_json(wx, "clear_quota", {"appid": appid})
    assert errcode_of(lambda: post_json(wx, "clear_quota", {"appid": appid})) == 48006


def test_clear_quota_does_not_give_back_the_days_mass_send(sandbox, wx, clock):
    thumb = upload(wx)
    first = wx.draft.add([article(thumb)])["media_id"]
    second = wx.draft.add([article(thumb, title="第二篇")])["media_id"]
    wx.message.send_mass_article(first, is_to_all=True)
    post_json(wx, "clear_quota", {"appid": sandbox.config.accounts["sh"].appid})
    assert errcode_of(lambda: wx.message.send_mass_article(second, is_to_all=True)) == 45028


def test_fail_idx_only_names_articles_the_draft_has(make_sandbox, clock):
    wx = make_sandbox(Settings(publish_status=2, fail_idx=(1, 3))).client()
    publish_id = wx.freepublish.submit(_draft(wx, 2))["publish_id"]
    clock.advance(5)
    assert wx.freepublish.get(publish_id)["fail_idx"] == [1]
