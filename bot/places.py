"""The region's places: the four provinces (三省一市), 41 cities, other names, coordinates."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

# 江浙沪 names three of the four; the other group words name all of them.
GROUPS = {
    "长三角": ("上海", "江苏", "浙江", "安徽"),
    "长江三角洲": ("上海", "江苏", "浙江", "安徽"),
    "三省一市": ("上海", "江苏", "浙江", "安徽"),
    "沪苏浙皖": ("上海", "江苏", "浙江", "安徽"),
    "江浙沪皖": ("上海", "江苏", "浙江", "安徽"),
    "苏浙皖沪": ("上海", "江苏", "浙江", "安徽"),
    "江浙沪": ("上海", "江苏", "浙江"),
    "苏浙沪": ("上海", "江苏", "浙江"),
    "沪苏浙": ("上海", "江苏", "浙江"),
    "江浙": ("江苏", "浙江"),
}

# Nicknames followers type, and the common typo 毫州; 普陀山 is in 舟山, not Shanghai's 普陀.
NICKNAMES = {
    "魔都": "上海",
    "申城": "上海",
    "金陵": "南京",
    "姑苏": "苏州",
    "甬城": "宁波",
    "庐州": "合肥",
    "鹿城": "温州",
    "毫州": "亳州",
    "普陀山": "舟山",
    "江城芜湖": "芜湖",
}

# Districts renamed or merged that people still type.
FORMER_DISTRICTS = {"南汇": "浦东新区", "卢湾": "黄浦", "闸北": "静安", "浦东": "浦东新区"}

# A LOCATION farther than this from every city centre is outside the region.
MAX_NEAREST_KM = 120.0


@dataclass(frozen=True)
class City:
    name: str
    province: str  # short province name: 上海/江苏/浙江/安徽
    pinyin: str
    lat: float = 0.0
    lng: float = 0.0


@dataclass(frozen=True)
class Alias:
    """A name followers type and the forecast places it stands for."""

    word: str
    places: tuple[str, ...]
    kind: str  # province, abbr, city, district, county, landmark, group, nickname, pinyin, outside


@cache
def _raw() -> dict:
    return json.loads(resources.files("bot").joinpath("data/yrd_places.json").read_text("utf-8"))


@cache
def _other() -> dict:
    return json.loads(resources.files("bot").joinpath("data/other_places.json").read_text("utf-8"))


@cache
def _landmarks() -> dict[str, str]:
    text = resources.files("bot").joinpath("data/yrd_landmarks.json").read_text("utf-8")
    return json.loads(text)["places"]


@cache
def _counties() -> dict[str, str]:
    return json.loads(resources.files("bot").joinpath("data/yrd_counties.json").read_text("utf-8"))[
        "places"
    ]


@cache
def provinces() -> tuple[str, ...]:
    """Short names of the four provinces, in the alliance's order."""
    return tuple(p["short"] for p in _raw()["provinces"])


@cache
def cities() -> tuple[City, ...]:
    """The 41 cities (Shanghai counts as one of them)."""
    short = {p["name"]: p["short"] for p in _raw()["provinces"]}
    return tuple(
        City(c["name"], short[c["province"]], c["pinyin"], c.get("lat", 0.0), c.get("lng", 0.0))
        for c in _raw()["cities"]
    )


@cache
def region_names() -> frozenset[str]:
    """Every name an account's region may take: a province or a city."""
    return frozenset(provinces()) | frozenset(c.name for c in cities())


@cache
def city(name: str) -> City | None:
    """The city called `name`, or None."""
    return next((c for c in cities() if c.name == name), None)


def province_of(place: str) -> str:
    """The province a place belongs to (a province is its own)."""
    found = city(place)
    return found.province if found else place


@cache
def districts() -> tuple[str, ...]:
    """Shanghai's 16 districts."""
    return tuple(d["name"] for d in _raw()["shanghai_districts"])


@cache
def aliases() -> dict[str, Alias]:
    """Every word that names a place, in simplified Chinese or lower-case pinyin."""
    table: dict[str, Alias] = {}

    def add(word: str, places: tuple[str, ...], kind: str) -> None:
        table.setdefault(word, Alias(word, places, kind))

    for p in _raw()["provinces"]:
        add(p["short"], (p["short"],), "province")
        add(p["name"], (p["short"],), "province")
        for abbr in p["abbr"]:
            add(abbr, (p["short"],), "abbr")
    for c in cities():
        add(c.name, (c.name,), "city")
        if c.name != c.province:
            add(c.name + "市", (c.name,), "city")
    for d in districts():
        add(d, ("上海",), "district")
        if not d.endswith("区"):
            add(d + "区", ("上海",), "district")
    for old in FORMER_DISTRICTS:
        add(old, ("上海",), "district")
        add(old + "区", ("上海",), "district")
    for word, parent in _counties().items():
        add(word, (parent,), "county")
        add(word + "市", (parent,), "county")
    for word, parent in _landmarks().items():
        add(word, (parent,), "landmark")
    for word, places in GROUPS.items():
        add(word, places, "group")
    for word, place in NICKNAMES.items():
        add(word, (place,), "nickname")
    for word, places in _pinyin().items():
        add(word, places, "pinyin")
    for word in (*_other()["provinces"], *_other()["cities"]):
        add(word, (word,), "outside")
    return table


def _pinyin() -> dict[str, tuple[str, ...]]:
    """Toneless pinyin → places; suzhou and taizhou name two cities each, so both are answered."""
    table: dict[str, tuple[str, ...]] = {}
    for p in _raw()["provinces"]:
        table.setdefault(p["pinyin"].lower(), (p["short"],))
    for c in cities():
        word = c.pinyin.lower().replace("'", "")
        table[word] = tuple(dict.fromkeys((*table.get(word, ()), c.name)))
    return table


def nearest_city(lat: float, lng: float) -> tuple[City, float]:
    """The city whose centre is nearest to (lat, lng), and the distance in km."""
    return min(
        ((c, distance_km(lat, lng, c.lat, c.lng)) for c in cities()), key=lambda pair: pair[1]
    )


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def covered_summary() -> str:
    """One line saying what the forecast covers, for followers asking about elsewhere."""
    return "沪苏浙皖三省一市及长三角41个地级及以上城市"
