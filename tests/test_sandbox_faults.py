"""Fault injection: errcodes, HTTP 5xx, delays, and dropped connections after the work is done."""

from __future__ import annotations

import pytest
import requests
from wechatpy.exceptions import WeChatClientException

from syndication.sandbox import faults
from tests.sandbox_support import article, errcode_of, upload


def _arm(sandbox, **spec) -> None:
    response = sandbox.control("faults", spec)
    assert response.status_code == 201, response.text


def test_errcode_for_the_next_n_calls_then_normal(sandbox, wx):
    _arm(sandbox, kind="errcode", endpoint="draft/count", account="sh", errcode=45009, count=2)
    assert errcode_of(wx.draft.count) == 45009
    assert errcode_of(wx.draft.count) == 45009
    assert wx.draft.count() == {"total_count": 0}


def test_fault_is_scoped_to_its_account_and_endpoint(sandbox, wx):
    _arm(sandbox, kind="errcode", endpoint="draft/count", account="js", errcode=-1)
    assert wx.draft.count() == {"total_count": 0}  # sh is untouched
    assert wx.menu.get() is None
    assert errcode_of(sandbox.client("js").draft.count) == -1


def test_http_5xx(sandbox, wx):
    _arm(sandbox, kind="http", endpoint="freepublish/submit", status=502)
    media_id = wx.draft.add([article(upload(wx))])["media_id"]
    with pytest.raises(WeChatClientException) as caught:
        wx.freepublish.submit(media_id)
    assert caught.value.errcode is None and caught.value.response.status_code == 502
    assert wx.freepublish.submit(media_id)["publish_id"]  # nothing was done the first time


def test_delay_waits_then_works(sandbox, wx):
    _arm(sandbox, kind="delay", endpoint="draft/count", seconds=6)
    assert wx.draft.count() == {"total_count": 0}
    assert sandbox.slept == [6.0]


def test_drop_after_draft_add_the_draft_exists(sandbox, wx):
    _arm(sandbox, kind="drop", endpoint="draft/add")
    thumb = upload(wx)
    with pytest.raises(requests.ConnectionError):
        wx.draft.add([article(thumb)])
    assert wx.draft.count() == {"total_count": 1}


def test_drop_after_submit_the_publish_happens(sandbox, wx, clock):
    media_id = wx.draft.add([article(upload(wx))])["media_id"]
    _arm(sandbox, kind="drop", endpoint="freepublish/submit", account="sh")
    with pytest.raises(requests.ConnectionError):
        wx.freepublish.submit(media_id)
    clock.advance(5)
    published = wx.freepublish.batchget(0, 20)
    assert published["total_count"] == 1  # reconcile by listing, never by submitting again
    assert errcode_of(lambda: wx.freepublish.submit(media_id)) == 40007  # the draft left the box


def test_drop_after_mass_send_the_clientmsgid_tells_the_msg_id(sandbox, wx, clock):
    media_id = wx.draft.add([article(upload(wx))])["media_id"]
    _arm(sandbox, kind="drop", endpoint="message/mass/sendall")
    with pytest.raises(requests.ConnectionError):
        wx.message.send_mass_article(media_id, is_to_all=True, client_msg_id="col-7")
    clock.advance(60)
    wx.fetch_access_token()
    assert (
        errcode_of(
            lambda: wx.message.send_mass_article(media_id, is_to_all=True, client_msg_id="col-7")
        )
        == 45065
    )


def test_faults_list_and_clear(sandbox):
    _arm(sandbox, kind="drop", endpoint="draft/add", count=3)
    [listed] = sandbox.control("faults", method="get").json()["faults"]
    assert listed["remaining"] == 3 and "drop" in listed["description"]
    sandbox.control("faults", method="delete")
    assert sandbox.control("faults", method="get").json()["faults"] == []


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        pytest.param({"kind": "explode"}, "kind must be", id="bad-kind"),
        pytest.param({"kind": "errcode", "errcode": 12345}, "errcode 12345", id="unknown-errcode"),
        pytest.param({"kind": "http", "status": 404}, "500 to 599", id="http-not-5xx"),
        pytest.param({"kind": "delay"}, "seconds", id="delay-without-seconds"),
        pytest.param({"kind": "drop", "account": "xx"}, "unknown account", id="unknown-account"),
        pytest.param({"kind": "drop", "count": 0}, "count", id="count-0"),
        pytest.param(
            {"kind": "drop", "count": "many"}, "count must be an integer", id="count-not-a-number"
        ),
    ],
)
def test_bad_faults_are_refused_clearly(sandbox, spec, error):
    response = sandbox.control("faults", spec)
    assert response.status_code == 400 and error in response.json()["error"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "freepublish/submit=drop", {"endpoint": "freepublish/submit", "kind": "drop"}, id="drop"
        ),
        pytest.param(
            "draft/add=errcode:45009x2@sh",
            {"kind": "errcode", "errcode": 45009, "count": 2, "account": "sh"},
            id="errcode-count-account",
        ),
        pytest.param(
            "*=http:502", {"endpoint": "*", "kind": "http", "status": 502}, id="http-any-endpoint"
        ),
        pytest.param("freepublish/submit=delay:6", {"kind": "delay", "seconds": 6.0}, id="delay"),
    ],
)
def test_cli_fault_specs(config, text, expected):
    fault = faults.parse(faults.parse_spec(text), config.accounts)
    assert {k: getattr(fault, k) for k in expected} == expected


def test_cli_fault_spec_without_kind_is_refused(config):
    with pytest.raises(ValueError, match="ENDPOINT=KIND"):
        faults.parse_spec("draft/add")


@pytest.mark.parametrize(
    "errcode", [-1, 40164, 45011, 45166, 48001, 53500, 53501, 53503, 53504, 53505]
)
def test_every_errcode_of_the_facts_doc_can_be_injected(sandbox, wx, errcode):
    _arm(sandbox, kind="errcode", endpoint="freepublish/submit", errcode=errcode)
    assert errcode_of(lambda: wx.freepublish.submit("any")) == errcode
