"""server/scoring/rules/engine.py: a subject's answers scored under a rule set, with golden cases computed by hand.

Rule sets come from markdown workbooks (as in test_scoring_rules.py) and from the real criteria workbooks in
xlsforms/; every expected total, band and level below was worked out by hand from the rules' text.
"""

import openpyxl
import pytest

from server.forms.build import XLSFORM_DIR
from server.scoring.rules.engine import explain_score, score_subject
from server.scoring.rules.reader import rules_of_sheets as read_rules
from server.scoring.rules.workbook import read_scoring_sheets
from tests.unit.test_scoring_rules import parse_markdown, tables

# Bands of Thông tư 22/2020/TT-BGDĐT (Tốt ≥ 85, Khá ≥ 70, Trung bình ≥ 50) over a total read from one field.
BANDS = """
| scoring     |           |           |       |        |                  |       |          |
|             | criterion | indicator | label | points | score            | status| note     |
|             | TC1       |           | Điểm  | 100    |                  | provisional | thử |
|             |           | 1.1       | Điểm  | 100    | ${diem}          | provisional | thử |
| recognition |           |           |       |        |                  |       |          |
|             | type      | name      | value | label  | recognised       |       |          |
|             | model     |           | don_vi|        |                  |       |          |
|             | ruleset   |           | tt22-2020 |    |                  |       |          |
|             | style     |           | points|        |                  |       |          |
|             | total     |           | 100   |        |                  |       |          |
|             | subject   |           | ${don_vi} |    |                  |       |          |
|             | band      | tot       | 85    | Tốt    | yes              |       |          |
|             | band      | kha       | 70    | Khá    | yes              |       |          |
|             | band      | trung_binh| 50    | Trung bình | yes          |       |          |
|             | band      | khong_dat | 0     | Không đạt | no            |       |          |
"""

# docs/xlsform-scoring.md, example A (points and bands).
EXAMPLE_A = """
| scoring     |           |           |                        |                     |        |                                                              |                   |           |             |                                                   |             |      |
|             | criterion | indicator | label::Tiếng Việt (vi) | label::English (en) | points | condition                                                    | score             | mandatory | evidence    | reason::Tiếng Việt (vi)                           | status      | note |
|             | TC1       |           | Học tập của người dân  | Learning            | 60     |                                                              |                   |           |             |                                                   | provisional | ví dụ |
|             |           | 1.1       | Người lớn biết chữ     | Adults are literate | 40     | ${so_nguoi_lon} = 0 or ${so_biet_chu} >= 0.9 * ${so_nguoi_lon} |                 | yes       |             | Mới có ${so_biet_chu}/${so_nguoi_lon} người lớn biết chữ | provisional | ví dụ |
|             | TC1       | 1.2       | Lớp học trong năm      | Classes this year   | 20     |                                                              | ${so_lop_hoc} * 5 |           |             |                                                   | provisional | ví dụ |
|             | TC2       |           | Điều kiện học tập      | Conditions          | 40     |                                                              |                   |           |             |                                                   | provisional | ví dụ |
|             |           | 2.1       | Có tủ sách cộng đồng   | A community bookshelf | 40   | ${tu_sach} = 'co'                                            |                   |           | anh_tu_sach | Chưa có tủ sách                                   | provisional | ví dụ |
| recognition |           |           |                        |                     |        |                                                              |                   |           |             |                                                   |             |      |
|             | type      | name      | value                  | label               | recognised |  condition                                                | applies_to        |           |             |                                                   |             |      |
|             | model     |           | cong_dong              |                     |        |                                                              |                   |           |             |                                                   |             |      |
|             | ruleset   |           | vi-du-a                |                     |        |                                                              |                   |           |             |                                                   |             |      |
|             | style     |           | points                 |                     |        |                                                              |                   |           |             |                                                   |             |      |
|             | total     |           | 100                    |                     |        |                                                              |                   |           |             |                                                   |             |      |
|             | subject   |           | ${thon}                |                     |        |                                                              |                   |           |             |                                                   |             |      |
|             | band      | tot       | 85                     | Tốt                 | yes    |                                                              |                   |           |             |                                                   |             |      |
|             | band      | kha       | 70                     | Khá                 | yes    |                                                              |                   |           |             |                                                   |             |      |
|             | band      | trung_binh| 50                     | Trung bình          | yes    |                                                              |                   |           |             |                                                   |             |      |
|             | band      | chua_dat  | 0                      | Chưa đạt            | no     |                                                              |                   |           |             |                                                   |             |      |
"""

