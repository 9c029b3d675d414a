"""bot.wechat.xml.parse: WeChat's XML into dicts, with every DTD and entity refused."""

from __future__ import annotations

import pytest

from bot.wechat.xml import MAX_DEPTH, XMLRefused, parse

JOB_EVENT = (
    b"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><MsgType><![CDATA[event]]></MsgType>"
    b"<PublishEventInfo><publish_id>7</publish_id><article_detail><count>2</count>"
    b"<item><idx>1</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/a]]></article_url></item>"
    b"<item><idx>2</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/b]]></article_url></item>"
    b"</article_detail></PublishEventInfo></xml>"
)


def test_leaves_are_text_and_cdata_is_joined_with_the_text_around_it():
    body = "<xml><Content>前<![CDATA[明天<南京>]]>后</Content><Empty/><MsgId>1</MsgId></xml>"
    assert parse(body.encode()) == {"Content": "前明天<南京>后", "Empty": "", "MsgId": "1"}


def test_nested_elements_are_dicts_and_repeats_are_lists():
    detail = parse(JOB_EVENT)["PublishEventInfo"]["article_detail"]
    assert detail["count"] == "2"
    assert [item["idx"] for item in detail["item"]] == ["1", "2"]


def test_text_beside_child_elements_is_dropped_as_elementtree_did():
    assert parse(b"<xml><A> x <B>1</B> y </A></xml>") == {"A": {"B": "1"}}


def test_names_with_a_namespace_read_as_elementtree_names_them():
    assert parse(b'<xml xmlns:w="urn:w"><w:A>1</w:A></xml>') == {"{urn:w}A": "1"}
    with pytest.raises(XMLRefused, match="root element"):
        parse(b'<xml xmlns="urn:w"><A>1</A></xml>')


@pytest.mark.parametrize(
    "body",
    [
        # UTF-16 hides the declaration from the byte scan: expat's handlers refuse it.
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE xml [<!ENTITY a "x">]>'
        "<xml><Content>&a;</Content></xml>".encode("utf-16"),
        '<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd"><xml/>'.encode("utf-16"),
        b'<!DOCTYPE xml [<!ENTITY a "x">]><xml><Content>&a;</Content></xml>',
    ],
)
def test_dtds_and_entities_are_refused_in_any_encoding(body):
    with pytest.raises(XMLRefused, match="DTD"):
        parse(body)


def test_depth_is_capped_while_reading():
    leaf_at_limit = "<a>" * MAX_DEPTH + "x" + "</a>" * MAX_DEPTH
    assert parse(f"<xml>{leaf_at_limit}</xml>".encode())
    too_deep = "<a>" * (MAX_DEPTH + 1) + "x" + "</a>" * (MAX_DEPTH + 1)
    with pytest.raises(XMLRefused, match="nested too deeply"):
        parse(f"<xml>{too_deep}</xml>".encode())


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"hello", "well-formed"),
        (b"<xml><a></xml>", "well-formed"),
        (b"<xml></xml><xml></xml>", "well-formed"),
        (b"<root><a>1</a></root>", "root element"),
        (b"<xml>&undefined;</xml>", "well-formed"),
    ],
)
def test_what_is_not_one_xml_document_is_refused(body, reason):
    with pytest.raises(XMLRefused, match=reason):
        parse(body)
