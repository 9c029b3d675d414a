"""WeChat message signatures and AES encryption (消息加解密), checked strictly.

Unlike wechatpy, signatures are compared in constant time, the PKCS#7 padding is verified, and
every failure raises one exception type so callers can answer one uniform error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# WeChat pads to 32-byte blocks ("K 为秘钥字节数（采用 32）"), not AES's 16.
PAD_BITS = 256


class DecryptError(ValueError):
    """A message could not be decrypted; `reason` is for logs, never for the client."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def sign(*parts: str) -> str:
    """Return WeChat's signature: sha1 of the parts sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signature_ok(given: str, *parts: str) -> bool:
    """Compare a given signature with the expected one in constant time."""
    return hmac.compare_digest(given.encode("ascii", "replace"), sign(*parts).encode())


def aes_key(encoding_aes_key: str) -> bytes:
    """Turn a 43-character EncodingAESKey into the 32-byte AES key."""
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


class MessageCipher:
    """Encrypt and decrypt message bodies for one appid with one EncodingAESKey."""

    def __init__(self, encoding_aes_key: str, appid: str) -> None:
        self.key = aes_key(encoding_aes_key)
        self.appid = appid.encode()
        self._cipher = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, plaintext: bytes, random16: bytes | None = None) -> str:
        """Return base64(AES(random16 + len + plaintext + appid)), as WeChat expects."""
        random16 = random16 if random16 is not None else os.urandom(8).hex().encode()
        body = random16 + struct.pack(">I", len(plaintext)) + plaintext + self.appid
        padder = padding.PKCS7(PAD_BITS).padder()
        encryptor = self._cipher.encryptor()
        padded = padder.update(body) + padder.finalize()
        return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> bytes:
        """Return the plaintext message; raise DecryptError on any defect, appid included."""
        raw = _b64decode(encrypted)
        if len(raw) < 32 or len(raw) % 16:
            raise DecryptError("ciphertext length is not a positive multiple of the block")
        decryptor = self._cipher.decryptor()
        unpadder = padding.PKCS7(PAD_BITS).unpadder()
        try:
            body = (
                unpadder.update(decryptor.update(raw) + decryptor.finalize()) + unpadder.finalize()
            )
        except ValueError:
            raise DecryptError("bad padding") from None
        if len(body) < 20:
            raise DecryptError("message too short")
        (length,) = struct.unpack(">I", body[16:20])
        if length > len(body) - 20:
            raise DecryptError("length field beyond the message")
        message, appid = body[20 : 20 + length], body[20 + length :]
        if not hmac.compare_digest(appid, self.appid):
            raise DecryptError("appid mismatch")
        return message


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptError("not base64") from None


def decrypt_any(ciphers: list[MessageCipher], encrypted: str) -> tuple[bytes, MessageCipher]:
    """Try the current key, then the previous one (key rotation, per WeChat's FAQ)."""
    error = DecryptError("no key")
    for cipher in ciphers:
        try:
            return cipher.decrypt(encrypted), cipher
        except DecryptError as exc:
            error = exc
    raise error
