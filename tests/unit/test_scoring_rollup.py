"""server/scoring/area_totals.py: counted results summed up the administrative tree, by hand on a small province."""

import pytest

from server.scoring.area_totals import AreaRow, summarise, summarise_all

# Province 99 (two tiers) with a legacy district 990 that still holds commune 99001; 99002 has none.
AREAS = [AreaRow(1, "99", "Tỉnh Thử", "province", None, None),
         AreaRow(2, "990", "Huyện Cũ", "district", 1, None),
         AreaRow(3, "99001", "Xã Một", "commune", 1, 2),
         AreaRow(4, "99002", "Xã Hai", "commune", 1, None),
         AreaRow(5, "99001-01", "Thôn Đông", "hamlet", 3, None),
         AreaRow(6, "99001-02", "Thôn Tây", "hamlet", 3, None),
         AreaRow(7, "99002-01", "Thôn Nam", "hamlet", 4, None)]
RESULTS = [("gia_dinh", "99001-01", 2, 1), ("gia_dinh", "99001-02", 1, 1), ("cong_dan", "99002-01", 2, 2),
           ("gia_dinh", "khong-co", 1, 1)]  # (model, area code, evaluated, recognised)


def counts(summary, kind):
    found = next(count for count in summary.kinds if count.kind == kind)
    return found.evaluated, found.recognised, found.rate


@pytest.mark.parametrize("level, code, kind, expected", [
    ("province", "99", "gia_dinh", (3, 2, 2 / 3)),
    ("province", "99", "cong_dan", (2, 2, 1.0)),
    ("province", "99", "don_vi", (0, 0, None)),  # nothing evaluated: no data, not 0 %
    ("district", "990", "gia_dinh", (3, 2, 2 / 3)),  # the legacy district holds commune 99001
    ("district", "990", "cong_dan", (0, 0, None)),
    ("commune", "99001", "gia_dinh", (3, 2, 2 / 3)),
    ("commune", "99002", "gia_dinh", (0, 0, None)),
    ("commune", "99002", "cong_dan", (2, 2, 1.0)),
    ("hamlet", "99001-01", "gia_dinh", (2, 1, 0.5)),
    ("hamlet", "99001-02", "gia_dinh", (1, 1, 1.0)),
])
def test_results_count_for_their_area_and_every_area_above(level, code, kind, expected):
    [summary] = [summary for summary in summarise(RESULTS, AREAS, level) if summary.code == code]
    assert counts(summary, kind) == expected and summary.level == level


def test_every_area_of_the_level_is_listed_even_without_data():
    assert [summary.code for summary in summarise(RESULTS, AREAS, "commune")] == ["99001", "99002"]
    assert [summary.code for summary in summarise([], AREAS, "hamlet")] == ["99001-01", "99001-02", "99002-01"]
    assert all(count.rate is None for summary in summarise([], AREAS, "province") for count in summary.kinds)


def test_the_summary_of_everything_counts_results_outside_the_tree_too():
    total = summarise_all(RESULTS, AREAS)
    assert counts(total, "gia_dinh") == (4, 3, 0.75) and total.unplaced == 1


def test_member_counts_are_kept_as_structured_data_that_reads_back_the_same():
    from server.scoring.member_counts import MemberCount, counts_digest, counts_from_json, counts_to_json
    counts = {"gia_dinh": MemberCount(120, 95), "cong_dan": MemberCount(300, 0)}
    kept = counts_to_json(counts)
    assert kept == {"cong_dan": {"evaluated": 300, "recognised": 0}, "gia_dinh": {"evaluated": 120, "recognised": 95}}
    assert counts_from_json(kept) == counts and counts_from_json({}) == {}
    # the same counts give the same digest (one kept score per result and counts), other counts another
    assert counts_digest(dict(reversed(counts.items()))) == counts_digest(counts)
    assert counts_digest({"gia_dinh": MemberCount(120, 94)}) != counts_digest({"gia_dinh": MemberCount(120, 95)})


def test_the_migration_moves_kept_member_keys_to_the_counts_and_digest_the_server_reads():
    import importlib.util
    from pathlib import Path

    from server.scoring.member_counts import MemberCount, counts_digest, counts_from_json
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0010_member_counts.py"
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    counts = migration._counts("gia_dinh=4/3;cong_dan=12/9")
    assert counts_from_json(counts) == {"cong_dan": MemberCount(12, 9), "gia_dinh": MemberCount(4, 3)}
    assert migration._digest(counts) == counts_digest(counts_from_json(counts))
    assert migration._key(counts) == "cong_dan=12/9;gia_dinh=4/3"  # and back, for a downgrade
