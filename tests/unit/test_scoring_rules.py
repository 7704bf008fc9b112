"""server/scoring/rules/reader.py (with cells, criteria, recognition): every check of the scoring-sheet format.

Workbooks are markdown tables as in pyxform's tests; each case edits a valid workbook and lists the
problems expected as (sheet, spreadsheet row, column, part of the message).
"""

import math

import pytest

from server.scoring.rules.reader import RulesError, Table
from server.scoring.rules.reader import rules_of_sheets as read_rules

FIELDS = {"ho": "string", "thon": "string", "nam": "int", "so_nguoi": "int", "biet_chu": "int", "tu_sach": "int",
          "anh": "binary", "chon": "string", "instanceID": "string"}

POINTS = """
| scoring     |           |           |                        |                     |        |                                   |                |           |          |                               |               |             |      |
|             | criterion | indicator | label::Tiếng Việt (vi) | label::English (en) | points | condition                         | score          | mandatory | evidence | reason::Tiếng Việt (vi)       | source        | status      | note |
|             | TC1       |           | Học tập                | Learning            | 60     |                                   |                |           |          |                               | TT22, Điều 5  | official    |      |
|             |           | 1.1       | Biết chữ               | Literate            | 40     | ${biet_chu} >= ${so_nguoi}        |                | yes       | anh      | Có ${biet_chu} người biết chữ |               | official    |      |
|             | TC1       | 1.2       | Tủ sách                | Bookshelf           | 20     |                                   | ${tu_sach} * 2 |           |          |                               |               | provisional | chưa có hướng dẫn |
|             | TC2       |           | Cộng đồng              | Community           | 40     |                                   |                |           |          |                               |               | official    |      |
|             |           | 2.1       | Thành viên             | Members             | 40     | count_members('cong_dan') >= 2    |                |           |          |                               |               | official    |      |
| recognition |           |           |                        |                     |        |                                   |                |           |          |                               |               |             |      |
|             | type      | name      | value                  | label               | condition                            | recognised | applies_to | source       | status   | note |
|             | model     |           | gia_dinh               |                     |                                      |            |            |              |          |      |
|             | ruleset   |           | tt22-2020              | Thông tư 22/2020    |                                      |            |            | TT22/2020/TT-BGDĐT | official |  |
|             | style     |           | points                 |                     |                                      |            |            |              |          |      |
|             | total     |           | 100                    |                     |                                      |            |            |              |          |      |
|             | subject   |           | ${ho}                  |                     |                                      |            |            |              |          |      |
|             | area      |           | ${thon}                |                     |                                      |            |            |              |          |      |
|             | period    |           | ${nam}                 |                     |                                      |            |            |              |          |      |
|             | band      | tot       | 85                     | Tốt                 |                                      | yes        |            |              |          |      |
|             | band      | kha       | 70                     | Khá                 |                                      | yes        |            |              |          |      |
|             | band      | tb        | 50                     | Trung bình          |                                      | no         |            |              |          |      |
|             | require   |           |                        | ≥ 90% công dân      | share_recognised('cong_dan') >= 0.9  |            | tot        |              | official |      |
"""

LEVELS = """
| scoring     |           |           |                 |                                    |       |       |          |
|             | criterion | indicator | label           | condition                          | level | status   | note     |
|             | TC1       |           | Học tập         |                                    |       | official |          |
|             |           | 1.1       | Lớp học         | ${so_nguoi} >= 1                   | 1     | official |          |
|             |           | 1.2       | Gia đình        | share_recognised('gia_dinh') >= 0.7 | 2    | official |          |
|             |           | 1.3       | Dòng họ         | count_recognised('dong_ho') >= 1   | 3     | official |          |
| recognition |           |           |                 |                                    |       |          |          |
|             | type      | name      | value           | label                              | recognised | condition | applies_to |
|             | model     |           | cong_dong       |                                    |       |          |          |
|             | ruleset   |           | tt24-2023       |                                    |       |          |          |
|             | style     |           | levels          |                                    |       |          |          |
|             | subject   |           | ${thon}         |                                    |       |          |          |
|             | level     | muc_1     | 1               | Mức 1                              | yes   |          |          |
|             | level     | muc_2     | 2               | Mức 2                              | yes   |          |          |
|             | level     | muc_3     | 3               | Mức 3                              | yes   |          |          |
|             | require   |           |                 | ≥ 90% công dân                     |       | share_recognised('cong_dan') >= 0.9 | muc_3 |
"""


