"""The webhook end to end through Flask's test client: modes, dedupe, budget, answers."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import xml.etree.ElementTree as ET

import pytest
from redis import exceptions as redis_errors

from bot import create_app, store
from bot.budget import ThreadRunner
from bot.config import config_from_dict
from bot.logs import JSONFormatter
from bot.router import Router
from bot.store import Keys
from bot.wechat.crypto import MessageCipher, sign
from bot.wechat.replies import TextReply
from bot.wechat.xml import parse
from syndication.sandbox.pushes import message_xml, text_xml
from tests.conftest import EXAMPLE_CONFIG, WeChat, isolated_config_text
from tests.round_trips import RoundTrips

OPENID = "oFollower0000000000000000001"


def decrypt_reply(config, account_id: str, body: bytes, key: str | None = None) -> dict:
    """Check the reply's signature and decrypt it, as WeChat's servers would."""
    account = config.accounts[account_id]
    outer = parse(body)
    assert outer["MsgSignature"] == sign(
        account.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"]
    )
    cipher = MessageCipher(key or account.encoding_aes_key, account.appid)
    return parse(cipher.decrypt(outer["Encrypt"]))


def content_of(config, account_id, response) -> str:
    assert response.status_code == 200, response.data
    if config.accounts[account_id].encoding_aes_key and response.data.startswith(b"<xml><Encrypt>"):
        return decrypt_reply(config, account_id, response.data)["Content"]
    return parse(response.data)["Content"]


# -- modes -------------------------------------------------------------------------------------


def test_safe_mode_reply_is_encrypted_and_signed(wechat, config):
    response = wechat.send("sh", text_xml(config.accounts["sh"], OPENID, "帮助"))
    reply = decrypt_reply(config, "sh", response.data)
    assert reply["ToUserName"] == OPENID and reply["MsgType"] == "text"
    assert "上海市生态环境局" in reply["Content"]


def test_reply_nonce_echoes_the_query_nonce(wechat, config):
    push = wechat.sign("sh", text_xml(config.accounts["sh"], OPENID, "帮助"), nonce="12345678")
    assert parse(wechat.post("sh", push).data)["Nonce"] == "12345678"


def test_safe_mode_refuses_plaintext(wechat, config, redis):
    response = wechat.send("sh", text_xml(config.accounts["sh"], OPENID, "帮助"), encrypt=False)
    assert response.status_code == 403 and b"plaintext" in response.data
    assert redis.dbsize() == 0


def test_compatible_mode_accepts_both_and_replies_in_kind(wechat, config):
    account = config.accounts["ah"]
    plain = wechat.send("ah", text_xml(account, OPENID, "帮助"), encrypt=False)
    assert parse(plain.data)["MsgType"] == "text"
    encrypted = wechat.send("ah", text_xml(account, OPENID, "帮助"))
    assert decrypt_reply(config, "ah", encrypted.data)["MsgType"] == "text"


def test_compatible_mode_body_with_both_forms_uses_the_ciphertext(wechat, config):
    account = config.accounts["ah"]
    push = wechat.sign("ah", text_xml(account, OPENID, "帮助"))
    decoy = b"<ToUserName>x</ToUserName><FromUserName>evil</FromUserName><CreateTime>1</CreateTime>"
    push = dataclasses.replace(
        push, body=push.body.replace(b"<xml>", b"<xml>" + decoy + b"<MsgType>text</MsgType>")
    )
    assert decrypt_reply(config, "ah", wechat.post("ah", push).data)["ToUserName"] == OPENID


@pytest.fixture
def extra_config(config):
    """The example plus a plaintext account, a rotating one and the official vector's account."""
    raw = _example_raw()
    raw["accounts"]["plain"] = dict(
        name="测试明文号", region="南京", appid="wx00000000000000aa", secret="s", token="plaintoken"
    )
    raw["accounts"]["rot"] = dict(
        name="测试轮换号",
        region="杭州",
        appid="wx00000000000000bb",
        secret="s",
        token="rottoken",
        encoding_aes_key="N" * 43,
        previous_encoding_aes_key="O" * 43,
        require_encryption=True,
    )
    raw["accounts"]["vec"] = dict(
        name="官方示例",
        region="上海",
        appid="wxba5fad812f8e6fb9",
        secret="s",
        token="AAAAA",
        encoding_aes_key="A" * 43,
    )
    return config_from_dict(raw)


