"""Roll-ups: counted results summed up the administrative tree. A pure module over plain rows.

The counted results (one per subject and period) come summed per area they were evaluated in, usually a
hamlet, as (model, area code, evaluated, recognised). They count for that area and every area above it: the
parent chain (hamlet → commune → province) and, where a commune kept its legacy district, that district too.
For every area of the level asked and every model: how many subjects were evaluated, how many recognised, and
the rate. An area where nothing was
evaluated has rate None ("no data"), never 0%.
"""

from collections import defaultdict
from typing import NamedTuple

from .rules.ruleset import KIND_CODES

class MemberLink(NamedTuple):
    """How a member's result names the subject it is a member of: its area (a hamlet's members), or a property
    of its entity in the registries, or else of its household's entity (a citizen's `ho`; `dong_ho`)."""
    area: bool = False
    property: str | None = None


MEMBER_LINKS = {"cong_dong": MemberLink(area=True), "dong_ho": MemberLink(property="dong_ho"),
                "gia_dinh": MemberLink(property="ho"), "don_vi": MemberLink(property="don_vi")}
MEMBER_ORDER = ("gia_dinh", "don_vi", "dong_ho", "cong_dong")  # members are rolled up before who counts them


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


def summarise(results, areas, level):
    """AreaSummary for every area of `level`, from counted results summed as (model, area_code, evaluated,
    recognised)."""
    counts = counts_by_area(results, areas)
    return [AreaSummary(area.code, area.name, area.level,
                        tuple(_kind_count(kind, counts.get((area.code, kind))) for kind in KIND_CODES))
            for area in sorted(areas, key=lambda area: area.code) if area.level == level]


def counts_by_area(results, areas):
    """{(area code, model): (evaluated, recognised)} for every area with results in it or below it."""
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


def summarise_all(results, areas):
    """One AreaSummary of every counted result, placed in the tree or not (code None)."""
    counts, unplaced, codes = defaultdict(lambda: [0, 0]), 0, {area.code for area in areas}
    for kind, area_code, evaluated, recognised in results:
        counts[kind][0] += evaluated
        counts[kind][1] += recognised
        unplaced += evaluated if area_code not in codes else 0
    return AreaSummary(None, None, None, tuple(_kind_count(kind, counts.get(kind)) for kind in KIND_CODES), unplaced)


def self_and_above(area, by_id):
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


def members_key(counts):
    """The member counts a rolled-up result was scored with, as kept beside it: 'cong_dan=12/9;gia_dinh=4/3'
    ({member model: (evaluated, recognised)})."""
    return ";".join(f"{kind}={evaluated}/{recognised}" for kind, (evaluated, recognised) in sorted(counts.items()))


def counts_of_members_key(key):
    """{member model: (evaluated, recognised)} of a members_key."""
    counts = {}
    for part in filter(None, key.split(";")):
        kind, _, numbers = part.partition("=")
        evaluated, _, recognised = numbers.partition("/")
        counts[kind] = (int(evaluated), int(recognised))
    return counts


def member_rollups(referenced, counts):
    """{(function, model): value} for the roll-ups a rule set reads, from its members' (evaluated, recognised)
    per model. share_recognised is None (no data: NaN to the engine) when no member was evaluated."""
    values = {}
    for function, kind in referenced:
        evaluated, recognised = counts.get(kind, (0, 0))
        values[function, kind] = {"share_recognised": recognised / evaluated if evaluated else None,
                                   "count_members": evaluated, "count_recognised": recognised}[function]
    return values
