"""The six AQI levels of HJ 633 and the six pollutants: one table for the text and the picture.

Health texts are quoted exactly from HJ 633-2012 Table 2, including the standard's "锻练" in the
中度污染 row (the 轻度污染 row has "锻炼"): we quote the standard, we do not correct it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    number: int  # 1..6
    name: str  # 类别: 优 … 严重污染
    word: str  # 级别: 一级 … 六级
    colour_name: str
    rgb: tuple[int, int, int]
    aqi_lo: int
    aqi_hi: int  # 500 for the open-ended top band (the AQI ceiling)
    effect: str  # 对健康影响情况
    advice: str  # 建议采取的措施

    @property
    def hex(self) -> str:
        return "#{:02X}{:02X}{:02X}".format(*self.rgb)

    @property
    def short(self) -> str:
        """CNEMC's compressed first half of a range: 轻度污染 → 轻 (轻至中度污染)."""
        return self.name[0] if self.name.endswith("度污染") else self.name


LEVELS: tuple[Level, ...] = (
    Level(
        1,
        "优",
        "一级",
        "绿色",
        (0, 228, 0),
        0,
        50,
        "空气质量令人满意，基本无空气污染",
        "各类人群可正常活动",
    ),
    Level(
        2,
        "良",
        "二级",
        "黄色",
        (255, 255, 0),
        51,
        100,
        "空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响",
        "极少数异常敏感人群应减少户外活动",
    ),
    Level(
        3,
        "轻度污染",
        "三级",
        "橙色",
        (255, 126, 0),
        101,
        150,
        "易感人群症状有轻度加剧，健康人群出现刺激症状",
        "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼",
    ),
    Level(
        4,
        "中度污染",
        "四级",
        "红色",
        (255, 0, 0),
        151,
        200,
        "进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响",
        "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻练，一般人群适量减少户外运动",
    ),
    Level(
        5,
        "重度污染",
        "五级",
        "紫色",
        (153, 0, 76),
        201,
        300,
        "心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
        "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动",
    ),
    Level(
        6,
        "严重污染",
        "六级",
        "褐红色",
        (126, 0, 35),
        301,
        500,
        "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
        "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动",
    ),
)

AQI_MAX = 500
_BY_NAME = {level.name: level for level in LEVELS}
# Every way a range is written in the wild: 良至轻度污染, 良到轻度污染, 良—轻度污染, 良-轻度污染.
_RANGE = re.compile(r"^(.+?)\s*(?:至|到|—|–|-|~|～)\s*(.+)$")

# Canonical ASCII name → the name followers read.
POLLUTANTS = {
    "PM2.5": "细颗粒物(PM2.5)",
    "PM10": "可吸入颗粒物(PM10)",
    "O3": "臭氧(O3)",
    "NO2": "二氧化氮(NO2)",
    "SO2": "二氧化硫(SO2)",
    "CO": "一氧化碳(CO)",
}
_POLLUTANT_ALIASES = {
    "pm2.5": "PM2.5",
    "pm25": "PM2.5",
    "细颗粒物": "PM2.5",
    "pm10": "PM10",
    "可吸入颗粒物": "PM10",
    "o3": "O3",
    "o3_8h": "O3",
    "o3-8h": "O3",
    "o38h": "O3",
    "臭氧": "O3",
    "臭氧8小时": "O3",
    "no2": "NO2",
    "二氧化氮": "NO2",
    "so2": "SO2",
    "二氧化硫": "SO2",
    "co": "CO",
    "一氧化碳": "CO",
}
NO_POLLUTANT = ("", "无", "—", "-", "--", "/", "none", "n/a")
_POLLUTANT_SPLIT = re.compile(r"[,，、;；/+＋和及\s]+")


def level(number: int) -> Level:
    """The level with this number (1..6)."""
    return LEVELS[number - 1]


def level_for_aqi(aqi: int) -> Level:
    """The level an AQI value falls in; bands are closed on the upper bound (50 is 优, 51 is 良)."""
    return next(lv for lv in LEVELS if aqi <= lv.aqi_hi)


def parse_level(text: str) -> tuple[int, int]:
    """'良至轻度污染' → (2, 3); '轻至中度污染' → (3, 4); '优' → (1, 1); else ValueError."""
    text = text.strip().replace(" ", "")
    if text in _BY_NAME:
        n = _BY_NAME[text].number
        return n, n
    match = _RANGE.match(text)
    if not match:
        raise ValueError(text)
    hi = _BY_NAME.get(match.group(2))
    lo = _BY_NAME.get(match.group(1)) or _expand_short(match.group(1), hi)
    if lo is None or hi is None or lo.number > hi.number:
        raise ValueError(text)
    return lo.number, hi.number


def _expand_short(first: str, hi: Level | None) -> Level | None:
    """Expand CNEMC's compressed first half: 轻/轻度 (至中度污染) → 轻度污染."""
    if hi is None or not hi.name.endswith("污染"):
        return None
    stem = first.removesuffix("度")
    return next((lv for lv in LEVELS if lv.name.endswith("度污染") and lv.short == stem), None)


def level_text(lo: int, hi: int) -> str:
    """(2, 3) → '良至轻度污染'; (3, 4) → '轻至中度污染' (CNEMC's compressed form); (1, 1) → '优'."""
    if lo == hi:
        return level(lo).name
    first, last = level(lo), level(hi)
    if first.name.endswith("度污染") and last.name.endswith("度污染"):
        return f"{first.short}至{last.name}"
    return f"{first.name}至{last.name}"


def parse_pollutants(text: str) -> tuple[str, ...]:
    """'PM2.5/O3' → ('PM2.5', 'O3'); '无' → (). Raise ValueError naming the unknown part."""
    cleaned = (
        text.strip()
        .lower()
        .replace("₂", "2")
        .replace("₃", "3")
        .replace("₅", "5")
        .replace("₁₀", "10")
    )
    if cleaned in NO_POLLUTANT:
        return ()
    found: list[str] = []
    for part in filter(None, _POLLUTANT_SPLIT.split(cleaned)):
        name = _POLLUTANT_ALIASES.get(part.strip("()（）"))
        if name is None:
            raise ValueError(part)
        if name not in found:
            found.append(name)
    return tuple(found)


def pollutant_names(codes: tuple[str, ...]) -> str:
    """('PM2.5', 'O3') → '细颗粒物(PM2.5)、臭氧(O3)'."""
    return "、".join(POLLUTANTS[c] for c in codes)
