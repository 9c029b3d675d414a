"""What the publishing engine relies on from the sandbox, checked against the facts doc
(../shared/docs/wechat-api.md §2): one publication per draft, the shapes it reconciles with,
mass-send idempotency and results, the pages, and faults that leave the outcome unknown."""

from __future__ import annotations

import io
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from wechatpy.exceptions import WeChatClientException

from bot.wechat.messages import mass_send_job_finished, parse_message
from bot.wechat.xml import parse
from syndication.sandbox.api import create_app
from syndication.sandbox.state import Keys, Settings
from tests.sandbox_support import PNG, SandboxClient, article, errcode_of, upload

DELAY = 5  # Settings().publish_delay and mass_delay


def _draft(client, *titles: str, thumb: str | None = None, **fields) -> str:
    thumb = thumb or upload(client)
    return client.draft.add([article(thumb, title=t, **fields) for t in titles or ("专栏",)])[
        "media_id"
    ]


def _arm(sandbox, **spec) -> None:
    response = sandbox.control("faults", spec)
    assert response.status_code == 201, response.text


# -- 1. a draft is published once -------------------------------------------------------------


def test_second_submit_while_the_first_is_publishing_is_refused(sandbox, wx, clock):
    media_id = _draft(wx, "第一期")
    first = wx.freepublish.submit(media_id)["publish_id"]
    with pytest.raises(WeChatClientException) as caught:
        wx.freepublish.submit(media_id)
    assert caught.value.errcode == 53503 and first in caught.value.errmsg
    assert wx.draft.get(media_id)["news_item"][0]["title"] == "第一期"  # still in the box
    clock.advance(DELAY)
    assert wx.freepublish.get(first)["publish_status"] == 0
    assert wx.freepublish.batchget(0, 20)["total_count"] == 1
    assert errcode_of(lambda: wx.freepublish.submit(media_id)) == 40007  # published: gone


def test_concurrent_submits_of_one_draft_make_one_job(sandbox, wx, clock):
    media_id = _draft(wx)
    clients = [sandbox.client() for _ in range(6)]
    for client in clients:
        client.fetch_access_token()  # a token per client, fetched before the race

    def submit(client) -> object:
        try:
            return client.freepublish.submit(media_id)["publish_id"]
        except WeChatClientException as exc:
            return exc.errcode

    with ThreadPoolExecutor(len(clients)) as pool:
        outcomes = list(pool.map(submit, clients))
    assert sorted(o for o in outcomes if o == 53503) == [53503] * 5
    clock.advance(DELAY)
    assert wx.freepublish.batchget(0, 20)["total_count"] == 1


@pytest.mark.parametrize(
    ("status", "then"),
    [
        pytest.param(0, 40007, id="0-published-the-draft-is-gone"),
        pytest.param(2, "accepted", id="2-originality-failed-the-draft-stays"),
        pytest.param(3, "accepted", id="3-failed-the-draft-stays"),
        pytest.param(4, "accepted", id="4-rejected-the-draft-stays"),
        pytest.param(5, 40007, id="5-published-then-deleted"),
    ],
)
def test_after_the_job_ends(make_sandbox, clock, status, then):
    wx = make_sandbox(Settings(publish_status=status)).client()
    media_id = _draft(wx)
    wx.freepublish.submit(media_id)
    clock.advance(DELAY)
    if then == "accepted":
        assert wx.freepublish.submit(media_id)["publish_id"]
    else:
        assert errcode_of(lambda: wx.freepublish.submit(media_id)) == then


# -- 2, 3. the published list and one published article ----------------------------------------

NEWS_ITEM_FIELDS = {
    "title",
    "author",
    "digest",
    "content",
    "content_source_url",
    "thumb_media_id",
    "need_open_comment",
    "only_fans_can_comment",
    "url",
    "is_deleted",
}


def test_batchget_newest_first_with_the_fields_a_publisher_reconciles_by(wx, clock):
    thumb = upload(wx)
    submitted_at = clock()
    for title in ("第一期", "第二期", "第三期"):  # the same second: order by arrival
        wx.freepublish.submit(_draft(wx, title, thumb=thumb))
    clock.advance(3600)  # nobody looked for an hour: the articles still date from the job's end
    listed = wx.freepublish.batchget(0, 20)
    assert listed["total_count"] == listed["item_count"] == 3
    assert [i["content"]["news_item"][0]["title"] for i in listed["item"]] == [
        "第三期",
        "第二期",
        "第一期",
    ]
    for item in listed["item"]:
        assert item["article_id"] and item["update_time"] == int(submitted_at) + DELAY
        [news] = item["content"]["news_item"]
        assert NEWS_ITEM_FIELDS <= news.keys()
        assert news["thumb_media_id"] == thumb and news["url"].startswith("http")
        assert news["is_deleted"] is False
    paged = wx.freepublish.batchget(1, 1, no_content=1)
    [second] = paged["item"]
    assert second["content"]["news_item"][0]["title"] == "第二期"
    assert second["content"]["news_item"][0]["content"] == ""


