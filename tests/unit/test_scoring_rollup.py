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


def test_member_counts_are_kept_in_a_key_that_reads_back_the_same():
    from server.scoring.area_totals import counts_of_members_key, members_key
    counts = {"gia_dinh": (120, 95), "cong_dan": (300, 0)}
    key = members_key(counts)
    assert key == "cong_dan=300/0;gia_dinh=120/95"  # sorted: the same counts give the same key
    assert counts_of_members_key(key) == counts and counts_of_members_key("") == {}
