"""The admin API for forecasts: upload (201 or 422 with every problem) and the latest issue."""

from __future__ import annotations

import io

import pytest

from bot.forecast.repo import ForecastRepo
from syndication.admin import create_app
from tests.forecast_data import SAMPLE, newer_bytes, sample_bytes
from tests.test_forecast_media import FakeUploader


@pytest.fixture
def admin(config, redis, clock):
    return create_app(config, redis=redis, clock=clock, uploader=FakeUploader()).test_client()


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