def _example_raw() -> dict:
    import tomllib

    return tomllib.loads(isolated_config_text(EXAMPLE_CONFIG.read_text("utf-8")))


@pytest.fixture
def extra(extra_config, redis, clock, runner):
    app = create_app(extra_config, redis=redis, clock=clock, runner=runner)
    return WeChat(app.test_client(), extra_config, clock)


def test_plaintext_account(extra, extra_config):
    response = extra.send("plain", text_xml(extra_config.accounts["plain"], OPENID, "帮助"))
    assert response.mimetype == "application/xml"
    assert "测试明文号" in parse(response.data)["Content"]


def test_rotation_accepts_previous_key_and_replies_with_it(extra, extra_config):
    account = extra_config.accounts["rot"]
    old = dataclasses.replace(account, encoding_aes_key="O" * 43)
    push = extra.sign("rot", b"", encrypt=False)  # only for the clock's timestamp
    from syndication.sandbox.pushes import sign_push

    push = sign_push(old, text_xml(account, OPENID, "帮助"), timestamp=int(push.query["timestamp"]))
    response = extra.post("rot", push)
    assert decrypt_reply(extra_config, "rot", response.data, key="O" * 43)["MsgType"] == "text"
    fresh = extra.send("rot", text_xml(account, OPENID, "菜单"))
    assert decrypt_reply(extra_config, "rot", fresh.data)["MsgType"] == "text"


def test_get_verification_with_official_vector(extra, clock):
    clock.now = 1714036504
    query = {
        "signature": "f464b24fc39322e44b38aa78f5edd27bd1441696",
        "timestamp": "1714036504",
        "nonce": "1514711492",
        "echostr": "4375120948345356249",
    }
    response = extra.client.get("/wechat/vec", query_string=query)
    assert response.status_code == 200 and response.data == b"4375120948345356249"
    assert response.mimetype == "text/plain"


def test_official_vector_push_is_accepted(extra, clock, redis):
    clock.now = 1714112445
    from tests.test_crypto import C_ENCRYPT

    query = {
        "signature": sign("AAAAA", "1714112445", "415670741"),
        "timestamp": "1714112445",
        "nonce": "415670741",
        "encrypt_type": "aes",
        "msg_signature": "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3",
    }
    body = (
        "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>"
        f"<Encrypt><![CDATA[{C_ENCRYPT}]]></Encrypt></xml>"
    )
    response = extra.client.post(
        "/wechat/vec", query_string=query, data=body, content_type="text/xml"
    )
    # The vector's inner message is JSON (the JSON push format), which an official account's
    # XML webhook refuses: decryption and signature pass, parsing does not.
    assert response.status_code == 400 and b"not well-formed XML" in response.data
    assert redis.dbsize() == 0


# -- retries and replays -------------------------------------------------------------------------


class CountingRouter(Router):
    """The real router, counting the messages it routes."""

    def __init__(self, inner: Router) -> None:
        super().__init__(inner.fallback)
        self.inner = inner
        self.calls = 0

    def route(self, incoming):
        self.calls += 1
        return self.inner.route(incoming)


@pytest.fixture
def counting(config, redis, clock, runner):
    from bot.answers import build_router

    router = CountingRouter(build_router())
    app = create_app(config, redis=redis, clock=clock, runner=runner, router=router)
    return WeChat(app.test_client(), config, clock), router


def test_retried_msgid_gets_the_first_stored_reply(counting, config, clock):
    wechat, router = counting
    xml = text_xml(config.accounts["sh"], OPENID, "你好", msg_id="6000000000000000001")
    replies = []
    for nonce in ("111", "222", "333", "444"):  # WeChat's 3 retries: new nonce, same MsgId
        response = wechat.send("sh", xml, nonce=nonce)
        replies.append(decrypt_reply(config, "sh", response.data))
        clock.advance(5)  # a reply computed again would carry a later CreateTime
    assert router.calls >= 1  # a pure answer may be worked out again; the first one stored wins
    assert all(reply == replies[0] for reply in replies)


