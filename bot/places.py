"""The region's places: the four provinces (三省一市) and the 41 prefecture-level cities."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class City:
    name: str
    province: str  # short province name: 上海/江苏/浙江/安徽
    pinyin: str


@cache
def _raw() -> dict:
    return json.loads(resources.files("bot").joinpath("data/yrd_places.json").read_text("utf-8"))


@cache
def provinces() -> tuple[str, ...]:
    """Short names of the four provinces, in the alliance's order."""
    return tuple(p["short"] for p in _raw()["provinces"])


@cache
def cities() -> tuple[City, ...]:
    """The 41 cities (Shanghai counts as one of them)."""
    short = {p["name"]: p["short"] for p in _raw()["provinces"]}
    return tuple(City(c["name"], short[c["province"]], c["pinyin"]) for c in _raw()["cities"])


@cache
def region_names() -> frozenset[str]:
    """Every name an account's region may take: a province or a city."""
    return frozenset(provinces()) | frozenset(c.name for c in cities())