# docs/xlsform-scoring.md, example B (levels 1–3), and a requirement that applies to every result.
EXAMPLE_B = """
| scoring     |           |           |                        |                        |                                               |       |             |      |
|             | criterion | indicator | label::Tiếng Việt (vi) | label::English (en)    | condition                                     | level | status      | note |
|             | TC1       |           | Điều kiện              | Conditions             |                                               |       | provisional | ví dụ |
|             |           | 1.1       | Có kế hoạch học tập    | A learning plan        | ${ke_hoach} = 'co'                            | 1     | provisional | ví dụ |
|             |           | 1.2       | Ít nhất 2 hình thức    | At least 2 ways        | count-selected(${hinh_thuc}) >= 2             | 2     | provisional | ví dụ |
|             | TC2       |           | Kết quả                | Results                |                                               |       | provisional | ví dụ |
|             |           | 2.1       | 90% hoàn thành bồi dưỡng | 90% complete training | ${so_tv_hoan_thanh} >= 0.9 * ${so_thanh_vien} | 1     | provisional | ví dụ |
|             |           | 2.2       | Có học trực tuyến      | Online learning        | selected(${hinh_thuc}, 'truc_tuyen')          | 3     | provisional | ví dụ |
| recognition |           |           |                        |                        |                                               |       |             |      |
|             | type      | name      | value                  | label::Tiếng Việt (vi) | condition                                     | recognised | applies_to | status | note |
|             | model     |           | don_vi                 |                        |                                               |       |             |      |
|             | ruleset   |           | vi-du-b                |                        |                                               |       |             |      |
|             | style     |           | levels                 |                        |                                               |       |             |      |
|             | subject   |           | ${don_vi}              |                        |                                               |       |             |      |
|             | level     | muc_1     | 1                      | Mức độ 1               |                                               | yes   |             |      |
|             | level     | muc_2     | 2                      | Mức độ 2               |                                               | yes   |             |      |
|             | level     | muc_3     | 3                      | Mức độ 3               |                                               | yes   |             |      |
|             | require   | ty_le_cdht |                       | Ít nhất 90% thành viên là Công dân học tập | share_recognised('cong_dan') >= 0.9 | | muc_3 | provisional | ví dụ |
|             | require   | co_bao_cao |                       | Có báo cáo tự đánh giá | ${bao_cao} = 'co'                             |       |             | provisional | ví dụ |
"""


def rules_from(markdown, fields):
    return read_rules(tables(parse_markdown(markdown)), field_names=set(fields))


def rules_from_workbook(name):
    path = XLSFORM_DIR / name
    survey = openpyxl.load_workbook(path, read_only=True)["survey"]
    header, *rows = list(survey.iter_rows(values_only=True))
    fields = {row[header.index("name")] for row in rows if row[header.index("name")]}
    return read_rules(read_scoring_sheets(path.read_bytes(), "xlsx"), field_names=fields)


@pytest.mark.parametrize("diem, total, band, recognised", [
    ("100", 100, "tot", True),
    ("85", 85, "tot", True),  # Thông tư 22/2020: 85 is Tốt…
    ("84", 84, "kha", True),  # …and 84 is Khá
    ("84.9999999999", 85, "tot", True),  # a sum of decimals that is 85 in all but rounding
    ("70", 70, "kha", True),
    ("69.5", 69.5, "trung_binh", True),
    ("50", 50, "trung_binh", True),
    ("49", 49, "khong_dat", False),
    ("-5", 0, "khong_dat", False),  # a score is clamped to 0…points
    ("250", 100, "tot", True),
    ("", 0, "khong_dat", False),  # unanswered earns nothing
    ("abc", 0, "khong_dat", False),
])
def test_band_boundaries_of_circular_22(diem, total, band, recognised):
    score = score_subject(rules_from(BANDS, {"diem", "don_vi"}), {"diem": diem})
    assert (score.total, score.result, score.recognised) == (total, band, recognised)
    assert score.level is None and score.max_total == 100


EXAMPLE_A_FIELDS = {"thon", "so_nguoi_lon", "so_biet_chu", "so_lop_hoc", "tu_sach", "anh_tu_sach"}


