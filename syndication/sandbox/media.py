"""Media: temporary (media/upload, 3 days), body images (media/uploadimg), permanent material."""

from __future__ import annotations

from typing import Any

from flask import Response

from syndication.sandbox.errors import ApiError
from syndication.sandbox.registry import Call, Endpoint
from syndication.sandbox.state import RETENTION, Keys, State, random_id

TEMPORARY_LIFETIME = 3 * 86400
KB, MB = 1024, 1024 * 1024

# type -> (max bytes, accepted formats, errcode when too big), per the upload docs.
TEMPORARY = {
    "image": (10 * MB, {"jpg", "png", "gif", "bmp"}, 40009),
    "voice": (2 * MB, {"amr", "mp3"}, 40010),
    "video": (10 * MB, {"mp4"}, 40011),
    "thumb": (64 * KB, {"jpg"}, 40012),
}
PERMANENT = {
    "image": (10 * MB, {"jpg", "png", "gif", "bmp"}, 40009),
    "thumb": (64 * KB, {"jpg"}, 40012),
    "voice": (2 * MB, {"amr", "mp3"}, 40010),
    "video": (10 * MB, {"mp4"}, 40011),
}
BODY_IMAGE = (1 * MB, {"jpg", "png"}, 40009)
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "amr": "audio/amr",
    "mp3": "audio/mpeg",
    "mp4": "video/mp4",
}


def sniff(data: bytes) -> str:
    """The file format from its first bytes, as WeChat checks it (not from the file name)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith(b"BM"):
        return "bmp"
    if data.startswith(b"#!AMR"):
        return "amr"
    if data.startswith(b"ID3") or data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "mp3"
    if data[4:8] == b"ftyp":
        return "mp4"
    return ""


def _read_upload(call: Call, rule: tuple[int, set[str], int]) -> tuple[bytes, str]:
    upload = call.files.get("media")
    if upload is None:
        raise ApiError(41005)
    data = upload.read()
    if not data:
        raise ApiError(41005)
    max_bytes, formats, size_errcode = rule
    fmt = sniff(data)
    if fmt not in formats:
        raise ApiError(40005, f"accepted: {', '.join(sorted(formats))}")
    if len(data) > max_bytes:
        raise ApiError(size_errcode, f"at most {max_bytes} bytes")
    return data, fmt


def _store(call: Call, kind: str, media_type: str, data: bytes, fmt: str) -> str:
    media_id = random_id(length=64)
    expires_at = call.now + TEMPORARY_LIFETIME if kind == "temp" else 0
    call.state.redis.hset(
        Keys.media(media_id),
        mapping={
            "account": call.acct.id,
            "kind": kind,
            "type": media_type,
            "format": fmt,
            "created_at": int(call.now),
            "expires_at": expires_at,
            "data": data,
        },
    )
    call.state.redis.expire(Keys.media(media_id), RETENTION)
    return media_id


def media_url(base_url: str, media_id: str) -> str:
    """Where the sandbox serves a stored image (uploadimg URLs, permanent image URLs)."""
    return f"{base_url}/_sandbox/media/{media_id}"


def load(state: State, media_id: str, now: float) -> dict[str, Any] | None:
    """A stored media record, or None if unknown or (temporary and) expired."""
    raw = state.redis.hgetall(Keys.media(media_id)) if media_id else {}
    if not raw:
        return None
    record = {k.decode(): (v if k == b"data" else v.decode()) for k, v in raw.items()}
    expires_at = float(record["expires_at"])
    if expires_at and now >= expires_at:
        return None
    return record


def permanent_image(state: State, account: str, media_id: str, now: float) -> dict[str, Any] | None:
    """A permanent image or thumb of this account (what thumb_media_id must be)."""
    record = load(state, media_id, now)
    if (
        record
        and record["account"] == account
        and record["kind"] == "perm"
        and record["type"] in ("image", "thumb")
    ):
        return record
    return None


def upload(call: Call) -> dict:
    """media/upload?type=image|voice|video|thumb: temporary media, valid 3 days."""
    media_type = call.args.get("type", "")
    if media_type not in TEMPORARY:
        raise ApiError(40004)
    data, fmt = _read_upload(call, TEMPORARY[media_type])
    media_id = _store(call, "temp", media_type, data, fmt)
    key = "thumb_media_id" if media_type == "thumb" else "media_id"
    return {"type": media_type, key: media_id, "created_at": int(call.now)}


def upload_image(call: Call) -> dict:
    """media/uploadimg: a body image (jpg/png ≤ 1 MB) -> a URL to use in article content."""
    data, fmt = _read_upload(call, BODY_IMAGE)
    return {"url": media_url(call.base_url, _store(call, "img", "image", data, fmt))}


def add_material(call: Call) -> dict:
    """material/add_material?type=image|thumb|voice|video: permanent material."""
    media_type = call.args.get("type", "")
    if media_type not in PERMANENT:
        raise ApiError(40004)
    data, fmt = _read_upload(call, PERMANENT[media_type])
    media_id = _store(call, "perm", media_type, data, fmt)
    if media_type == "image":
        return {"media_id": media_id, "url": media_url(call.base_url, media_id)}
    return {"media_id": media_id}


def get(call: Call) -> Response:
    """media/get?media_id=…: the temporary media's bytes (a JSON error when gone)."""
    media_id = call.args.get("media_id", "")
    if not media_id:
        raise ApiError(41006)
    record = load(call.state, media_id, call.now)
    if record is None or record["account"] != call.acct.id or record["kind"] != "temp":
        raise ApiError(40007)
    return binary(record, media_id)


def binary(record: dict[str, Any], media_id: str) -> Response:
    """A stored file as WeChat serves it: its type and a file name."""
    fmt = record["format"]
    return Response(
        record["data"],
        mimetype=CONTENT_TYPES.get(fmt, "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{media_id[:16]}.{fmt}"'},
    )


ENDPOINTS = [
    Endpoint("media/upload", "POST", upload),
    Endpoint("media/uploadimg", "POST", upload_image),
    Endpoint("material/add_material", "POST", add_material),
    Endpoint("media/get", "GET", get),
]