def test_replayed_query_gets_the_first_answer(counting, config, clock):
    wechat, router = counting
    push = wechat.sign("sh", text_xml(config.accounts["sh"], OPENID, "帮助"))
    first = decrypt_reply(config, "sh", wechat.post("sh", push).data)
    clock.advance(299)
    again = decrypt_reply(config, "sh", wechat.post("sh", push).data)
    assert first == again


def test_replayed_signature_with_another_body_gets_the_first_reply_and_stores_nothing(
    counting, config, redis
):
    wechat, router = counting
    account = config.accounts["ah"]
    push = wechat.sign("ah", text_xml(account, OPENID, "帮助"), encrypt=False)
    first = wechat.post("ah", push).data
    forged_xml = text_xml(account, "oAttacker", "别的内容", msg_id="6000000000000000066")
    forged = dataclasses.replace(push, body=forged_xml)
    assert wechat.post("ah", forged).data == first
    assert not redis.exists(Keys.message("ah", "6000000000000000066"))
    assert not redis.exists(Keys.follow_up("ah", "oAttacker"))


def test_events_dedupe_by_sender_time_and_event(counting, config, clock):
    wechat, router = counting
    event = message_xml(
        config.accounts["sh"], OPENID, "event", {"Event": "subscribe"}, create_time=1795488000
    )
    first = decrypt_reply(config, "sh", wechat.send("sh", event, nonce="1").data)
    clock.advance(5)
    second = decrypt_reply(config, "sh", wechat.send("sh", event, nonce="2").data)
    assert first == second


def effect_router() -> Router:
    """Answers with an effect: counts its runs in Redis (an INCR is not a pure answer)."""

    def count(incoming):
        return TextReply(f"第{incoming.redis.incr('test:effects')}次")

    return Router(fallback=count)


@pytest.fixture
def effects(config, redis, clock, runner):
    app = create_app(config, redis=redis, clock=clock, runner=runner, router=effect_router())
    return WeChat(app.test_client(), config, clock)


def test_an_answer_with_an_effect_has_it_once_across_retries_and_replays(
    effects, config, redis, clock
):
    xml = text_xml(config.accounts["sh"], OPENID, "报名 1", msg_id="6000000000000000003")
    first = effects.sign("sh", xml, nonce="1")
    replies = [decrypt_reply(config, "sh", effects.post("sh", first).data)]
    for nonce in ("2", "3", "4"):
        clock.advance(5)
        replies.append(decrypt_reply(config, "sh", effects.send("sh", xml, nonce=nonce).data))
    replies.append(decrypt_reply(config, "sh", effects.post("sh", first).data))  # a replay
    assert redis.get("test:effects") == b"1"
    assert all(reply == replies[0] for reply in replies) and replies[0]["Content"] == "第1次"


def test_a_pure_answer_costs_one_round_trip(wechat, config, monkeypatch):
    """Computed first, then stored (or the first stored reply read) by one script."""
    wechat.send("sh", text_xml(config.accounts["sh"], OPENID, "帮助"))  # loads the script
    trips = RoundTrips(monkeypatch)
    response = wechat.send("sh", text_xml(config.accounts["sh"], OPENID, "菜单"))
    assert "回复「帮助」" in decrypt_reply(config, "sh", response.data)["Content"]
    assert trips.count == 1


# -- the 5-second budget -------------------------------------------------------------------------


def test_slow_answer_is_cut_off_with_success_and_finishes_for_the_retry(
    config, redis, clock, runner
):
    release = threading.Event()

    def slow(incoming):
        release.wait(10)
        return TextReply("慢慢来的回答")

    router = Router(fallback=slow)
    config = dataclasses.replace(
        config, webhook=dataclasses.replace(config.webhook, reply_budget=0.2)
    )
    wechat = WeChat(
        create_app(config, redis=redis, clock=clock, runner=runner, router=router).test_client(),
        config,
        clock,
    )
    xml = text_xml(config.accounts["sh"], OPENID, "你好", msg_id="6000000000000000002")
    first = wechat.send("sh", xml, nonce="1")
    assert first.status_code == 200 and first.data == b"success"
    release.set()
    runner.drain()  # the background answer completes and is stored
    stored = redis.get(Keys.message("sh", "6000000000000000002"))
    clock.advance(5)
    retry = wechat.send("sh", xml, nonce="2")
    assert decrypt_reply(config, "sh", retry.data) == parse(stored)  # not one worked out again
    assert parse(stored)["Content"] == "慢慢来的回答"


