"""The follower simulator: signed (and encrypted) like WeChat, against csj's webhook and stubs."""

from __future__ import annotations

import io
import time

import pytest
from click.testing import CliRunner
from flask import Flask, Response

from bot import create_app as create_webhook
from bot.wechat.crypto import MessageCipher, sign
from bot.wechat.replies import Article, ImageReply, NewsReply, TextReply
from syndication.cli import main
from syndication.sandbox.chat import Follower, default_openid
from syndication.sandbox.prompt import Quit, run_line
from tests.sandbox_support import JPG, errcode_of


@pytest.fixture
def hook(serve, app) -> str:
    """csj's webhook (fake clock) over real HTTP."""
    return serve(app)


def _follower(config, hook: str, clock, account: str = "sh", **options) -> Follower:
    return Follower(config.accounts[account], f"{hook}/wechat/{account}", clock=clock, **options)


def test_chat_one_shot_gets_a_reply(serve, config, config_file, redis, runner, tmp_path):
    webhook = serve(create_webhook(config, redis=redis, clock=time.time, runner=runner))
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(config_file),
            "chat",
            "--account",
            "zj",
            "--url",
            f"{webhook}/wechat/zj",
            "--sandbox-url",
            "http://127.0.0.1:9",
            "--save-dir",
            str(tmp_path),
            "你好",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "浙江省生态环境厅" in result.output


def test_chat_prompt_until_quit(serve, config, config_file, redis, runner):
    webhook = serve(create_webhook(config, redis=redis, clock=time.time, runner=runner))
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(config_file),
            "chat",
            "--account",
            "js",
            "--url",
            f"{webhook}/wechat/js",
        ],
        input="帮助\n/subscribe\n/quit\n",
    )
    assert result.exit_code == 0, result.output
    assert "江苏省生态环境厅：您好" in result.output and "欢迎关注江苏省生态环境厅" in result.output


def test_chat_one_shot_fails_clearly_without_a_webhook(config_file):
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(config_file),
            "chat",
            "--account",
            "sh",
            "--url",
            "http://127.0.0.1:9/wechat/sh",
            "你好",
        ],
    )
    assert result.exit_code == 1 and "连不上" in result.output


def test_chat_unknown_account(config_file):
    result = CliRunner().invoke(
        main, ["--config", str(config_file), "chat", "--account", "xx", "hi"]
    )
    assert result.exit_code == 2 and "unknown account" in result.output


@pytest.mark.parametrize("account", ["sh", "ah"])  # safe mode, compatible mode
def test_follower_talks_to_the_webhook(config, hook, clock, account):
    follower = _follower(config, hook, clock, account)
    welcome = follower.subscribe()
    assert welcome.kind == "text" and "欢迎关注" in welcome.text
    assert "回复「帮助」" in follower.say("帮助").text
    assert follower.click("HELP").kind == "text"
    assert follower.location(31.23, 121.47).kind == "text"
    assert "回复「帮助」" in follower.voice("帮助").text
    assert follower.unsubscribe().kind == "none"


def test_retry_resends_the_same_msgid_and_gets_the_same_reply(config, hook, clock, redis):
    follower = _follower(config, hook, clock)
    first = follower.say("随便问问")
    clock.advance(3)
    again = follower.retry()
    assert again.kind == "text" and again.text == first.text
    assert len(redis.keys("csj:wx:{sh}:msg:*")) == 1  # one message, answered once


def test_retry_before_anything_was_sent(config, hook, clock):
    assert _follower(config, hook, clock).retry().kind == "error"


def _stub(reply: bytes | Response, encrypt_with=None):
    """A webhook answering a fixed reply (maybe encrypted, maybe with a bad signature)."""
    stub = Flask("stub")

    def answer(account: str):
        from flask import request

        if isinstance(reply, Response):
            return reply
        if encrypt_with is None:
            return Response(reply, mimetype="application/xml")
        account_obj, signature = encrypt_with
        encrypted = MessageCipher(account_obj.encoding_aes_key, account_obj.appid).encrypt(reply)
        nonce, ts = request.args["nonce"], "1700000000"
        good = sign(account_obj.token, ts, nonce, encrypted)
        return Response(
            f"<xml><Encrypt>{encrypted}</Encrypt><MsgSignature>{signature or good}</MsgSignature>"
            f"<TimeStamp>{ts}</TimeStamp><Nonce>{nonce}</Nonce></xml>",
            mimetype="application/xml",
        )

    stub.add_url_rule("/wechat/<account>", "hook", answer, methods=["POST"])
    return stub