@pytest.mark.parametrize("answers, total, band, recognised, unmet", [
    # 9 of 10 adults read (40, mandatory met), 4 classes (20), a bookshelf (40)
    ({"so_nguoi_lon": "10", "so_biet_chu": "9", "so_lop_hoc": "4", "tu_sach": "co"}, 100, "tot", True, []),
    # 3 classes earn 15 of 20: 95, still Tốt, with 1.2 explained
    ({"so_nguoi_lon": "10", "so_biet_chu": "9", "so_lop_hoc": "3", "tu_sach": "co"}, 95, "tot", True, ["1.2"]),
    # a hamlet without adults counts 1.1 as met; no bookshelf: 40 + 20 = 60, Trung bình
    ({"so_nguoi_lon": "0", "so_biet_chu": "0", "so_lop_hoc": "6", "tu_sach": "khong"}, 60, "trung_binh", True, ["2.1"]),
    # 8 of 10 read: the mandatory 1.1 fails, so 60 points are not recognised
    ({"so_nguoi_lon": "10", "so_biet_chu": "8", "so_lop_hoc": "4", "tu_sach": "co"}, 60, "trung_binh", False, ["1.1"]),
    # nothing answered: 1.1 (NaN >= NaN) fails, 0 points
    ({}, 0, "chua_dat", False, ["1.1", "1.2", "2.1"]),
])
def test_example_a_golden_cases(answers, total, band, recognised, unmet):
    rules = rules_from(EXAMPLE_A, EXAMPLE_A_FIELDS)
    score = score_subject(rules, answers)
    assert (score.total, score.result, score.recognised) == (total, band, recognised)
    assert [reason.code for reason in explain_score(rules, score, answers)] == unmet
    assert score.mandatory_met == ("1.1" not in unmet)
    assert sum(score.criterion_points) == total and sum(score.points) == total


def test_reasons_are_readable_in_both_languages_with_the_answers_and_the_evidence():
    rules, answers = rules_from(EXAMPLE_A, EXAMPLE_A_FIELDS), {"so_nguoi_lon": "3", "so_biet_chu": "2",
                                                                 "so_lop_hoc": "1", "tu_sach": "khong"}
    by_code = {reason.code: reason for reason in explain_score(rules, score_subject(rules, answers), answers)}
    assert by_code["1.1"].text["vi"] == "Chỉ tiêu bắt buộc 1.1 không đạt: Mới có 2/3 người lớn biết chữ"
    assert by_code["1.1"].text["en"] == "Mandatory indicator 1.1 not met: Mới có 2/3 người lớn biết chữ"
    assert by_code["1.1"].blocks_recognition
    assert by_code["1.2"].text["vi"] == "Chỉ tiêu 1.2 mới được 5/20 điểm: Lớp học trong năm"
    assert by_code["1.2"].text["en"] == "Indicator 1.2 earned 5 of 20 points: Classes this year"
    assert by_code["2.1"].evidence == ("anh_tu_sach",) and not by_code["2.1"].blocks_recognition
    assert by_code["2.1"].text["en"] == "Indicator 2.1 not met: Chưa có tủ sách"  # the workbook's only reason text


def test_an_unanswered_placeholder_shows_an_ellipsis():
    rules, answers = rules_from(EXAMPLE_A, EXAMPLE_A_FIELDS), {"so_nguoi_lon": "4"}
    reasons = explain_score(rules, score_subject(rules, answers), answers)
    assert reasons[0].text["vi"].endswith("Mới có …/4 người lớn biết chữ")


EXAMPLE_B_FIELDS = {"don_vi", "ke_hoach", "hinh_thuc", "so_thanh_vien", "so_tv_hoan_thanh", "bao_cao"}
LEVEL_1 = {"ke_hoach": "co", "hinh_thuc": "truc_tiep", "so_thanh_vien": "20", "so_tv_hoan_thanh": "18", "bao_cao": "co"}


@pytest.mark.parametrize("answers, rollups, result, level, recognised, unmet", [
    (LEVEL_1, None, "muc_1", 1, True, ["1.2", "2.2"]),
    ({**LEVEL_1, "hinh_thuc": "truc_tiep tu_hoc"}, None, "muc_2", 2, True, ["2.2"]),
    # every indicator met, but no member results yet: level 3 waits for the requirement
    ({**LEVEL_1, "hinh_thuc": "truc_tiep truc_tuyen"}, None, "muc_2", 2, True, ["ty_le_cdht"]),
    ({**LEVEL_1, "hinh_thuc": "truc_tiep truc_tuyen"}, {("share_recognised", "cong_dan"): 0.85}, "muc_2", 2, True,
     ["ty_le_cdht"]),
    ({**LEVEL_1, "hinh_thuc": "truc_tiep truc_tuyen"}, {("share_recognised", "cong_dan"): 0.9}, "muc_3", 3, True, []),
    # level 3's indicator met but a level 1 one not: no level at all (levels are cumulative)
    ({**LEVEL_1, "ke_hoach": "khong", "hinh_thuc": "truc_tiep truc_tuyen"}, {("share_recognised", "cong_dan"): 1},
     None, None, False, ["1.1"]),
    # the requirement without applies_to holds back recognition whatever the level
    ({**LEVEL_1, "bao_cao": "khong"}, None, "muc_1", 1, False, ["1.2", "2.2", "co_bao_cao"]),
])
def test_example_b_levels_are_cumulative_and_requirements_gate_them(answers, rollups, result, level, recognised, unmet):
    rules = rules_from(EXAMPLE_B, EXAMPLE_B_FIELDS)
    score = score_subject(rules, answers, rollups)
    assert (score.result, score.level, score.recognised, score.total) == (result, level, recognised, None)
    assert [reason.code for reason in explain_score(rules, score, answers, rollups)] == unmet


