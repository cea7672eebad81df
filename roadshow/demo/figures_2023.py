"""The demo's 2023 figures: each project's origin and industrial flag, and the months in which its money
arrived and its fixed assets were formed — so that the year's official figures read as the district's own
summary does: 38.01 亿元 in place in out-of-province projects of over 1 亿元 each, 3.19 亿元 of fixed-asset
investment formed by industrial projects.

The money of each out-of-province project of 1 亿元 or more arrives in full during 2023, from the month after it
was signed, in the shares below; fixed assets form from the month after construction started.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..models import Origin

# Projects that are industrial (工业项目): manufacturing, not services, tourism, care or logistics.
INDUSTRIAL = {
    "沐轩智能生产基地", "质达 2GWh 钠离子电芯 + 2GWh PACK 项目", "科沛达半导体清洗设备项目",
    "旭火 5G 光纤设备生产线", "淮雅门窗项目", "淮南牛肉汤预制菜中央厨房",
    "长三角新能源汽车零部件产业园", "智能家电核心部件生产基地", "生物医药研发生产中试平台",
    "高性能铝合金新材料项目", "淮南牛肉汤标准化生产线", "八公山豆制品精深加工扩建项目",
    "清真牛肉预制菜加工项目", "新能源汽车线束配套项目", "智能小家电组装基地",
    "分布式光伏屋顶项目", "储能电池回收利用项目", "改性塑料新材料项目",
    "医疗器械消毒耗材生产项目", "风电装备零部件加工项目", "智能门锁生产线",
    "氢能装备制造项目",
}

# Fixed-asset investment formed in 2023 (万元) by the industrial projects that had started: 3.19 亿元.
FIXED_ASSETS_2023 = {
    "质达 2GWh 钠离子电芯 + 2GWh PACK 项目": Decimal("12000.00"),
    "科沛达半导体清洗设备项目": Decimal("4000.00"),
    "旭火 5G 光纤设备生产线": Decimal("5500.00"),
    "淮雅门窗项目": Decimal("2400.00"),
    "长三角新能源汽车零部件产业园": Decimal("5000.00"),
    "高性能铝合金新材料项目": Decimal("1500.00"),
    "淮南牛肉汤标准化生产线": Decimal("1500.00"),
}

OVER_100M_WAN = Decimal(10000)  # 1 亿元
SHARES = (Decimal("0.5"), Decimal("0.3"), Decimal("0.2"))  # of what arrives, month after month


def origin(out_of_province: bool, city: str | None) -> Origin:
    if out_of_province:
        return Origin.out_of_province
    return Origin.local if city == "淮南市" else Origin.in_province


def _months_after(day: date, count: int) -> list[date]:
    """Up to `count` months from the one after `day`, not past December 2023 (the last takes the rest)."""
    months = []
    year, month = day.year, day.month
    for _ in range(count):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if year > 2023:
            break
        months.append(date(year, month, 1))
    return months or [date(2023, 12, 1)]


def spread(total: Decimal, after: date) -> list[tuple[date, Decimal]]:
    """`total` spread over the months after `after` in SHARES, to the fen; the last month takes the rest."""
    months = _months_after(after, len(SHARES))
    parts = [(total * share).quantize(Decimal("0.01")) for share in SHARES[:len(months) - 1]]
    parts.append(total - sum(parts, Decimal(0)))
    return list(zip(months, parts, strict=True))