def parse_markdown(markdown):
    """{sheet: [header cells, row cells, …]}; list index 0 is spreadsheet row 1."""
    sheets, current = {}, None
    for line in markdown.strip().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0]:
            current = sheets.setdefault(cells[0], [])
        else:
            current.append(cells[1:])
    return sheets


def tables(sheets):
    """Tables as server/scoring/rules/workbook.py makes them: every header in every row, empty rows left out."""
    made = {}
    for name, rows in sheets.items():
        headers = [header for header in rows[0] if header]
        records = []
        for number, cells in enumerate(rows[1:], start=2):
            record = {header: (cells[index] if index < len(cells) else "")
                      for index, header in enumerate(rows[0]) if header}
            if any(record.values()):
                records.append((number, record))
        made[name] = Table(tuple(headers), tuple(records))
    return made


def edited(base, *edits):
    """Apply edits: (sheet, row, column, value) sets a cell (a new column or row if needed);
    (sheet, row, None, None) empties a row; (sheet, None, column, None) removes a column."""
    sheets = parse_markdown(base)
    for sheet, row, column, value in edits:
        rows = sheets[sheet]
        if row is None:
            index = rows[0].index(column)
            sheets[sheet] = [cells[:index] + cells[index + 1:] for cells in rows]
        elif column is None:
            rows[row - 1] = [""] * len(rows[row - 1])
        elif row == 1:
            rows[0].append(column)
        else:
            if column not in rows[0]:
                rows[0].append(column)
            while len(rows) < row:
                rows.append([""] * len(rows[0]))
            cells = rows[row - 1]
            cells.extend([""] * (len(rows[0]) - len(cells)))
            cells[rows[0].index(column)] = value
    return tables(sheets)


def problems_of(sheets, fields=FIELDS):
    with pytest.raises(RulesError) as raised:
        read_rules(sheets, fields, fields)
    return raised.value.problems


def test_a_points_workbook_reads_into_a_rule_set():
    rules = read_rules(edited(POINTS), FIELDS, FIELDS)
    assert (rules.id, rules.kind, rules.style, rules.total) == ("tt22-2020", "gia_dinh", "points", 100.0)
    assert (rules.subject_field, rules.area_field, rules.period_field) == ("ho", "thon", "nam")
    assert (rules.label, rules.source, rules.status) == (
        {"default": "Thông tư 22/2020"}, "TT22/2020/TT-BGDĐT", "official")
    assert [(band.name, band.threshold, band.recognised, band.row) for band in rules.bands] == [
        ("tb", 50.0, False, 11), ("kha", 70.0, True, 10), ("tot", 85.0, True, 9)]
    assert [(c.code, c.points, c.row, c.label["en"]) for c in rules.criteria] == [
        ("TC1", 60.0, 2, "Learning"), ("TC2", 40.0, 5, "Community")]
    first, second, third = rules.indicators
    assert (first.code, first.criterion, first.points, first.mandatory, first.evidence, first.row) == (
        "1.1", "TC1", 40.0, True, ("anh",), 3)
    assert first.label == {"vi": "Biết chữ", "en": "Literate"}
    assert first.reason == {"vi": "Có ${biet_chu} người biết chữ"}
    assert first.condition.evaluate({"biet_chu": "4", "so_nguoi": "4"}, None) is True and first.score is None
    assert (second.criterion, second.status, second.note, second.mandatory) == (
        "TC1", "provisional", "chưa có hướng dẫn", False)
    assert second.score.evaluate({"tu_sach": "7"}, None) == 14.0 and second.condition is None
    assert third.condition.evaluate({}, {("count_members", "cong_dan"): 3}) is True
    requirement, = rules.requirements
    assert (requirement.name, requirement.applies_to, requirement.label, requirement.status, requirement.row) == (
        "", "tot", {"default": "≥ 90% công dân"}, "official", 12)
    assert rules.fields_referenced == {"biet_chu", "so_nguoi", "tu_sach"}
    assert rules.rollups_referenced == {("count_members", "cong_dan"), ("share_recognised", "cong_dan")}