def test_image_reply_is_downloaded_from_the_sandbox(serve, config, clock, sandbox, wx, tmp_path):
    media_id = wx.media.upload("image", ("a.jpg", io.BytesIO(JPG)))["media_id"]
    url = serve(_stub(ImageReply(media_id).render("o", "gh", 1)))
    follower = _follower(config, url, clock, sandbox_url=sandbox.url, save_dir=tmp_path)
    reply = follower.say("一图可见")
    assert reply.kind == "image" and reply.size == len(JPG)
    assert reply.saved is not None and reply.saved.read_bytes() == JPG
    assert f"{reply.size} 字节" in reply.lines()[0]


def test_news_reply_shows_title_description_url(serve, config, clock):
    news = NewsReply((Article("长三角空气", "未来7天", "https://example.cn/a", ""),)).render(
        "o", "gh", 1
    )
    reply = _follower(config, serve(_stub(news)), clock).say("空气")
    assert reply.kind == "news" and reply.lines() == [
        "【图文】长三角空气\n  未来7天\n  https://example.cn/a"
    ]


def test_encrypted_reply_is_checked_and_decrypted(serve, config, clock):
    account = config.accounts["sh"]
    text = TextReply("加密的回复").render("o", "gh", 1)
    assert _follower(config, serve(_stub(text, (account, ""))), clock).say("x").text == "加密的回复"
    bad = _follower(config, serve(_stub(text, (account, "0" * 40))), clock).say("x")
    assert bad.kind == "error" and "MsgSignature" in bad.text


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        pytest.param(Response("success"), "none", id="success"),
        pytest.param(Response(""), "none", id="empty"),
        pytest.param(Response("forbidden", 403), "error", id="http-403"),
        pytest.param(Response('{"a": 1}'), "error", id="json-not-xml"),
    ],
)
def test_other_replies(serve, config, clock, reply, kind):
    assert _follower(config, serve(_stub(reply)), clock).say("x").kind == kind


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("/help", "/subscribe", id="help"),
        pytest.param("/click", "不认识的命令", id="click-without-key"),
        pytest.param("/location 31 abc", "用法", id="location-not-numbers"),
        pytest.param("/location 91 0", "纬度", id="location-out-of-range"),
        pytest.param("/dance", "不认识的命令", id="unknown-command"),
        pytest.param('/voice "unclosed', "命令格式不对", id="bad-quoting"),
        pytest.param("/retry", "还没有发过消息", id="retry-first"),
    ],
)
def test_prompt_commands(config, clock, line, expected):
    follower = _follower(config, "http://127.0.0.1:9", clock)
    assert expected in "\n".join(run_line(follower, line))


def test_quit_and_blank_lines(config, clock):
    follower = _follower(config, "http://127.0.0.1:9", clock)
    assert run_line(follower, "   ") == []
    with pytest.raises(Quit):
        run_line(follower, "/quit")


def test_default_openid_is_stable_and_28_characters():
    assert default_openid("sh") == default_openid("sh") != default_openid("js")
    assert len(default_openid("sh")) == 28


def test_chat_tells_the_sandbox_so_custom_messages_are_allowed(config, hook, clock, sandbox, wx):
    follower = _follower(config, hook, clock, sandbox_url=sandbox.url)
    follower.say("请稍后回复我")
    wx.message.send_text(follower.openid, "这是稍后的回复")
    messages = sandbox.control(f"sh/custom?openid={follower.openid}", method="get").json()[
        "messages"
    ]
    assert messages[0]["payload"]["content"] == "这是稍后的回复"


def test_prompt_shows_custom_messages_that_arrived(config, hook, clock, sandbox, wx):
    follower = _follower(config, hook, clock, sandbox_url=sandbox.url)
    run_line(follower, "报名六五环境日")
    wx.message.send_text(follower.openid, "报名成功，编号 42")
    assert run_line(follower, "/inbox") == ["【客服消息】报名成功，编号 42"]
    assert run_line(follower, "/inbox") == []  # shown once


def test_retry_is_not_a_new_action_so_opens_no_new_window(config, hook, clock, sandbox, wx):
    follower = _follower(config, hook, clock, sandbox_url=sandbox.url)
    follower.say("请稍后回复我")
    for n in range(5):
        wx.message.send_text(follower.openid, f"第{n}条")
    follower.retry()  # WeChat resending the same push gives the account no new messages
    assert errcode_of(lambda: wx.message.send_text(follower.openid, "第6条")) == 45047
