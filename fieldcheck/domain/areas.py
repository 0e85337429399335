"""Areas made of Kemendagri regions: an office's, a registry clerk's.

A region code is a dotted path from the province down (32 Jawa Barat, 32.04 Kabupaten Bandung,
32.04.12 Dayeuhkolot), so a region lies within another when its code is the other's or begins
with it and a dot: 32.04.12 lies within 32.04, 32.041 does not, and 32 (the whole province) does
not lie within 32.04.
"""

from collections.abc import Iterable


def within(code: str, region: str) -> bool:
    """Whether the region `code` is `region` or lies below it."""
    return code == region or code.startswith(region + ".")


def outside(codes: Iterable[str], area: Iterable[str]) -> list[str]:
    """The codes that lie within none of the area's regions, in the order given; an empty area
    holds nothing, so then every code is outside."""
    area = list(area)
    return [code for code in codes if not any(within(code, region) for region in area)]
