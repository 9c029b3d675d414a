"""The admin API for forecasts: upload (201 or 422 with every problem) and the latest issue."""

from __future__ import annotations

import io

import pytest

from bot.forecast.repo import ForecastRepo
from syndication.admin import create_app, users
from tests.forecast_data import SAMPLE, newer_bytes, sample_bytes
from tests.test_admin_auth import PASSWORD, AuthActions
from tests.test_api_posts import TOKEN, with_token
from tests.test_forecast_media import FakeUploader


@pytest.fixture(params=["session", "bearer"])
def admin(request, config, redis, clock):
    """A client that imports as a signed-in editor (CSRF header) or with the API's token."""
    app = create_app(with_token(config), redis=redis, clock=clock, uploader=FakeUploader())
    client = app.test_client()
    if request.param == "bearer":
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {TOKEN}"
        return client
    users.add(redis, "editor1", "editor", PASSWORD, clock())
    auth = AuthActions(client)
    assert auth.login().status_code == 302
    client.environ_base["HTTP_X_CSRF_TOKEN"] = auth.csrf()
    return client


def test_upload_csv_body(admin, redis):
    response = admin.post("/api/forecasts", data=sample_bytes(), content_type="text/csv")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["rows"] == 35 and body["is_latest"] and body["first_day"] == "2026-11-24"
    assert body["media_ready"] == ["ah", "js", "sh", "zj"]
    assert ForecastRepo(redis).latest_id() == body["id"]


def test_upload_multipart_file(admin):
    response = admin.post(
        "/api/forecasts",
        data={"file": (io.BytesIO(newer_bytes()), "week.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201 and response.json["issued_at"] == "2026-11-24T07:00:00+08:00"


def test_upload_json_body(admin):
    body = {
        "issued_at": "2026-11-23 16:00",
        "rows": [
            {
                "date": "2026-11-24",
                "region": "上海",
                "aqi_min": 55,
                "aqi_max": 75,
                "level": "良",
                "primary_pollutant": "PM2.5",
            }
        ],
    }
    assert admin.post("/api/forecasts", json=body).status_code == 201


def test_bad_upload_is_422_with_every_problem_and_changes_nothing(admin, redis):
    admin.post("/api/forecasts", data=sample_bytes(), content_type="text/csv")
    before = admin.get("/api/forecasts/latest").json
    bad = (
        SAMPLE.read_text("utf-8")
        .replace(",上海,55,75,", ",广州,55,75,")
        .replace("2026-11-30,安徽", "2026-11-31,安徽")
    )
    response = admin.post("/api/forecasts", data=bad.encode(), content_type="text/csv")
    assert response.status_code == 422
    texts = [p["text"] for p in response.json["problems"]]
    assert texts == [
        "第2行 region：未知地区「广州」，应为上海/江苏/浙江/安徽或长三角41个城市之一",
        "第29行 date：日期「2026-11-31」不存在",
    ]
    assert response.json["problems"][0] | {"text": ""} == {
        "line": 2,
        "column": "region",
        "text": "",
        "message": texts[0].split("：", 1)[1],
    }
    assert admin.get("/api/forecasts/latest").json == before


def test_empty_upload(admin):
    assert admin.post("/api/forecasts", data=b"", content_type="text/csv").status_code == 400


def test_latest(admin):
    assert admin.get("/api/forecasts/latest").status_code == 404
    admin.post("/api/forecasts", data=sample_bytes(), content_type="text/csv")
    latest = admin.get("/api/forecasts/latest").json
    assert latest["source"] == "长三角区域空气质量预测预报中心" and len(latest["rows"]) == 35
    assert {
        "place": "上海",
        "date": "2026-11-24",
        "level": "良",
        "aqi_min": 55,
        "aqi_max": 75,
    }.items() <= next(
        r for r in latest["rows"] if r["place"] == "上海" and r["date"] == "2026-11-24"
    ).items()


def test_too_large_upload_is_a_json_problem_not_an_html_page(admin):
    response = admin.post("/api/forecasts", data=b"x" * (3 * 1024 * 1024), content_type="text/csv")
    assert response.status_code == 413
    assert response.json["problems"][0]["text"] == "文件：文件太大（最多 2 MB）"


LOGIN_FIRST = "请先登录（或使用 Authorization: Bearer 令牌）"


@pytest.mark.parametrize(
    ("token", "headers", "status", "errors"),
    [
        pytest.param(TOKEN, {}, 401, [LOGIN_FIRST], id="nothing"),
        pytest.param(TOKEN, {"Authorization": "Bearer wrong"}, 401, ["令牌不正确"], id="bad-token"),
        pytest.param("", {"Authorization": "Bearer "}, 401, ["令牌不正确"], id="api-off"),
        pytest.param(TOKEN, {"Authorization": "Basic x"}, 401, [LOGIN_FIRST], id="basic"),
        pytest.param(TOKEN, {"X-CSRF-Token": "forged"}, 401, [LOGIN_FIRST], id="csrf-only"),
    ],
)
def test_upload_refused_without_authentication(
    config, redis, clock, token, headers, status, errors
):
    app = create_app(with_token(config, token), redis=redis, clock=clock, uploader=FakeUploader())
    response = app.test_client().post(
        "/api/forecasts", data=sample_bytes(), content_type="text/csv", headers=headers
    )
    assert (response.status_code, response.json) == (status, {"errors": errors})
    assert ForecastRepo(redis).latest_id() is None


def test_upload_refused_in_a_session_without_the_csrf_header(config, redis, clock):
    app = create_app(config, redis=redis, clock=clock, uploader=FakeUploader())
    users.add(redis, "editor1", "editor", PASSWORD, clock())
    client = app.test_client()
    AuthActions(client).login()
    response = client.post("/api/forecasts", data=sample_bytes(), content_type="text/csv")
    assert response.status_code == 400 and "CSRF" in response.json["errors"][0]
    assert ForecastRepo(redis).latest_id() is None