def test_a_failing_answer_gets_an_apology_not_an_error(config, redis, clock, runner, caplog):
    def broken(incoming):
        raise RuntimeError("bug")

    wechat = WeChat(
        create_app(
            config, redis=redis, clock=clock, runner=runner, router=Router(fallback=broken)
        ).test_client(),
        config,
        clock,
    )
    response = wechat.send("sh", text_xml(config.accounts["sh"], OPENID, "你好"))
    assert "稍后再试" in decrypt_reply(config, "sh", response.data)["Content"]
    assert any(r.exc_info for r in caplog.records)


# -- answers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("xml_fields", "expected"),
    [
        pytest.param(("event", {"Event": "subscribe"}), "欢迎关注", id="subscribe"),
        pytest.param(("text", {"Content": "帮助", "MsgId": 1}), "回复「帮助」", id="help"),
        pytest.param(
            ("text", {"Content": "幫助", "MsgId": 2}), "回复「帮助」", id="help-traditional"
        ),
        pytest.param(
            ("text", {"Content": "ＨＥＬＰ！", "MsgId": 3}), "回复「帮助」", id="help-fullwidth"
        ),
        pytest.param(
            ("text", {"Content": "量子纠缠是什么", "MsgId": 4}), "没有看懂", id="not-understood"
        ),
        pytest.param(
            ("voice", {"MediaId": "m", "Format": "amr", "Recognition": "帮助。", "MsgId": 5}),
            "这里是",
            id="voice-recognised",
        ),
        pytest.param(
            ("voice", {"MediaId": "m", "Format": "amr", "MsgId": 6}),
            "没有听清",
            id="voice-unrecognised",
        ),
        pytest.param(
            ("image", {"PicUrl": "http://x", "MediaId": "m", "MsgId": 7}), "文字提问", id="image"
        ),
        pytest.param(
            ("event", {"Event": "CLICK", "EventKey": "NO_SUCH_KEY"}),
            "回复「帮助」",
            id="unknown-click",
        ),
        pytest.param(
            ("event", {"Event": "CLICK", "EventKey": "HELP"}), "回复「帮助」", id="help-click"
        ),
        pytest.param(
            ("event", {"Event": "CLICK", "EventKey": "AIR_TODAY"}), "预报", id="air-today-click"
        ),
    ],
)
def test_answers(wechat, config, xml_fields, expected):
    msg_type, fields = xml_fields
    xml = message_xml(config.accounts["js"], OPENID, msg_type, fields)
    content = content_of(config, "js", wechat.send("js", xml))
    assert expected in content and content.strip()


def test_unsubscribe_gets_no_message(wechat, config):
    xml = message_xml(config.accounts["js"], OPENID, "event", {"Event": "unsubscribe"})
    assert wechat.send("js", xml).data == b"success"


def test_reply_escapes_cdata_terminator(config, redis, clock, runner):
    echo = Router(fallback=lambda incoming: TextReply(incoming.message.content))
    wechat = WeChat(
        create_app(config, redis=redis, clock=clock, runner=runner, router=echo).test_client(),
        config,
        clock,
    )
    evil = "x]]></Content><MsgType><![CDATA[image]]></MsgType><Content><![CDATA[y & <z>"
    response = wechat.send("ah", text_xml(config.accounts["ah"], OPENID, evil), encrypt=False)
    root = ET.fromstring(response.data)
    assert len(root.findall("MsgType")) == 1 and root.findtext("MsgType") == "text"
    assert root.findtext("Content") == evil


# -- job events ---------------------------------------------------------------------------------

PUBLISH_INFO = (
    "<PublishEventInfo><publish_id>2247503051</publish_id><publish_status>2</publish_status>"
    "<article_id>Aa_1</article_id><article_detail><count>2</count>"
    "<item><idx>1</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/one]]></article_url></item>"
    "<item><idx>2</idx><article_url><![CDATA[https://mp.weixin.qq.com/s/two]]></article_url></item>"
    "</article_detail><fail_idx>1</fail_idx><fail_idx>2</fail_idx></PublishEventInfo>"
)


def _event_xml(event: str, inner: str, create_time: int = 1795488000) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[mphelper]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{inner}</xml>"
    ).encode()