def test_a_levels_workbook_reads_into_a_rule_set():
    rules = read_rules(edited(LEVELS), FIELDS)
    assert (rules.kind, rules.style, rules.total, rules.area_field, rules.period_field) == (
        "cong_dong", "levels", None, None, None)
    assert [(level.name, level.level, level.recognised) for level in rules.levels] == [
        ("muc_1", 1, True), ("muc_2", 2, True), ("muc_3", 3, True)]
    assert [(indicator.code, indicator.level, indicator.points) for indicator in rules.indicators] == [
        ("1.1", 1, None), ("1.2", 2, None), ("1.3", 3, None)]
    assert (rules.requirements[0].name, rules.requirements[0].applies_to) == ("", "muc_3")


def test_a_plain_form_has_no_rules():
    assert read_rules({}, FIELDS) is None
    assert read_rules({"survey": Table(("type",), ()), "choices": Table((), ())}, FIELDS) is None


@pytest.mark.parametrize("edits", [
    [("scoring", 3, "mandatory", "TRUE")],
    [("scoring", 3, "mandatory", "No")],
    [("recognition", 9, "recognised", "TRUE")],
    [("scoring", 2, "status", "Official")],
    [("scoring", 3, "level", "2")],  # a level is allowed, and ignored, in the points style
    [("scoring", 3, "evidence", "anh  chon")],
    [("scoring", 3, "reason::English (en)", "${biet_chu} of ${so_nguoi} can read")],
    [("scoring", 3, "points", "39.5"), ("scoring", 4, "points", "20.5")],
    [("scoring", 3, "condition", "selected(${chon}, 'co') or ${instanceID} != ''")],
    [("recognition", 7, None, None), ("recognition", 8, None, None)],  # area and period are optional
    [("recognition", 12, "applies_to", "")],
    [("recognition", 13, "type", "Require"), ("recognition", 13, "condition", "count_recognised('cong_dan') > 1")],
    [("scoring", 7, "criterion", "TC3"), ("scoring", 7, "label::English (en)", "Zero"), ("scoring", 7, "points", "0"),
     ("scoring", 7, "status", "official"), ("scoring", 8, "indicator", "3.1"), ("scoring", 8, "points", "0"),
     ("scoring", 8, "label::English (en)", "Zero"), ("scoring", 8, "condition", "true()"),
     ("scoring", 8, "status", "official")],
], ids=["mandatory-TRUE", "mandatory-No", "recognised-TRUE", "status-case", "level-in-points", "evidence-spaces",
        "english-reason", "decimal-points", "selected-and-meta", "no-area-period", "applies-to-all", "two-requires",
        "zero-point-criterion"])
def test_valid_variations(edits):
    assert read_rules(edited(POINTS, *edits), FIELDS, FIELDS) is not None


def test_headers_are_case_insensitive_and_languages_keep_their_code():
    sheets = parse_markdown(POINTS)
    sheets["scoring"][0] = ["::".join([base.upper(), *language]) for base, *language in
                            (header.split("::") for header in sheets["scoring"][0])]
    rules = read_rules(tables(sheets), FIELDS)
    assert rules.criteria[0].label == {"vi": "Học tập", "en": "Learning"}


