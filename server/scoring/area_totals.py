"""Area totals: counted results summed up the administrative tree. A pure module over plain rows.

The counted results (one per subject and period) come summed per area they were evaluated in, usually a
hamlet, as (kind, area code, evaluated, recognised). They count for that area and every area above it: the
parent chain (hamlet → commune → province) and, where a commune kept its legacy district, that district too.
For every area of the level asked and every subject kind: how many subjects were evaluated, how many recognised, and
the rate. An area where nothing was evaluated has rate None ("no data"), never 0%.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from ..subject_kinds import CODES as KIND_CODES


class AreaRow(NamedTuple):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    legacy_district_id: int | None


class KindCount(NamedTuple):
    kind: str
    evaluated: int
    recognised: int
    rate: float | None  # recognised / evaluated; None when nothing was evaluated


class AreaSummary(NamedTuple):
    code: str
    name: str
    level: str
    kinds: tuple  # ModelCount, in MODELS order
    unplaced: int = 0  # (the summary of everything) results whose area code is not in the tree


def summarise(results: Iterable[tuple], areas: Sequence[AreaRow], level: str) -> list[AreaSummary]:
    """AreaSummary for every area of `level`, from counted results summed as (kind, area_code, evaluated,
    recognised)."""
    counts = counts_by_area(results, areas)
    return [AreaSummary(area.code, area.name, area.level,
                        tuple(_kind_count(kind, counts.get((area.code, kind))) for kind in KIND_CODES))
            for area in sorted(areas, key=lambda area: area.code) if area.level == level]


def counts_by_area(results: Iterable[tuple], areas: Sequence[AreaRow]) -> dict[tuple[str, str], tuple]:
    """{(area code, kind): (evaluated, recognised)} for every area with results in it or below it."""
    by_id = {area.id: area for area in areas}
    by_code = {area.code: area for area in areas}
    above = {}
    counts = defaultdict(lambda: [0, 0])
    for kind, area_code, evaluated, recognised in results:
        area = by_code.get(area_code)
        if area is None:
            continue
        if area.id not in above:
            above[area.id] = self_and_above(area, by_id)
        for found in above[area.id]:
            count = counts[found.code, kind]
            count[0] += evaluated
            count[1] += recognised
    return {key: tuple(count) for key, count in counts.items()}


def summarise_all(results: Iterable[tuple], areas: Sequence[AreaRow]) -> AreaSummary:
    """One AreaSummary of every counted result, placed in the tree or not (code None)."""
    counts, unplaced, codes = defaultdict(lambda: [0, 0]), 0, {area.code for area in areas}
    for kind, area_code, evaluated, recognised in results:
        counts[kind][0] += evaluated
        counts[kind][1] += recognised
        unplaced += evaluated if area_code not in codes else 0
    return AreaSummary(None, None, None, tuple(_kind_count(kind, counts.get(kind)) for kind in KIND_CODES), unplaced)


def self_and_above(area: AreaRow, by_id: Mapping[int, AreaRow]) -> list[AreaRow]:
    """`area` and every area above it (parents and legacy districts), once each, nearest first."""
    found, pending = [], [area]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found.append(current)
        pending += [by_id[link] for link in (current.parent_id, current.legacy_district_id) if link in by_id]
    return found


def _kind_count(kind, count):
    evaluated, recognised = count or (0, 0)
    return KindCount(kind, evaluated, recognised, recognised / evaluated if evaluated else None)
