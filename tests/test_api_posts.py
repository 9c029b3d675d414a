"""POST /api/posts (JSON or multipart), GET /api/posts[/<id>]: auth, errors, nothing half-stored."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from urllib.parse import quote

import pytest
from flask import Flask

from syndication import articles, audit
from syndication.admin import create_app
from tests.test_sources import COVER, KNOWN, SAMPLE, TIME_HINT, png

TOKEN = "t0ken-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-CSJ-User": quote("张编辑")}
BODY = SAMPLE.read_text("utf-8").split("---", 2)[2].strip()


MISSING = "缺少令牌：请加上 Authorization: Bearer <令牌>"


def with_token(config, token: str = TOKEN, approvals: int = 0):
    syndication = dataclasses.replace(config.syndication, api_token=token, approvals=approvals)
    return dataclasses.replace(config, syndication=syndication)


@pytest.fixture
def api(config, redis, clock):
    return create_app(with_token(config), redis=redis, clock=clock).test_client()


def fields(**changes):
    """The JSON request for the sample article (cover and images as base64)."""
    data = {
        "title": "长三角区域生态环境宣教联盟正式成立",
        "author": "长三角协作办",
        "digest": "沪苏浙皖共同发起成立长三角区域生态环境宣教联盟。",
        "accounts": ["sh", "js"],
        "body": BODY + "\n\n![图一](fig.png)",
        "cover": base64.b64encode(COVER).decode(),
        "images": {"fig.png": base64.b64encode(png()).decode()},
    }
    return {k: v for k, v in {**data, **changes}.items() if v is not None}


def test_json_post(api, redis, clock):
    response = api.post("/api/posts", json=fields(publish_at="2026-12-01 09:30"), headers=AUTH)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["id"] == "A1" and body["state"] == "scheduled" and body["created_by"] == "张编辑"
    assert body["publish_at"] == "2026-12-01T09:30:00+08:00" and body["accounts"] == ["sh", "js"]
    assert response.headers["Location"].endswith("/api/posts/A1")
    article = articles.load(redis, "A1")
    assert len(article.images) == 1 and articles.blob(redis, article.cover)
    assert [(e.by, e.action) for e in audit.entries(redis, article="A1")] == [("张编辑", "create")]


def test_multipart_post(api, redis):
    meta = fields(cover=None, images=None, by="李编辑")
    response = api.post(
        "/api/posts",
        data={
            "meta": json.dumps(meta, ensure_ascii=False),
            "cover": (io.BytesIO(COVER), "cover.jpg"),
            "images": [(io.BytesIO(png()), "fig.png")],
        },
        headers={"Authorization": f"Bearer {TOKEN}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    assert response.json["created_by"] == "李编辑" and len(response.json["images"]) == 1


def test_cover_and_images_by_url(api, live_server):
    files = Flask(__name__)
    files.add_url_rule("/cover.jpg", "cover", lambda: COVER)
    files.add_url_rule("/fig.png", "fig", png)
    base = live_server(files)
    body = BODY + f"\n\n![]({base}/fig.png)"
    response = api.post(
        "/api/posts", json=fields(cover=f"{base}/cover.jpg", images=None, body=body), headers=AUTH
    )
    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    ("token", "headers", "status", "message"),
    [
        pytest.param(
            "", AUTH, 403, "接口未开启：请在配置中设置 [syndication] api_token", id="api-off"
        ),
        pytest.param(TOKEN, {}, 401, MISSING, id="no-header"),
        pytest.param(TOKEN, {"Authorization": f"Basic {TOKEN}"}, 401, MISSING, id="basic"),
        pytest.param(TOKEN, {"Authorization": "Bearer "}, 401, MISSING, id="empty"),
        pytest.param(TOKEN, {"Authorization": "Bearer wrong"}, 401, "令牌不正确", id="wrong"),
        pytest.param(TOKEN, {"Authorization": f"Bearer {TOKEN}x"}, 401, "令牌不正确", id="longer"),
        pytest.param(TOKEN, {"Authorization": "Bearer é"}, 401, "令牌不正确", id="non-ascii"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_auth(config, redis, clock, token, headers, status, message, method):
    client = create_app(with_token(config, token), redis=redis, clock=clock).test_client()
    response = client.open("/api/posts", method=method, json=fields(), headers=headers)
    assert response.status_code == status and response.json == {"errors": [message]}
    if status == 401:
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="csj"'
    assert redis.dbsize() == 0


def _json(**changes):
    return {"json": fields(**changes)}


@pytest.mark.parametrize(
    ("request_args", "headers", "expected"),
    [
        pytest.param(
            {"data": "x", "content_type": "text/plain"},
            AUTH,
            ["Content-Type 应为 application/json 或 multipart/form-data"],
            id="content-type",
        ),
        pytest.param(
            {"data": "{oops", "content_type": "application/json"},
            AUTH,
            ["请求内容应为一个 JSON 对象（字段: 值）"],
            id="bad-json",
        ),
        pytest.param(
            {"json": [1, 2]}, AUTH, ["请求内容应为一个 JSON 对象（字段: 值）"], id="json-array"
        ),
        pytest.param(
            _json(),
            {"Authorization": f"Bearer {TOKEN}"},
            ["缺少操作人：请在 X-CSJ-User 请求头或 by 字段写明是谁在操作"],
            id="no-by",
        ),
        pytest.param(
            _json(cover="!!!"), AUTH, ["请求：cover 不是有效的 base64"], id="bad-cover-base64"
        ),
        pytest.param(
            _json(cover=base64.b64encode(b"junk").decode()), AUTH, None, id="bad-cover-image"
        ),
        pytest.param(
            _json(images={}),
            AUTH,
            ["请求：正文图片 fig.png：没有随请求上传（文件名须与正文里写的一致）"],
            id="image-missing",
        ),
        pytest.param(
            _json(images=["fig.png"]),
            AUTH,
            [
                '请求：images 应为 {"正文里写的文件名": "base64"} 形式的对象',
                "请求：正文图片 fig.png：没有随请求上传（文件名须与正文里写的一致）",
            ],
            id="images-list",
        ),
        pytest.param(
            _json(colour="绿"),
            AUTH,
            [f"请求：不认识的字段 colour{KNOWN}"],
            id="unknown-field",
        ),
        pytest.param(
            _json(body=None),
            AUTH,
            ["请求：缺少 body（正文，Markdown 或 HTML 文本）", "请求：正文是空的"],
            id="no-body",
        ),
        pytest.param(
            _json(body_format="docx"),
            AUTH,
            ["请求：body_format 应为 markdown 或 html"],
            id="body-format",
        ),
        pytest.param(
            _json(accounts=["sh", "gd"]),
            AUTH,
            ["未知的账号：gd（可选：sh、js、zj、ah）"],
            id="account",
        ),
        pytest.param(
            _json(publish_at="soon"),
            AUTH,
            [f"请求：publish_at（发布时间）“soon”不是有效的时间{TIME_HINT}"],
            id="time",
        ),
        pytest.param(
            _json(title="标" * 40),
            AUTH,
            ["标题有 40 字，上限 32 字（多 8 字）：请删减"],
            id="long-title",
        ),
        pytest.param(
            {
                "data": {"cover": (io.BytesIO(COVER), "c.jpg")},
                "content_type": "multipart/form-data",
            },
            AUTH,
            ["缺少 meta 部分（JSON：title、author、digest、body 等）"],
            id="no-meta",
        ),
        pytest.param(
            {"data": {"meta": "{oops"}, "content_type": "multipart/form-data"},
            AUTH,
            None,
            id="bad-meta",
        ),
    ],
)
def test_bad_requests_are_400_and_store_nothing(api, redis, request_args, headers, expected):
    response = api.post("/api/posts", headers=headers, **request_args)
    assert response.status_code == 400, response.json
    if expected is not None:
        assert response.json == {"errors": expected}
    else:
        assert len(response.json["errors"]) == 1
    assert redis.dbsize() == 0


def test_every_problem_at_once(api, redis):
    response = api.post(
        "/api/posts",
        json=fields(title=None, images={"fig.png": "!!"}, accounts=["gd"], colour=1),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 400
    assert response.json["errors"] == [
        "请求：images 中的 fig.png 不是有效的 base64",
        "缺少操作人：请在 X-CSJ-User 请求头或 by 字段写明是谁在操作",
        f"请求：不认识的字段 colour{KNOWN}",
        "请求：缺少 title（标题）",
    ]
    assert redis.dbsize() == 0


def test_sizes(api, redis):
    big = b"x" * (10 * 1024 * 1024 + 1)
    one_file = api.post(
        "/api/posts",
        data={"meta": json.dumps(fields(cover=None)), "cover": (io.BytesIO(big), "huge.jpg")},
        headers=AUTH,
        content_type="multipart/form-data",
    )
    assert one_file.status_code == 413
    assert one_file.json == {"errors": ["请求：cover 超过 10 MB"]}
    as_json = api.post(
        "/api/posts", json=fields(cover=base64.b64encode(big).decode()), headers=AUTH
    )
    assert as_json.status_code == 413 and as_json.json == {"errors": ["请求：cover 超过 10 MB"]}
    whole = api.post(
        "/api/posts",
        data=b"x" * (32 * 1024 * 1024 + 1),
        headers=AUTH,
        content_type="application/json",
    )
    assert whole.status_code == 413
    assert whole.json == {"errors": ["请求太大（最多 32 MB，每张图片最多 10 MB）"]}
    assert redis.dbsize() == 0


def test_forecast_uploads_keep_their_own_limit(api):
    response = api.post(
        "/api/forecasts", data=b"x" * (3 * 1024 * 1024), content_type="text/csv", headers=AUTH
    )
    assert response.status_code == 413 and "problems" in response.json


def test_get_one_and_list(api, redis):
    api.post("/api/posts", json=fields(), headers=AUTH)
    api.post("/api/posts", json=fields(title="第二篇"), headers=AUTH)
    one = api.get("/api/posts/A1", headers=AUTH)
    assert one.status_code == 200 and one.json["body"].endswith("![图一](fig.png)")
    assert one.json["audit"][0]["action"] == "create" and "csj-blob:" in one.json["html"]
    listed = api.get("/api/posts?limit=1", headers=AUTH)
    assert [a["id"] for a in listed.json] == ["A2"]
    assert api.get("/api/posts?state=scheduled", headers=AUTH).json[1]["id"] == "A1"
    missing = api.get("/api/posts/A9", headers=AUTH)
    assert missing.status_code == 404 and missing.json == {"errors": ["没有编号为 A9 的文章"]}
    bad = api.get("/api/posts?state=done&limit=0", headers=AUTH)
    assert bad.status_code == 400