def test_publish_job_finish_lands_in_the_stream_once(wechat, redis):
    xml = _event_xml("PUBLISHJOBFINISH", PUBLISH_INFO)
    assert wechat.send("sh", xml, nonce="1").data == b"success"
    assert wechat.send("sh", xml, nonce="2").data == b"success"  # WeChat's retry
    entries = redis.xrange(Keys.PUBLISH_EVENTS)
    assert len(entries) == 1
    fields = {k.decode(): v.decode() for k, v in entries[0][1].items()}
    assert fields["type"] == "publishjobfinish" and fields["account"] == "sh"
    assert fields["publish_id"] == "2247503051" and fields["publish_status"] == "2"
    assert json.loads(fields["article_urls"]) == [
        "https://mp.weixin.qq.com/s/one",
        "https://mp.weixin.qq.com/s/two",
    ]
    assert json.loads(fields["fail_idx"]) == [1, 2]


def test_two_publish_jobs_finishing_in_the_same_second_are_both_recorded(wechat, redis):
    other = PUBLISH_INFO.replace("2247503051", "2247503052")
    wechat.send("sh", _event_xml("PUBLISHJOBFINISH", PUBLISH_INFO))
    wechat.send("sh", _event_xml("PUBLISHJOBFINISH", other))
    assert redis.xlen(Keys.PUBLISH_EVENTS) == 2


def test_mass_send_job_finish_lands_in_the_stream(wechat, redis):
    inner = (
        "<MsgID>1000001625</MsgID><Status><![CDATA[send success]]></Status>"
        "<TotalCount>100</TotalCount>"
        "<FilterCount>80</FilterCount><SentCount>75</SentCount><ErrorCount>5</ErrorCount>"
        "<ArticleUrlResult><Count>1</Count><ResultList><item><ArticleIdx>1</ArticleIdx>"
        "<ArticleUrl><![CDATA[https://mp.weixin.qq.com/s/m]]></ArticleUrl></item></ResultList>"
        "</ArticleUrlResult>"
    )
    wechat.send("js", _event_xml("MASSSENDJOBFINISH", inner))
    fields = {k.decode(): v.decode() for k, v in redis.xrange(Keys.PUBLISH_EVENTS)[0][1].items()}
    assert fields["type"] == "masssendjobfinish" and fields["msg_id"] == "1000001625"
    assert fields["sent_count"] == "75" and json.loads(fields["article_urls"]) == [
        "https://mp.weixin.qq.com/s/m"
    ]


# -- health, Redis down, logs ---------------------------------------------------------------------


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok", "redis": "ok"}


def test_redis_down_answers_503(config, clock, runner, tmp_path):
    # The production client (store.connect): no retry storm, so this takes milliseconds, not 4.5 s.
    dead = store.connect(dataclasses.replace(config.redis, url=f"unix://{tmp_path / 'gone.sock'}"))
    app = create_app(config, redis=dead, clock=clock, runner=runner)
    wechat = WeChat(app.test_client(), config, clock)
    response = wechat.send("sh", text_xml(config.accounts["sh"], OPENID, "帮助"))
    assert response.status_code == 503
    assert app.test_client().get("/healthz").status_code == 503


def test_one_log_line_per_request_without_secrets(wechat, config, caplog):
    caplog.set_level(logging.INFO, logger="csj.webhook")
    wechat.send("sh", text_xml(config.accounts["sh"], OPENID, "帮助", msg_id="6000000000000000009"))
    wechat.client.post("/wechat/sh?signature=" + "0" * 40)
    records = [r for r in caplog.records if r.getMessage() == "push"]
    assert len(records) == 2
    first = json.loads(JSONFormatter().format(records[0]))
    assert (
        first["account"] == "sh"
        and first["type"] == "text"
        and first["msg_id"] == "6000000000000000009"
    )
    assert first["outcome"] == "new" and first["status"] == 200 and first["ms"] >= 0
    assert json.loads(JSONFormatter().format(records[1]))["outcome"] == "refused"
    text = caplog.text + "".join(JSONFormatter().format(r) for r in caplog.records)
    account = config.accounts["sh"]
    for secret in (account.token, account.secret, account.encoding_aes_key):
        assert secret not in text