P, R = "scoring", "recognition"
CASES = {
    "unknown-field": ([(P, 3, "condition", "${khong_co} >= 1")],
                      [(P, 3, "condition", "${khong_co} is not a field of the survey (at character 1 of")]),
    "bad-expression": ([(P, 3, "condition", "${biet_chu} >=")],
                       [(P, 3, "condition", "expected a value but found the end of the expression (at character 15")]),
    "bad-score": ([(P, 4, "score", "${tu_sach} * * 2")],
                  [(P, 4, "score", "expected a value but found '*' (at character 14")]),
    "points-text": ([(P, 3, "points", "bốn mươi")], [(P, 3, "points", "'bốn mươi' is not a number of 0 or more")]),
    "points-negative": ([(P, 3, "points", "-40")], [(P, 3, "points", "'-40' is not a number of 0 or more")]),
    "points-missing": ([(P, 3, "points", "")], [(P, 3, "points", "a number is required here")]),
    "criterion-sum": ([(P, 2, "points", "50")], [(P, 2, "points", "worth 50 points but its indicators add up to 60"),
                                                 (R, 5, "value", "add up to 90 points, but the total is 100")]),
    "total": ([(R, 5, "value", "90")],
              [(R, 5, "value", "the criteria on the scoring sheet add up to 100 points, but the total is 90")]),
    "total-zero": ([(R, 5, "value", "0")], [(R, 5, "value", "the total must be more than 0")]),
    "total-text": ([(R, 5, "value", "một trăm")], [(R, 5, "value", "'một trăm' is not a number")]),
    "total-missing": ([(R, 5, None, None)],
                      [(R, None, "type", "no 'total' row: the points style needs the declared total")]),
    "band-no-threshold": ([(R, 9, "value", "")], [(R, 9, "value", "a band needs its threshold: the minimum total")]),
    "band-bad-threshold": ([(R, 9, "value", "tám lăm")], [(R, 9, "value", "'tám lăm' is not a number")]),
    "band-name-twice": ([(R, 10, "name", "tot")], [(R, 10, "name", "the name 'tot' is used twice (first on row 9)")]),
    "band-no-name": ([(R, 10, "name", "")],
                     [(R, 10, "name", "a name (a short code such as tot or muc_1) is required")]),
    "band-threshold-twice": ([(R, 10, "value", "85")],
                             [(R, 10, "value", "the threshold 85 is used twice (first on row 9)")]),
    "band-over-total": ([(R, 9, "value", "120")], [(R, 9, "value", "the threshold 120 is more than the total 100")]),
    "band-recognised": ([(R, 9, "recognised", "có")], [(R, 9, "recognised", "write yes or no, not 'có'")]),
    "band-recognised-empty": ([(R, 9, "recognised", "")], [(R, 9, "recognised", "write yes or no")]),
    "no-bands": ([(R, 9, None, None), (R, 10, None, None), (R, 11, None, None), (R, 12, "applies_to", "")],
                 [(R, None, "type", "the points style needs at least one band row")]),
    "level-in-points": ([(R, 13, "type", "level"), (R, 13, "name", "muc_1"), (R, 13, "value", "1")],
                        [(R, 13, "type", "level rows belong to the levels style; this rule set's style is points")]),
    "status-missing": ([(P, 3, "status", "")], [(P, 3, "status", "the status is required: official or provisional")]),
    "status-criterion": ([(P, 2, "status", "")], [(P, 2, "status", "the status is required")]),
    "status-bad": ([(P, 3, "status", "chính thức")],
                   [(P, 3, "status", "write official or provisional, not 'chính thức'")]),
    "provisional-no-note": ([(P, 4, "note", "")], [(P, 4, "note", "a provisional rule needs a note saying why")]),
    "recognition-status-bad": ([(R, 12, "status", "draft")],
                               [(R, 12, "status", "write official or provisional, not 'draft'")]),
    "recognition-provisional": ([(R, 3, "status", "provisional")], [(R, 3, "note", "a provisional rule needs a note")]),
    "mandatory": ([(P, 3, "mandatory", "có")], [(P, 3, "mandatory", "write yes or no, not 'có'")]),
    "both": ([(P, 3, "score", "1")], [(P, 3, "score", "write either a condition or a score, not both")]),
    "neither": ([(P, 3, "condition", "")], [(P, 3, "condition", "the indicator needs a condition (or a score)")]),
    "indicator-twice": ([(P, 4, "indicator", "1.1")],
                        [(P, 4, "indicator", "the indicator 1.1 is declared twice (first on row 3)")]),
    "criterion-twice": ([(P, 5, "criterion", "TC1")],
                        [(P, 5, "criterion", "the criterion TC1 is declared twice (first on row 2)")]),
    "before-criterion": ([(P, 2, None, None)], [(P, 3, "indicator", "the indicator 1.1 comes before any criterion row"),
                                                (P, 4, "indicator", "the indicator 1.2 comes before any criterion row"),
                                                (R, 5, "value", "add up to 40 points, but the total is 100")]),
    "wrong-criterion": ([(P, 4, "criterion", "TC2")],
                        [(P, 4, "criterion", "the indicator 1.2 follows criterion TC1, not TC2")]),
    "no-indicators": ([(P, 6, None, None)], [(P, 5, "criterion", "the criterion TC2 has no indicator rows")]),
    "no-criteria": ([(P, row, None, None) for row in range(2, 7)],
                    [(P, None, "criterion", "the sheet has no criterion rows")]),
    "criterion-condition": ([(P, 2, "condition", "true()")],
                            [(P, 2, "condition", "condition belongs on the indicator rows")]),
    "neither-code": ([(P, 7, "label::English (en)", "stray")],
                     [(P, 7, "criterion", "the row has neither a criterion nor an indicator code")]),
    "label-missing": ([(P, 3, "label::Tiếng Việt (vi)", ""), (P, 3, "label::English (en)", "")],
                      [(P, 3, "label", "a label is required")]),
    "evidence-unknown": ([(P, 3, "evidence", "anh ${anh}")],
                         [(P, 3, "evidence", "'${anh}' is not a field of the survey (write field names without ${}")]),
    "reason-placeholder": ([(P, 3, "reason::Tiếng Việt (vi)", "Có ${so_nguoi_mu_chu} người mù chữ")],
                           [(P, 3, "reason::Tiếng Việt (vi)",
                             "the placeholder ${so_nguoi_mu_chu} names no field of the survey")]),
    "rollup-no-such-members": ([(P, 6, "condition", "count_members('dong_ho') >= 2")],
                               [(P, 6, "condition", "count_members('dong_ho') cannot be used here: the members of "
                                                    "this model are cong_dan (at character 1")]),
    "rollup-citizen": ([(R, 2, "value", "cong_dan")],
                       [(P, 6, "condition", "the members of this model are none: it has no members to roll up"),
                        (R, 12, "condition", "share_recognised('cong_dan') cannot be used here")]),
    "rollup-unknown-model": ([(P, 6, "condition", "1 + count_members('ho') >= 2")],
                             [(P, 6, "condition", "'ho' is not a model code; the codes are gia_dinh, dong_ho, "
                                                  "cong_dong, don_vi, cong_dan (at character 5")]),
    "selected-on-number": ([(P, 3, "condition", "selected(${so_nguoi}, 'a')")],
                           [(P, 3, "condition", "selected() reads a select question, but ${so_nguoi} is of type int")]),
    "model-missing": ([(R, 2, None, None)], [(R, None, "type", "no 'model' row: the sheet must declare the model")]),
    "model-unknown": ([(R, 2, "value", "ho_gia_dinh")],
                      [(R, 2, "value", "'ho_gia_dinh' is not a model; write one of gia_dinh, dong_ho")]),
    "ruleset-missing": ([(R, 3, None, None)], [(R, None, "type", "no 'ruleset' row")]),
    "ruleset-spaces": ([(R, 3, "value", "TT 22")], [(R, 3, "value", "the rule set needs an id without spaces")]),
    "style-missing": ([(R, 4, None, None)], [(R, None, "type", "no 'style' row")]),
    "style-unknown": ([(R, 4, "value", "diem")],
                      [(R, 4, "value", "'diem' is not a style; write one of points, levels")]),
    "style-twice": ([(R, 13, "type", "style"), (R, 13, "value", "points")],
                    [(R, 13, "type", "'style' is declared twice (first on row 4)")]),
    "subject-missing": ([(R, 6, None, None)], [(R, None, "type", "no 'subject' row")]),
    "subject-bare-name": ([(R, 6, "value", "ho")], [(R, 6, "value", "write the survey field as ${name}, not 'ho'")]),
    "subject-unknown": ([(R, 6, "value", "${ho_gd}")], [(R, 6, "value", "${ho_gd} is not a field of the survey")]),
    "period-empty": ([(R, 8, "value", "")], [(R, 8, "value", "write the survey field as ${name}")]),
    "type-unknown": ([(R, 11, "type", "bands")],
                     [(R, 11, "type", "'bands' is not a type; the types are model, ruleset")]),
    "type-missing": ([(R, 13, "name", "x")], [(R, 13, "type", "the type is missing")]),
    "applies-to-unknown": ([(R, 12, "applies_to", "xuat_sac")],
                           [(R, 12, "applies_to", "'xuat_sac' is not the name of a band on this sheet")]),
    "require-no-condition": ([(R, 12, "condition", "")], [(R, 12, "condition", "a require row needs a condition")]),
    "require-bad-condition": ([(R, 12, "condition", "share_recognised('cong_dan') >= ")],
                              [(R, 12, "condition",
                                "expected a value but found the end of the expression (at character 32")]),
    "column-missing": ([(P, None, "status", None)], [(P, 1, "status", "the column is missing")]),
    "points-column-missing": ([(P, None, "points", None)],
                              [(P, 1, "points", "the column is missing"),
                               (P, 4, "points", "an indicator with a score needs points: the most it can earn")]),
    "condition-columns-missing": ([(P, None, "condition", None), (P, None, "score", None)],
                                  [(P, 1, "condition",
                                    "the column is missing (each indicator needs a condition or a score)")]),
    "column-twice": ([(P, 1, "Points", "")], [(P, 1, "points", "the column appears twice")]),
    "recognition-columns": ([(R, None, "value", None)], [(R, 1, "value", "the column is missing")]),
    "long-expression": ([(P, 3, "condition", "${biet_chu} >= 1 or " * 250 + "true()")],
                        [(P, 3, "condition", "the expression is 5006 characters long; the limit is 2000")]),
    "deep-nesting": ([(P, 3, "condition", "(" * 200 + "1" + ")" * 200)],
                     [(P, 3, "condition", "the expression is nested too deeply (more than 32 levels")]),
}


