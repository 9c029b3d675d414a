"""The reference: a bare wechatpy + Flask webhook, no Redis, no protections beyond wechatpy's own.

It does exactly what any safe-mode handler must: verify the query signature, decrypt
(WeChatCrypto.decrypt_message checks msg_signature and the appid), parse, reply, encrypt.
bench/webhook.py serves it with the same gunicorn settings as csj; it reads the accounts
(token, EncodingAESKey, appid) from the TOML file named by BENCH_CONFIG.
"""

from __future__ import annotations

import os
import tomllib

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

REPLY = "您好，收到您的消息。"


def _load_accounts(path: str) -> dict[str, tuple[str, WeChatCrypto]]:
    with open(path, "rb") as file:
        accounts = tomllib.load(file)["accounts"]
    return {
        account_id: (a["token"], WeChatCrypto(a["token"], a["encoding_aes_key"], a["appid"]))
        for account_id, a in accounts.items()
        if a.get("encoding_aes_key")
    }


def create_app(path: str | None = None) -> Flask:
    accounts = _load_accounts(path or os.environ["BENCH_CONFIG"])
    # What-if (bench/webhook.py --bare-fair): yield once per push, as csj's reply budget does.
    # Without any yield a gevent worker serves whichever keep-alive connection's next request
    # is already waiting, and the others wait: the bare handler's p99 of 0.3-1.5 s.
    fair = bool(os.environ.get("BENCH_BARE_FAIR"))
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok\n", mimetype="text/plain")

    @app.post("/wechat/<account_id>")
    def wechat(account_id: str) -> Response:
        if fair:
            import gevent

            gevent.sleep(0)
        if account_id not in accounts:
            return Response("unknown account\n", 404, mimetype="text/plain")
        token, crypto = accounts[account_id]
        args = request.args
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        try:
            check_signature(token, args.get("signature", ""), timestamp, nonce)
        except InvalidSignatureException:
            return Response("signature mismatch\n", 403, mimetype="text/plain")
        try:
            xml = crypto.decrypt_message(
                request.get_data(), args.get("msg_signature", ""), timestamp, nonce
            )
        except (InvalidSignatureException, InvalidAppIdException, ValueError):
            return Response("cannot decrypt\n", 400, mimetype="text/plain")
        message = parse_message(xml)
        reply = TextReply(content=REPLY, message=message)
        return Response(
            crypto.encrypt_message(reply.render(), nonce, timestamp), mimetype="application/xml"
        )

    return app


app = None if "BENCH_CONFIG" not in os.environ else create_app()
