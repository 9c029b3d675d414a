"""WeChat's signature and AES scheme: the official vectors, wechatpy interop, strictness."""

from __future__ import annotations

import base64

import pytest
from wechatpy.crypto import WeChatCrypto

from bot.wechat.crypto import DecryptError, MessageCipher, decrypt_any, sign, signature_ok

# ../shared/docs/wechat-api.md §1.3 C: the official doc example.
C_TOKEN, C_KEY, C_APPID = "AAAAA", "A" * 43, "wxba5fad812f8e6fb9"
C_ENCRYPT = (
    "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDp"
    "VzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQ"
    "rKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mF"
    "UPAJGj04="
)
C_MSG = (
    b'{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY",'
    b'"CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}'
)
# §1.3 D: WxJava's deterministic encryption with the "pamtest" triple.
D_TOKEN, D_KEY, D_APPID = (
    "pamtest",
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "wxb11529c136998cb6",
)


def test_official_vector_decrypts_and_signs():
    assert (
        sign(C_TOKEN, "1714112445", "415670741", C_ENCRYPT)
        == "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3"
    )
    assert MessageCipher(C_KEY, C_APPID).decrypt(C_ENCRYPT) == C_MSG


def test_official_vector_reply_encrypts_deterministically():
    encrypted = MessageCipher(C_KEY, C_APPID).encrypt(
        b'{"demo_resp":"good luck"}', b"707722b803182950"
    )
    assert encrypted == (
        "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ=="
    )
    assert (
        sign(C_TOKEN, "1713424427", "415670741", encrypted)
        == "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1"
    )


@pytest.mark.parametrize(
    ("timestamp", "nonce", "expected"),
    [
        pytest.param(
            "1714036504",
            "1514711492",
            "f464b24fc39322e44b38aa78f5edd27bd1441696",
            id="url-verification",
        ),
        pytest.param(
            "1714037059",
            "486452656",
            "899cf89e464efb63f54ddac96b0a0a235f53aa78",
            id="plaintext-push",
        ),
    ],
)
def test_official_url_signatures(timestamp, nonce, expected):
    assert sign(C_TOKEN, timestamp, nonce) == expected
    assert signature_ok(expected, C_TOKEN, timestamp, nonce)
    assert not signature_ok(expected.upper(), C_TOKEN, timestamp, nonce)


def test_wxjava_deterministic_vector():
    encrypted = MessageCipher(D_KEY, D_APPID).encrypt(
        "我是中文abcd123".encode(), b"aaaabbbbccccdddd"
    )
    assert encrypted == (
        "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
    )
    assert (
        sign(D_TOKEN, "1409304348", "xxxxxx", encrypted)
        == "82c962d39941aa48552f90ef55aa323dc620cc10"
    )
    assert MessageCipher(D_KEY, D_APPID).decrypt(encrypted) == "我是中文abcd123".encode()


def test_interoperates_with_wechatpy_both_ways():
    ours = MessageCipher(D_KEY, D_APPID)
    theirs = WeChatCrypto(D_TOKEN, D_KEY, D_APPID)
    xml = "<xml><Content><![CDATA[明天南京空气怎么样]]></Content></xml>"
    reply = theirs.encrypt_message(xml, "123", "1409304348")
    encrypted = reply.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    assert ours.decrypt(encrypted).decode() == xml
    mine = ours.encrypt(xml.encode())
    signature = sign(D_TOKEN, "1409304348", "123", mine)
    body = f"<xml><Encrypt><![CDATA[{mine}]]></Encrypt></xml>"
    assert theirs.decrypt_message(body, signature, "1409304348", "123") == xml


def _raw_ciphertext(plaintext: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.b64decode(D_KEY + "=")
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return encryptor.update(plaintext) + encryptor.finalize()


@pytest.mark.parametrize(
    ("encrypted", "reason"),
    [
        pytest.param("not base64!!", "not base64", id="not-base64"),
        pytest.param(
            base64.b64encode(b"x" * 20).decode(), "ciphertext length", id="not-block-multiple"
        ),
        pytest.param(MessageCipher(D_KEY, D_APPID).encrypt(b"<xml/>")[:-8], "", id="truncated"),
        pytest.param(
            base64.b64encode(_raw_ciphertext(b"\x00" * 32)).decode(),
            "bad padding",
            id="zero-padding",
        ),
        pytest.param(
            base64.b64encode(_raw_ciphertext(b"a" * 31 + b"\x21")).decode(),
            "bad padding",
            id="pad-33",
        ),
        pytest.param(
            MessageCipher(D_KEY, "wx0000000000000000").encrypt(b"<xml/>"),
            "appid mismatch",
            id="other-appid",
        ),
        pytest.param(MessageCipher("B" * 43, D_APPID).encrypt(b"<xml/>"), "", id="other-key"),
    ],
)
def test_bad_ciphertexts_raise_one_error_type(encrypted, reason):
    with pytest.raises(DecryptError) as caught:
        MessageCipher(D_KEY, D_APPID).decrypt(encrypted)
    assert reason in caught.value.reason


def test_length_field_beyond_message_is_refused():
    body = b"r" * 16 + (1000).to_bytes(4, "big") + b"<xml/>" + D_APPID.encode()
    pad = 32 - len(body) % 32
    encrypted = base64.b64encode(_raw_ciphertext(body + bytes([pad]) * pad)).decode()
    with pytest.raises(DecryptError, match="length"):
        MessageCipher(D_KEY, D_APPID).decrypt(encrypted)


def test_rotation_tries_the_previous_key_and_reports_which_worked():
    current, previous = MessageCipher("B" * 43, D_APPID), MessageCipher(D_KEY, D_APPID)
    plaintext, used = decrypt_any([current, previous], previous.encrypt(b"<xml/>"))
    assert plaintext == b"<xml/>" and used is previous
    with pytest.raises(DecryptError):
        decrypt_any([current, previous], MessageCipher("C" * 43, D_APPID).encrypt(b"<xml/>"))
