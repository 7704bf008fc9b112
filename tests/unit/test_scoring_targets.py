"""server/scoring/targets.py: plan target tables read and checked, and progress computed by hand."""

from pathlib import Path

import pytest

from server.scoring.targets import Target, progress, read_targets
from server.tables import read_table

SHARED_TARGETS = Path(__file__).resolve().parents[3] / "shared" / "data" / "plan-targets.csv"
HEADER = "plan,area,area_level,year,indicator,population,target_percent,comparison,source_seed\n"


def table(text):
    return read_table(text.encode(), "text/csv", 1 << 20)


@pytest.mark.skipif(not SHARED_TARGETS.is_file(), reason="shared/data/plan-targets.csv is not beside the repository")
def test_the_shared_plan_targets_read_without_a_problem_and_keep_the_thai_binh_path():
    targets, problems = read_targets(read_table(SHARED_TARGETS.read_bytes(), "text/csv", 1 << 20))
    assert problems == [] and len(targets) == len(SHARED_TARGETS.read_text(encoding="utf-8").splitlines()) - 1
    path = sorted((target.year, target.target_percent) for target in targets
                  if target.area == "Thái Bình" and target.indicator == "GDHT")
    assert path == [(2022, 55), (2023, 60), (2024, 65), (2025, 70)]  # seeds: 55 → 60 → 65 → 70 %
    citizens = {target.population: target.target_percent for target in targets
                if target.area == "Thái Bình" and target.indicator == "CITIZEN"}
    assert citizens == {"people_in_gdht": 40, "people_in_dhht": 40, "people_in_cdht": 40, "people_in_dvht": 60}
    assert {target.area_level for target in targets} == {"province", "district"}  # "city" is a district's level


def test_a_row_is_read_with_its_level_normalised():
    [target], problems = read_targets(table(HEADER + "KH 29,Thái Bình,tinh,2025,gdht,households,70,>=,s.txt\n"))
    assert problems == []
    assert target == Target("KH 29", "Thái Bình", "province", None, 2025, "GDHT", "households", 70.0, ">=", "s.txt")


@pytest.mark.parametrize("row, column, says", [
    ("KH,Thái Bình,province,20x5,GDHT,households,70,>=,s", "year", "not a year"),
    ("KH,Thái Bình,province,2025,GDHT,households,170,>=,s", "target_percent", "0 to 100"),
    ("KH,Thái Bình,vung,2025,GDHT,households,70,>=,s", "area_level", "unknown level"),
    ("KH,Thái Bình,province,2025,GDHT,households,70,<=,s", "comparison", "expected one of"),
    ("KH,,province,2025,GDHT,households,70,>=,s", "area", "required"),
])
def test_a_bad_row_is_reported_with_its_row_and_column(row, column, says):
    targets, problems = read_targets(table(HEADER + "KH,Long An,province,2025,GDHT,households,80,>=,s\n" + row + "\n"))
    assert len(targets) == 1
    assert [(item["row"], item["column"]) for item in problems] == [(3, column)] and says in problems[0]["message"]


def test_a_table_without_the_columns_is_refused_whole():
    targets, problems = read_targets(table("khu_vuc,nam\nLong An,2025\n"))
    assert targets == [] and "missing column(s): plan, area, area_level" in problems[0]["message"]


TARGET = Target("KH", "Xã Một", "commune", "99001", 2026, "GDHT", "households", 70.0, ">=", "")


@pytest.mark.parametrize("target, counts, expected", [
    (TARGET, (10, 7), (10, 7, 70.0, 0.0, True, None)),
    (TARGET, (3, 2), (3, 2, 66.67, -3.33, False, None)),
    (TARGET._replace(comparison=">"), (10, 7), (10, 7, 70.0, 0.0, False, None)),
    (TARGET, (0, 0), (0, 0, None, None, None, "no results in this area and year")),
    (TARGET, None, (None, None, None, None, None, "the area is not in the administrative tree")),
    (TARGET._replace(indicator="CITIZEN", population="people_in_gdht"), (10, 9), (10, 9, 90.0, 20.0, True, None)),
    (TARGET._replace(indicator="CITIZEN", population="workers_in_gdht_cdht"), (10, 4),
     (10, 4, 40.0, -30.0, False, "workers taken as the citizens evaluated")),
    (TARGET._replace(indicator="CITIZEN_DIGITAL_SKILLS", population="citizens_recognised"), (10, 9),
     (None, None, None, None, None, "the results do not give the share of citizens_recognised for "
                                    "CITIZEN_DIGITAL_SKILLS")),
    (TARGET._replace(indicator="CITIZEN", population="citizens"), (4, 1), (4, 1, 25.0, -45.0, False, None)),
])
def test_progress_against_a_target(target, counts, expected):
    assert tuple(progress(target, counts))[1:] == expected


def test_citizen_targets_say_among_whose_members_they_count():
    from server.scoring.targets import counted_as
    assert counted_as(TARGET) == ("gia_dinh", ())
    assert counted_as(TARGET._replace(indicator="CITIZEN", population="citizens")) == ("cong_dan", ())
    assert counted_as(TARGET._replace(indicator="CITIZEN", population="people_in_dvht")) == ("cong_dan", ("don_vi",))
    assert counted_as(TARGET._replace(indicator="CITIZEN", population="adults_in_gdht_dhht_cdht")) == (
        "cong_dan", ("gia_dinh", "dong_ho", "cong_dong"))
    assert counted_as(TARGET._replace(indicator="CITIZEN", population="tourists")) is None