def test_batchget_lists_published_articles_only_not_mass_sends(wx, clock):
    """§2.3: "freepublish/batchget returns only non-mass-sent (“发布”) articles"."""
    wx.freepublish.submit(_draft(wx, "发布的"))
    wx.message.send_mass_article(_draft(wx, "群发的"), is_to_all=True)
    clock.advance(DELAY)
    titles = [i["content"]["news_item"][0]["title"] for i in wx.freepublish.batchget(0, 20)["item"]]
    assert titles == ["发布的"]


def test_getarticle_gives_titles_and_the_urls_freepublish_get_gave(wx, clock):
    publish_id = wx.freepublish.submit(_draft(wx, "上篇", "下篇"))["publish_id"]
    clock.advance(DELAY)
    done = wx.freepublish.get(publish_id)
    news = wx.freepublish.getarticle(done["article_id"])["news_item"]
    assert [n["title"] for n in news] == ["上篇", "下篇"]
    assert [n["url"] for n in news] == [i["article_url"] for i in done["article_detail"]["item"]]
    assert all(NEWS_ITEM_FIELDS <= n.keys() for n in news)


def test_unknown_submit_is_found_by_title_thumb_and_time(sandbox, wx, clock):
    thumb = upload(wx)
    media_id = _draft(wx, "太湖治理", thumb=thumb)
    wx.freepublish.submit(_draft(wx, "别的文章", thumb=thumb))
    _arm(sandbox, kind="drop", endpoint="freepublish/submit")
    submitted_at = int(clock())
    with pytest.raises(requests.ConnectionError):
        wx.freepublish.submit(media_id)
    clock.advance(DELAY)
    found = [
        item
        for item in wx.freepublish.batchget(0, 20)["item"]
        if (news := item["content"]["news_item"][0])["title"] == "太湖治理"
        and news["thumb_media_id"] == thumb
        and item["update_time"] >= submitted_at
    ]
    assert len(found) == 1


# -- 4. mass send -------------------------------------------------------------------------------


def test_repeated_clientmsgid_answers_45065_with_the_first_msg_id(sandbox, wx, clock):
    media_id = _draft(wx)
    sent = wx.message.send_mass_article(media_id, is_to_all=True, client_msg_id="A7:sh")
    clock.advance(60)
    with pytest.raises(WeChatClientException) as caught:
        wx.message.send_mass_article(media_id, is_to_all=True, client_msg_id="A7:sh")
    # The body as WeChat sends it (community thread, wechat-api.md §2.5 wechatpy constants):
    # {"errcode":45065,"errmsg":"clientmsgid exist","msg_id":3147494441}
    assert caught.value.response.json() == {
        "errcode": 45065,
        "errmsg": "clientmsgid exist",
        "msg_id": sent["msg_id"],
    }


@pytest.mark.parametrize(
    ("outcome", "status", "with_url"),
    [
        pytest.param("send success", "SEND_SUCCESS", True, id="success"),
        pytest.param("err(30001)", "SEND_FAIL", False, id="failure"),
    ],
)
def test_mass_get_status_and_the_finish_event_with_article_urls(
    make_sandbox, clock, outcome, status, with_url
):
    sandbox = make_sandbox(Settings(mass_status=outcome))
    wx = sandbox.client()
    msg_id = wx.message.send_mass_article(_draft(wx, "六五环境日"), is_to_all=True)["msg_id"]
    assert wx.message.get_mass(msg_id)["msg_status"] == "SENDING"
    clock.advance(DELAY)
    assert wx.message.get_mass(msg_id) == {
        "errcode": 0,
        "errmsg": "ok",
        "msg_id": msg_id,
        "msg_status": status,
    }
    xml = sandbox.state.get_json(Keys.mass(str(msg_id)))["event_xml"].encode()
    event = mass_send_job_finished(parse_message(parse(xml), "sh"))
    assert event.msg_id == str(msg_id) and event.status == outcome
    assert bool(event.article_urls) == with_url
    if with_url:
        page = requests.get(event.article_urls[0], timeout=5)
        assert page.status_code == 200 and "六五环境日" in page.text


# -- 5. the draft box, for an orphan draft -----------------------------------------------------