@pytest.mark.parametrize("edits, expected", CASES.values(), ids=CASES.keys())
def test_problems_name_sheet_row_and_column(edits, expected):
    problems = problems_of(edited(POINTS, *edits))
    assert sorted((p.sheet, p.row or 0, p.column) for p in problems) == sorted(
        (sheet, row or 0, column) for sheet, row, column, _ in expected)
    for sheet, row, column, message in expected:
        assert any(p.message.count(message) for p in problems if (p.sheet, p.row, p.column) == (sheet, row, column)), (
            message, problems)


LEVEL_CASES = {
    "level-missing": ([(P, 3, "level", "")],
                      [(P, 3, "level", "the levels style needs a level (1, 2 or 3) on every indicator")]),
    "level-four": ([(P, 3, "level", "4")], [(P, 3, "level", "the level must be 1, 2 or 3, not '4'")]),
    "level-zero": ([(P, 3, "level", "0")], [(P, 3, "level", "the level must be 1, 2 or 3, not '0'")]),
    "level-undeclared": ([(R, 8, None, None), (R, 9, "applies_to", "muc_2")],
                         [(P, 5, "level", "level 3 is not declared on the recognition sheet (declared: 1, 2)")]),
    "level-value-twice": ([(R, 7, "value", "1")],
                          [(P, 4, "level", "level 2 is not declared on the recognition sheet (declared: 1, 3)"),
                                                   (R, 7, "value", "level 1 is declared twice (first on row 6)")]),
    "level-value-bad": ([(R, 7, "value", "hai")], [(R, 7, "value", "the level must be 1, 2 or 3, not 'hai'")]),
    "level-name-twice": ([(R, 7, "name", "muc_1")],
                         [(R, 7, "name", "the name 'muc_1' is used twice (first on row 6)")]),
    "no-levels": ([(R, row, None, None) for row in (6, 7, 8)] + [(R, 9, "applies_to", "")],
                  [(R, None, "type", "the levels style needs at least one level row")]),
    "band-in-levels": ([(R, 10, "type", "band"), (R, 10, "name", "tot"), (R, 10, "value", "85")],
                       [(R, 10, "type", "band rows belong to the points style; this rule set's style is levels")]),
    "applies-to-band-name": ([(R, 9, "applies_to", "tot")],
                             [(R, 9, "applies_to", "'tot' is not the name of a level on this sheet")]),
    "level-column-missing": ([(P, None, "level", None)], [(P, 1, "level", "the column is missing")]),
    "score-without-points": ([(P, 3, "condition", ""), (P, 3, "score", "${so_nguoi}")],
                             [(P, 3, "points", "an indicator with a score needs points")]),
    "rollup-not-a-member": ([(P, 4, "condition", "share_recognised('don_vi') >= 0.7")],
                            [(P, 4, "condition", "the members of this model are gia_dinh, dong_ho, cong_dan")]),
}