def test_a_retried_xadd_appends_once(wechat, redis):
    """R8: the same job event recorded twice (a lost XADD reply, retried) is one stream entry."""
    from bot.answers.jobs import record_publish_result
    from bot.router import Incoming
    from bot.wechat.messages import parse_message
    from bot.wechat.xml import parse as parse_xml

    message = parse_message(parse_xml(_event_xml("PUBLISHJOBFINISH", PUBLISH_INFO)), "sh")
    incoming = Incoming(message, "", None, redis, None)
    record_publish_result(incoming)
    record_publish_result(incoming)
    assert redis.xlen(Keys.PUBLISH_EVENTS) == 1


class FailingSetOnce:
    """A Redis client whose first SET fails, as when Redis blips while the reply is stored."""

    def __init__(self, redis) -> None:
        self._redis = redis
        self.failed = False

    def set(self, *args, **kwargs):
        if not self.failed:
            self.failed = True
            raise redis_errors.TimeoutError("Timeout reading from socket")
        return self._redis.set(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._redis, name)


def test_a_reply_that_could_not_be_stored_is_answered_on_the_retry(config, redis, clock, runner):
    app = create_app(config, redis=redis, clock=clock, runner=runner)
    exchange = app.extensions["csj"].exchange
    store_first, failed = exchange._store_first, []

    def blip(*args, **kwargs):  # Redis times out once while the reply is stored
        if not failed:
            failed.append(True)
            raise redis_errors.TimeoutError("Timeout reading from socket")
        return store_first(*args, **kwargs)

    exchange._store_first = blip
    wechat = WeChat(app.test_client(), config, clock)
    push = wechat.sign("sh", text_xml(config.accounts["sh"], OPENID, "帮助"))
    assert wechat.post("sh", push).status_code == 503
    retry = wechat.post("sh", push)  # WeChat resends the same query
    assert "回复「帮助」" in decrypt_reply(config, "sh", retry.data)["Content"]


def test_an_effect_whose_reply_could_not_be_stored_is_answered_on_the_retry(
    config, redis, clock, runner
):
    flaky = FailingSetOnce(redis)  # the claim-first path stores its reply with a SET
    wechat = WeChat(
        create_app(
            config, redis=flaky, clock=clock, runner=runner, router=effect_router()
        ).test_client(),
        config,
        clock,
    )
    push = wechat.sign("sh", text_xml(config.accounts["sh"], OPENID, "报名 1"))
    assert wechat.post("sh", push).status_code == 503
    retry = wechat.post("sh", push)
    assert decrypt_reply(config, "sh", retry.data)["Content"] == "第2次"  # the claim was released


def test_a_claim_left_by_a_dead_process_lapses_and_the_retry_is_answered(effects, config, redis):
    push = effects.sign(
        "sh", text_xml(config.accounts["sh"], OPENID, "报名 1", msg_id="6000000000000000077")
    )
    effects.post("sh", push)
    # The process died after its claim: its reply never arrived and the pending marker lapsed.
    redis.delete(Keys.message("sh", "6000000000000000077"))
    retry = effects.post("sh", push)
    assert decrypt_reply(config, "sh", retry.data)["Content"] == "第2次"


def test_the_pending_marker_is_short_lived(config, redis, clock):
    ttl = {}

    def look(incoming):
        incoming.redis.incr("test:effects")  # an effect: answered claim-first
        ttl["pending"] = redis.ttl(Keys.message("sh", "6000000000000000078"))
        return TextReply("x")

    wechat = WeChat(
        create_app(
            config,
            redis=redis,
            clock=clock,
            router=Router(fallback=look),
            runner=ThreadRunner(2),
        ).test_client(),
        config,
        clock,
    )
    wechat.send("sh", text_xml(config.accounts["sh"], OPENID, "x", msg_id="6000000000000000078"))
    assert 0 < ttl["pending"] <= int(config.webhook.reply_budget) + 6
    assert redis.ttl(Keys.message("sh", "6000000000000000078")) > 3600


def test_the_claim_script_is_loaded_again_after_redis_forgets_it(wechat, config, redis):
    assert wechat.send("sh", text_xml(config.accounts["sh"], OPENID, "帮助")).status_code == 200
    redis.script_flush()  # as after a Redis restart without persistence of scripts
    response = wechat.send("sh", text_xml(config.accounts["sh"], OPENID, "菜单"))
    assert "回复「帮助」" in decrypt_reply(config, "sh", response.data)["Content"]
