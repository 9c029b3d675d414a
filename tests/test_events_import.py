"""Event files (CSV or JSON) are imported whole or not at all, with every problem listed."""

from __future__ import annotations

import json

import pytest

from bot.events import import_events
from bot.events.importer import COLUMNS, ImportRejected
from bot.events.repo import EventRepo
from tests.events_support import SAMPLE, import_sample
from tests.forecast_data import NOW_DT

HEADER = ",".join(COLUMNS)
GOOD = (
    "江心洲开放日,开放日,南京,江心洲,2026-11-28 09:30,2026-11-28 11:30,30,"
    "2026-11-20 09:00,2026-11-27 18:00,,"
)


def test_the_sample_is_imported_numbered_in_order(redis):
    events = import_sample(redis)
    assert [e.number for e in events] == [1, 2, 3, 4, 5, 6]
    stored = EventRepo(redis).get(1)
    assert stored == events[0] and stored.region == "南京" and stored.capacity == 30
    assert (stored.lat, stored.lng) == (32.03, 118.70)
    jiangsu = EventRepo(redis).get(5)
    assert jiangsu.signup_opens == NOW_DT and jiangsu.signup_closes == jiangsu.start  # defaults


def test_numbers_stay_stable_across_imports(redis):
    import_sample(redis)
    more = import_events(
        redis, f"{HEADER}\n{GOOD.replace('江心洲开放日', '第二场')}\n".encode(), NOW_DT
    )
    assert more[0].number == 7 and EventRepo(redis).get(1).title == "江心洲污水处理厂开放日"


def test_json_the_same_as_csv(redis):
    items = [
        dict(zip(COLUMNS, GOOD.split(","), strict=True))
        | {"capacity": 30, "lat": 32.0, "lng": 118.7}
    ]
    events = import_events(redis, json.dumps({"events": items}).encode(), NOW_DT, filename="e.json")
    assert events[0].capacity == 30 and events[0].lat == 32.0


def _row(**changes: str) -> str:
    values = dict(zip(COLUMNS, GOOD.split(","), strict=True)) | changes
    return ",".join(values[c] for c in COLUMNS)


BAD = [
    pytest.param(f"{HEADER}\n", "文件：没有活动行", id="empty"),
    pytest.param("title,kind\n", "缺少列：region", id="missing-columns"),
    pytest.param(f"{HEADER},colour\n{GOOD},red\n", "未知列：colour", id="unknown-column"),
    pytest.param(f"{HEADER}\n{GOOD},extra\n", "第2行：有 12 列，表头有 11 列", id="ragged"),
    pytest.param(f"{HEADER}\n{_row(title='')}\n", "第2行 title：不能为空", id="no-title"),
    pytest.param(f"{HEADER}\n{_row(kind='聚会')}\n", "类型「聚会」应为", id="kind"),
    pytest.param(f"{HEADER}\n{_row(region='北京')}\n", "未知地区「北京」", id="region"),
    pytest.param(
        f"{HEADER}\n{_row(start='11月28日')}\n", "时间「11月28日」应为 YYYY-MM-DD HH:MM", id="time"
    ),
    pytest.param(f"{HEADER}\n{_row(start='2026-11-20 09:00')}\n", "已经过去", id="past"),
    pytest.param(f"{HEADER}\n{_row(end='2026-11-28 08:00')}\n", "应晚于开始时间", id="end-first"),
    pytest.param(
        f"{HEADER}\n{_row(capacity='0')}\n", "capacity：「0」应为 1–100000 的整数", id="capacity"
    ),
    pytest.param(f"{HEADER}\n{_row(capacity='三十')}\n", "「三十」应为", id="capacity-words"),
    pytest.param(
        f"{HEADER}\n{_row(signup_closes='2026-11-29 09:00')}\n",
        "不能晚于活动开始",
        id="closes-late",
    ),
    pytest.param(
        f"{HEADER}\n{_row(signup_opens='2026-11-27 19:00')}\n", "应晚于报名开始", id="window"
    ),
    pytest.param(
        f"{HEADER}\n{_row(link='javascript:alert(1)')}\n",
        "应以 http:// 或 https:// 开头",
        id="link",
    ),
    pytest.param(f"{HEADER},lat,lng\n{GOOD},91,118\n", "超出范围", id="coordinates"),
    pytest.param(f"{HEADER},lat,lng\n{GOOD},32,\n", "应为两个数", id="half-coordinates"),
    pytest.param(f"{HEADER}\n{GOOD}\n{GOOD}\n", "第3行 title,start：与第2行重复", id="twice"),
    pytest.param("[1, 2", "不是有效的 JSON", id="bad-json"),
    pytest.param('{"rows": []}', "JSON 应为活动对象的数组", id="json-shape"),
    pytest.param('["x"]', "第1条：应为一个对象", id="json-item"),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_files_are_refused_and_store_nothing(redis, text, expected):
    with pytest.raises(ImportRejected) as rejected:
        import_events(redis, text.encode(), NOW_DT)
    assert expected in str(rejected.value), str(rejected.value)
    assert redis.keys("csj:{events}:*") == []


def test_every_problem_is_listed_at_once(redis):
    text = f"{HEADER}\n{_row(kind='聚会', capacity='-1')}\n{GOOD}\n{_row(region='火星')}\n"
    with pytest.raises(ImportRejected) as rejected:
        import_events(redis, text.encode(), NOW_DT)
    lines = str(rejected.value).splitlines()
    assert (
        len(lines) == 3
        and lines[0].startswith("第2行 kind")
        and lines[2].startswith("第4行 region")
    )
    assert EventRepo(redis).all() == []


def test_gbk_file_is_named(redis):
    with pytest.raises(ImportRejected, match="GBK"):
        import_events(redis, f"{HEADER}\n{GOOD}\n".encode("gb18030"), NOW_DT)


def test_importing_the_same_file_twice_is_refused(redis):
    import_sample(redis)
    with pytest.raises(ImportRejected, match="与已有活动 #1 重复"):
        import_events(redis, SAMPLE.read_bytes(), NOW_DT)
    assert len(EventRepo(redis).all()) == 6