@pytest.mark.parametrize("edits, expected", LEVEL_CASES.values(), ids=LEVEL_CASES.keys())
def test_levels_style_problems(edits, expected):
    problems = problems_of(edited(LEVELS, *edits))
    expected_places = [(sheet, row, column) for sheet, row, column, _ in expected]
    assert [(p.sheet, p.row, p.column) for p in problems] == expected_places
    assert all(message in p.message for p, (*_, message) in zip(problems, expected)), problems


@pytest.mark.parametrize("present, missing", [("scoring", "recognition"), ("recognition", "scoring")])
def test_a_workbook_with_only_one_of_the_sheets_is_refused(present, missing):
    sheets = {name: table for name, table in edited(POINTS).items() if name == present}
    problem, = problems_of(sheets)
    assert (problem.sheet, problem.row, problem.column) == (missing, None, None)
    assert problem.message == (f"the workbook has a '{present}' sheet but no '{missing}' sheet: a criteria workbook "
                               f"needs both")


def test_sheet_names_are_case_insensitive():
    sheets = {name.title(): table for name, table in edited(POINTS).items()}
    assert read_rules(sheets, FIELDS).id == "tt22-2020"


def test_the_error_lists_every_problem_scoring_sheet_first():
    sheets = edited(POINTS, (R, 9, "value", ""), (P, 4, "note", ""), (R, 2, None, None), (P, 3, "points", "x"))
    with pytest.raises(RulesError) as raised:
        read_rules(sheets, FIELDS)
    error = raised.value
    assert [(p.sheet, p.row) for p in error.problems] == [(P, 3), (P, 4), (R, None), (R, 9)]
    assert (error.sheet, error.row, error.column) == (P, 3, "points")
    assert str(error.problems[0]) == "[sheet 'scoring', row 3, column 'points'] 'x' is not a number of 0 or more"
    assert str(error.problems[2]) == ("[sheet 'recognition', column 'type'] no 'model' row: "
                                      "the sheet must declare the model")
    assert str(error).endswith("(and 3 more)")
    assert error.problems[0].to_dict() == {"sheet": P, "row": 3, "column": "points",
                                           "message": "'x' is not a number of 0 or more"}


def test_without_field_types_selected_is_not_type_checked():
    sheets = edited(POINTS, (P, 3, "condition", "selected(${so_nguoi}, 'a')"))
    assert read_rules(sheets, FIELDS).indicators[0].condition.evaluate({"so_nguoi": "a"}, None) is True


def test_nan_points_never_pass():
    assert math.isnan(float("nan"))  # guard: the reader refuses 'nan' text as points
    problem, = problems_of(edited(POINTS, (P, 3, "points", "nan")))
    assert problem.message == "'nan' is not a number of 0 or more"