def test_a_requirement_without_member_results_says_so():
    rules, answers = rules_from(EXAMPLE_B, EXAMPLE_B_FIELDS), {**LEVEL_1, "hinh_thuc": "truc_tiep truc_tuyen"}
    score = score_subject(rules, answers)
    assert score.held_back_by == ("ty_le_cdht",)
    [reason] = explain_score(rules, score, answers)
    assert reason.kind == "requirement" and not reason.blocks_recognition
    assert reason.text["vi"] == ("Chưa đạt điều kiện công nhận: Ít nhất 90% thành viên là Công dân học tập "
                                 "(chưa có kết quả của các thành viên)")
    assert reason.text["en"].startswith("Recognition requirement not met: Ít nhất 90%")


# Thông tư 22/2020/TT-BGDĐT as encoded in xlsforms/don_vi_hoc_tap.xlsx: 1.1–1.3 10 points each, 2.1 10, 2.2 5,
# 2.3 10, 2.4 5, 3.1 25, 3.2 10, 3.3 5 (100 in all).
UNIT_ALL_MET = {"ke_hoach_hoc_tap": "co", "quy_dinh_khuyen_khich": "co", "dau_tu_nguon_luc": "co",
                "so_thanh_vien": "40", "so_tv_ke_hoach_tu_hoc": "40", "so_tv_chap_hanh": "40",
                "so_tv_hoan_thanh_bd": "40", "so_tv_ldtt": "40", "so_tv_cdht": "40", "chia_se_tri_thuc": "co",
                "tap_the_ldtt": "co"}


@pytest.mark.parametrize("changes, total, band, unmet", [
    ({}, 100, "tot", []),
    ({"ke_hoach_hoc_tap": "khong", "so_tv_ldtt": "39"}, 85, "tot", ["1.1", "2.4"]),  # 100 − 10 − 5
    ({"ke_hoach_hoc_tap": "khong", "so_tv_ldtt": "39", "tap_the_ldtt": "khong"}, 80, "kha", ["1.1", "2.4", "3.3"]),
    ({"so_tv_cdht": "39", "chia_se_tri_thuc": "khong"}, 65, "trung_binh", ["3.1", "3.2"]),  # 100 − 25 − 10
    ({"so_tv_cdht": "39", "chia_se_tri_thuc": "khong", "so_tv_chap_hanh": "0", "tap_the_ldtt": "khong",
      "dau_tu_nguon_luc": "khong"}, 45, "khong_dat", ["1.3", "2.2", "3.1", "3.2", "3.3"]),  # 65 − 5 − 5 − 10
])
def test_circular_22_unit_workbook_golden_cases(changes, total, band, unmet):
    rules, answers = rules_from_workbook("don_vi_hoc_tap.xlsx"), {**UNIT_ALL_MET, **changes}
    score = score_subject(rules, answers)
    assert (score.ruleset_id, score.kind, score.total, score.result) == ("tt22-2020", "don_vi", total, band)
    assert score.recognised == (band != "khong_dat")
    assert [reason.code for reason in explain_score(rules, score, answers)] == unmet


BANDS_WITH_MEMBERS = (BANDS.rstrip() + """
|             | require   | ty_le_cdht |      | Ít nhất 90% thành viên là Công dân học tập | | share_recognised('cong_dan') >= 0.9 | tot |
""").replace("| recognised       |       |          |", "| recognised       | condition | applies_to |")


@pytest.mark.parametrize("diem, rollups, band, requirement_given", [
    ("90", {("share_recognised", "cong_dan"): 0.95}, "tot", False),
    ("90", {("share_recognised", "cong_dan"): 0.5}, "kha", True),  # Tốt held back by its requirement: Khá
    ("90", None, "kha", True),
    ("75", None, "kha", False),  # Tốt is out of reach anyway: its requirement is no reason
])
def test_a_band_requirement_holds_back_only_that_band(diem, rollups, band, requirement_given):
    score = score_subject(rules_from(BANDS_WITH_MEMBERS, {"diem", "don_vi"}), {"diem": diem}, rollups)
    assert score.result == band and score.recognised
    assert score.held_back_by == (("ty_le_cdht",) if requirement_given else ())
