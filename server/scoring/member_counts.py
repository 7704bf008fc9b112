"""Member counts: how many of a subject's members of each kind were evaluated and recognised, the values its
rules read from them (share_recognised('gia_dinh'), count_members(…), count_recognised(…)), and the form they
are kept in beside a rolled-up result (models.MemberScore). A pure module.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import NamedTuple


class MemberCount(NamedTuple):
    evaluated: int
    recognised: int


NO_MEMBERS = MemberCount(0, 0)
ROLLUP_FUNCTIONS = ("share_recognised", "count_members", "count_recognised")


def rollup_values(referenced: Iterable[tuple], counts: Mapping[str, MemberCount]) -> dict:
    """{(function, kind): value} for the roll-ups a rule set reads, from its members' counts per kind.
    share_recognised is None (no data: NaN to the engine) when no member was evaluated."""
    return {(function, kind): _rollup_value(function, counts.get(kind, NO_MEMBERS)) for function, kind in referenced}


def _rollup_value(function: str, count: MemberCount) -> float | int | None:
    if function == "share_recognised":
        return count.recognised / count.evaluated if count.evaluated else None
    return count.evaluated if function == "count_members" else count.recognised


def counts_to_json(counts: Mapping[str, MemberCount]) -> dict:
    """{kind: {"evaluated": n, "recognised": m}}, kinds sorted: as kept and as the API shows them."""
    return {kind: {"evaluated": count.evaluated, "recognised": count.recognised}
            for kind, count in sorted(counts.items())}


def counts_from_json(data: Mapping[str, Mapping[str, int]]) -> dict:
    """The counts of counts_to_json."""
    return {kind: MemberCount(int(count["evaluated"]), int(count["recognised"])) for kind, count in data.items()}


def counts_digest(counts: Mapping[str, MemberCount]) -> str:
    """A fixed-length key of the counts, for the database to keep one member score per result and counts."""
    text = json.dumps(counts_to_json(counts), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
