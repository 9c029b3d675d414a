"""`csj forecast import|show|render` through click's CliRunner, against the test Redis."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from PIL import Image

from bot.forecast.repo import ForecastRepo
from syndication.cli import main
from tests.forecast_data import SAMPLE


@pytest.fixture
def csj(config_file, redis_server, redis):
    def run(*args: str):
        return CliRunner().invoke(
            main,
            ["--config", str(config_file), "forecast", *args],
            env={"CSJ_REDIS__URL": redis_server.url},
        )

    return run


def test_import_show_render(csj, redis, tmp_path):
    imported = csj("import", str(SAMPLE))
    assert imported.exit_code == 0, imported.output
    assert (
        "35 rows, 2026-11-24 to 2026-11-30" in imported.output
        and "now answers followers" in imported.output
    )
    shown = csj("show")
    assert shown.exit_code == 0 and "2026-11-24 上海" in shown.output and "55-75" in shown.output
    out = tmp_path / "card.png"
    rendered = csj("render", "-o", str(out))
    assert rendered.exit_code == 0, rendered.output
    assert Image.open(io.BytesIO(out.read_bytes())).width == 1080


def test_import_json_output(csj):
    result = csj("import", "--json", str(SAMPLE))
    assert json.loads(result.output)["rows"] == 35


def test_bad_file_exits_non_zero_with_every_problem(csj, redis, tmp_path):
    csj("import", str(SAMPLE))
    before = ForecastRepo(redis).latest_id()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        SAMPLE.read_text("utf-8")
        .replace("2026-11-24,上海,55,75", "2026-11-24,北京,75,55")
        .replace("2026-11-25,浙江,50,75,优至良", "2026-11-25,浙江,50,75,重度污染"),
        "utf-8",
    )
    result = csj("import", str(bad))
    assert result.exit_code == 1
    assert "rejected: 3 problem(s)" in result.output
    assert "第2行 region：未知地区「北京」" in result.output
    assert "第2行 aqi_min：aqi_min 75 大于 aqi_max 55" in result.output
    assert "第17行 level：等级「重度污染」与 AQI 50–75 不符" in result.output
    assert ForecastRepo(redis).latest_id() == before


def test_render_a_file_without_importing(csj, redis, tmp_path):
    out = tmp_path / "preview.png"
    result = csj("render", "--file", str(SAMPLE), "-o", str(out))
    assert result.exit_code == 0 and out.read_bytes()[:4] == b"\x89PNG"
    assert ForecastRepo(redis).latest_id() is None


def test_show_before_any_import(csj):
    result = csj("show")
    assert result.exit_code == 1 and "no forecast imported yet" in result.output