def test_draft_batchget_newest_first_for_finding_an_orphan_draft(sandbox, wx, clock):
    thumb = upload(wx)
    older = _draft(wx, "旧稿", thumb=thumb)
    _arm(sandbox, kind="drop", endpoint="draft/add")
    with pytest.raises(requests.ConnectionError):
        _draft(wx, "孤儿稿", thumb=thumb)  # made, but the media_id never arrived
    page = wx.draft.batchget(0, 20, 1)
    assert [i["content"]["news_item"][0]["title"] for i in page["item"]] == ["孤儿稿", "旧稿"]
    orphan = page["item"][0]
    assert orphan["media_id"] != older and orphan["update_time"] == int(clock())
    assert orphan["content"]["news_item"][0]["thumb_media_id"] == thumb
    wx.draft.update(older, 0, article(thumb, title="旧稿改"))
    assert wx.draft.batchget(0, 1)["item"][0]["media_id"] == older  # updated: newest
    assert wx.freepublish.submit(orphan["media_id"])["publish_id"]  # usable as is


# -- 6. the account page shows the images -------------------------------------------------------


def test_account_and_article_pages_show_the_cover_and_the_body_images(sandbox, wx, clock):
    cover = wx.material.add("image", ("cover.png", io.BytesIO(PNG)))
    body_image = wx.media.upload_image(io.BytesIO(PNG))
    content = f'<p>正文</p><img src="{body_image}"><img src="https://example.com/x.png">'
    draft = wx.draft.add([article(cover["media_id"], title="有图", content=content)])
    publish_id = wx.freepublish.submit(draft["media_id"])["publish_id"]
    clock.advance(DELAY)
    url = wx.freepublish.get(publish_id)["article_detail"]["item"][0]["article_url"]
    thumb_url = wx.freepublish.batchget(0, 1)["item"][0]["content"]["news_item"][0]["thumb_url"]
    account_page = requests.get(f"{sandbox.url}/_sandbox/sh/", timeout=5).text
    article_page = requests.get(url, timeout=5).text
    assert f'<img src="{thumb_url}"' in account_page
    assert f'<img src="{thumb_url}"' in article_page and f'<img src="{body_image}"' in article_page
    assert "example.com" not in article_page  # an outside image is filtered at draft/add
    for image in (thumb_url, body_image):
        response = requests.get(image, timeout=5)
        assert response.status_code == 200 and response.content == PNG


# -- 7. faults that leave the outcome unknown ---------------------------------------------------


def test_a_drop_with_a_count_drops_every_one_of_the_next_calls(sandbox, wx, clock):
    publish_id = wx.freepublish.submit(_draft(wx))["publish_id"]
    _arm(sandbox, kind="drop", endpoint="freepublish/get", count=3)
    for _ in range(3):
        with pytest.raises(requests.ConnectionError):
            wx.freepublish.get(publish_id)
    assert wx.freepublish.get(publish_id)["publish_status"] == 1  # the fourth is answered


def test_a_delay_past_the_clients_timeout_still_does_the_work(config, redis, clock, serve):
    """Real sleeping here (a second): the timeout is the client's, the work is the server's."""
    app = create_app(config, redis=redis, clock=clock, settings=Settings(), sleep=time.sleep)
    url = serve(app)
    account = config.accounts["sh"]
    wx = SandboxClient(f"{url}/cgi-bin/", account.appid, account.secret)
    media_id = _draft(wx)
    requests.post(
        f"{url}/_sandbox/faults",
        json={"kind": "delay", "endpoint": "freepublish/submit", "seconds": 1},
        timeout=5,
    ).raise_for_status()
    wx.timeout = 0.2
    with pytest.raises(requests.Timeout):
        wx.freepublish.submit(media_id)
    deadline = time.monotonic() + 5
    while not redis.exists(Keys.draft_publishing(media_id)) and time.monotonic() < deadline:
        time.sleep(0.05)
    wx.timeout = 5
    assert errcode_of(lambda: wx.freepublish.submit(media_id)) == 53503  # it is publishing
    clock.advance(DELAY)
    assert wx.freepublish.batchget(0, 20)["total_count"] == 1


def test_a_job_being_settled_by_an_api_call_is_still_pushed(sandbox, wx, clock):
    """The deliverer meets a job another thread has claimed but not finished settling: it must
    push it on its next round, not drop it (found by the publishing process test: a lost push)."""
    thumb = upload(wx)
    media_id = wx.draft.add([article(thumb)])["media_id"]
    publish_id = wx.freepublish.submit(media_id)["publish_id"]
    clock.advance(sandbox.state.settings("sh").publish_delay)
    sandbox.state.claim(Keys.job(str(publish_id)))  # an API call is settling it right now
    assert sandbox.deliver() == []
    ref = f"publish:{publish_id}"
    assert sandbox.state.redis.zscore(Keys.DUE, ref) is not None  # kept for the next round
