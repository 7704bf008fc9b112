"""server/forms/structure.py: an XForm's body with labels in every language, a submission laid out on it, and
what changed between two versions. Forms are real pyxform output from XLSForms written as markdown tables."""

from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from server.forms.structure import (
    Answer,
    Change,
    Group,
    Question,
    RepeatTable,
    Section,
    answer_tree,
    changed_answers,
    display_value,
    label_in,
    question_at,
    read_structure,
)
from server.safexml import parse_xml

FORMS = Path(__file__).resolve().parents[2] / "forms"

SURVEY = """
| survey |
| | type                  | name    | label::Tiếng Việt (vi) | label::English (en) | hint::Tiếng Việt (vi) | hint::English (en) | calculation |
| | note                  | intro   | Xin chào               | Hello               |                       |                    |             |
| | text                  | ten     | Tên                    | Name                | Họ và tên             | Full name          |             |
| | begin group           | grp     | Nhóm                   | Group               |                       |                    |             |
| | select_one yn         | ok      | Đồng ý?                | Agree?              |                       |                    |             |
| | select_multiple fruit | fruits  | Trái cây               | Fruits              |                       |                    |             |
| | end group             |         |                        |                     |                       |                    |             |
| | begin repeat          | members | Thành viên             | Members             |                       |                    |             |
| | text                  | name    | Tên TV                 | Member name         |                       |                    |             |
| | integer               | age     | Tuổi                   | Age                 |                       |                    |             |
| | end repeat            |         |                        |                     |                       |                    |             |
| | image                 | photo   | Ảnh                    | Photo               |                       |                    |             |
| | geopoint              | loc     | Vị trí                 | Location            |                       |                    |             |
| | calculate             | total   |                        |                     |                       |                    | 1 + 1       |
| choices |
| | list_name | name  | label::Tiếng Việt (vi) | label::English (en) |
| | yn        | co    | Có                     | Yes                 |
| | yn        | khong | Không                  | No                  |
| | fruit     | tao   | Táo                    | Apple               |
| | fruit     | cam   | Cam                    | Orange              |
| settings |
| | form_id | default_language |
| | thu     | {default}        |
"""  # noqa: E501 (a table row is one line)


def xform_from(markdown: str) -> bytes:
    return convert(xlsform=markdown, form_name="data", validate=False, warnings=[]).xform.encode("utf-8")


@pytest.fixture(scope="module")
def structure():
    return read_structure(xform_from(SURVEY.format(default="Tiếng Việt (vi)")))


SUBMISSION = """<data id="thu">
  <intro/><ten>Lan</ten>
  <grp><ok>co</ok><fruits>tao cam</fruits></grp>
  <members><name>An</name><age>30</age></members>
  <members><name>Bình</name><age/></members>
  <photo>1712345.jpg</photo><loc/><total>2</total>
  <meta><instanceID>uuid:1</instanceID></meta>
</data>"""


def tree(structure, lang, xml=SUBMISSION):
    return answer_tree(structure, parse_xml(xml.encode("utf-8")), lang)


def by_path(nodes):
    return {node.path: node for node in nodes}


def test_languages_are_code_and_name_with_the_default_translation_first(structure):
    assert list(structure.languages) == [("vi", "Tiếng Việt (vi)"), ("en", "English (en)")]
    english_first = read_structure(xform_from(SURVEY.format(default="English (en)")))
    assert [code for code, _ in english_first.languages] == ["en", "vi"]


def test_the_body_tree_keeps_the_forms_order_groups_and_repeats(structure):
    assert [(type(node).__name__, node.path) for node in structure.nodes] == [
        ("Question", ("intro",)), ("Question", ("ten",)), ("Group", ("grp",)), ("Group", ("members",)),
        ("Question", ("photo",)), ("Question", ("loc",))]
    group, repeat = structure.nodes[2], structure.nodes[3]
    assert (group.repeat, [child.path for child in group.children]) == (False, [("grp", "ok"), ("grp", "fruits")])
    # pyxform wraps each repeat in a group of the same ref: one node, the group's label.
    assert (repeat.repeat, repeat.label) == (True, {"vi": "Thành viên", "en": "Members"})
    assert [(child.path, child.type) for child in repeat.children] == [(("members", "name"), "string"),
                                                                       (("members", "age"), "int")]


def test_questions_carry_control_type_labels_and_hints_in_every_language(structure):
    questions = by_path(structure.questions.values())
    ten, photo, loc, intro = (questions[(name,)] for name in ("ten", "photo", "loc", "intro"))
    assert (ten.control, ten.type) == ("input", "string")
    assert ten.label == {"vi": "Tên", "en": "Name"}
    assert ten.hint == {"vi": "Họ và tên", "en": "Full name"}
    assert (photo.control, photo.type, photo.mediatype) == ("upload", "binary", "image/*")
    assert (loc.control, loc.type) == ("input", "geopoint")
    assert (intro.control, intro.readonly) == ("input", True)


def test_choices_from_internal_instances_have_labels_in_every_language(structure):
    ok, fruits = structure.nodes[2].children
    assert (ok.control, fruits.control) == ("select1", "select")
    assert ok.choices == {"co": {"vi": "Có", "en": "Yes"}, "khong": {"vi": "Không", "en": "No"}}
    assert fruits.choices["cam"] == {"vi": "Cam", "en": "Orange"}


def test_fields_without_a_body_control_are_hidden_in_bind_order(structure):
    assert [(field.path, field.control, field.type) for field in structure.hidden] == [
        (("total",), None, "string"), (("meta", "instanceID"), None, "string")]


def test_read_structure_is_cached_by_the_bytes():
    xml = xform_from(SURVEY.format(default="Tiếng Việt (vi)"))
    assert read_structure(xml) is read_structure(bytes(xml))


@pytest.mark.parametrize("texts, lang, default, expected", [
    ({"vi": "Có", "en": "Yes"}, "en", None, "Yes"),
    ({"vi": "Có", "en": "Yes"}, "fr", None, "Có"),  # the first is the default translation
    ({"vi": "Có", "en": "Yes"}, "fr", "en", "Yes"),
    ({"vi": "", "en": "Yes"}, "vi", None, "Yes"),
    ({"": "Plain"}, "vi", None, "Plain"),
    ({"en": "Yes", "": "Plain"}, "vi", None, "Plain"),
    ({}, "vi", None, ""),
])
def test_label_in_falls_back_to_the_default_then_plain_then_any(texts, lang, default, expected):
    assert label_in(texts, lang, default) == expected


@pytest.mark.parametrize("lang, ok, fruits, members, name", [
    ("vi", "Có", "Táo, Cam", "Thành viên", "Tên TV"),
    ("en", "Yes", "Apple, Orange", "Members", "Member name"),
])
def test_answers_read_in_the_chosen_language(structure, lang, ok, fruits, members, name):
    nodes = by_path(tree(structure, lang))
    section = nodes[("grp",)]
    assert isinstance(section, Section)
    assert [(answer.value, answer.display) for answer in section.children] == [("co", ok), ("tao cam", fruits)]
    table = nodes[("members",)]
    assert (table.label, table.columns[0]) == (members, (("members", "name"), name))


def test_the_tree_has_every_question_unanswered_ones_too_but_no_empty_notes_nor_hidden_fields(structure):
    nodes = tree(structure, "vi")
    assert [node.path for node in nodes] == [("ten",), ("grp",), ("members",), ("photo",), ("loc",)]
    assert [node.kind for node in nodes] == ["answer", "section", "repeat", "answer", "answer"]
    loc = nodes[-1]
    assert (loc.label, loc.value, loc.display, loc.files) == ("Vị trí", "", "", [])
    ten = nodes[0]
    assert (ten.label, ten.hint, ten.value, ten.type, ten.control) == ("Tên", "Họ và tên", "Lan", "string", "input")


def test_a_binary_answer_names_its_file(structure):
    photo = by_path(tree(structure, "en"))[("photo",)]
    assert (photo.label, photo.value, photo.files, photo.mediatype) == ("Photo", "1712345.jpg", ["1712345.jpg"],
                                                                        "image/*")


def test_a_note_with_a_value_is_shown(structure):
    xml = SUBMISSION.replace("<intro/>", "<intro>đã đọc</intro>")
    assert tree(structure, "vi", xml)[0].path == ("intro",)


def test_a_repeat_is_a_table_with_one_row_per_instance_and_indexed_paths(structure):
    table = by_path(tree(structure, "en"))[("members",)]
    assert isinstance(table, RepeatTable)
    assert table.columns == [(("members", "name"), "Member name"), (("members", "age"), "Age")]
    assert [[(answer.path, answer.value) for answer in row] for row in table.rows] == [
        [(("members[1]", "name"), "An"), (("members[1]", "age"), "30")],
        [(("members[2]", "name"), "Bình"), (("members[2]", "age"), "")]]


NESTED = """
| survey |
| | type         | name  | label       |
| | begin repeat | hh    | Household   |
| | text         | head  | Head        |
| | begin group  | g     | Details     |
| | note         | n     | Read aloud  |
| | integer      | size  | Size        |
| | end group    |       |             |
| | begin repeat | kid   | Child       |
| | text         | kname | Child name  |
| | end repeat   |       |             |
| | end repeat   |       |             |
| | select_one c | pick  | Pick        |
| choices |
| | list_name | name | label |
| | c         | a    | Alpha |
| settings |
| | form_id |
| | nested  |
"""


def test_groups_in_a_repeat_become_columns_and_a_nested_repeat_a_table_cell():
    structure = read_structure(xform_from(NESTED))
    xml = """<data id="nested"><hh><head>Mai</head><g><n/><size>4</size></g>
      <kid><kname>Tú</kname></kid><kid><kname>Hà</kname></kid></hh><pick>a</pick><extra>x</extra></data>"""
    table, pick = tree(structure, "", xml)
    assert table.columns == [(("hh", "head"), "Head"), (("hh", "g", "size"), "Size"), (("hh", "kid"), "Child")]
    head, size, kids = table.rows[0]
    assert (head.value, size.path, size.value) == ("Mai", ("hh[1]", "g", "size"), "4")
    assert kids.kind == "repeat"
    assert [[answer.path for answer in row] for row in kids.rows] == [[("hh[1]", "kid[1]", "kname")],
                                                                      [("hh[1]", "kid[2]", "kname")]]
    assert (pick.display, structure.languages) == ("Alpha", ())  # no itext: plain labels under ""
    assert question_at(structure, ("hh[1]", "kid[2]", "kname")).label == {"": "Child name"}


def test_an_instance_lacking_elements_still_lists_every_question(structure):
    nodes = tree(structure, "vi", '<data id="thu"><grp/></data>')
    assert [node.path for node in nodes] == [("ten",), ("grp",), ("members",), ("photo",), ("loc",)]
    assert [answer.value for answer in nodes[1].children] == ["", ""]
    assert nodes[2].rows == []


def xform(body="", model="", instance="<data id='f'><q/></data>"):
    return f"""<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
        xmlns:jr="http://openrosa.org/javarosa" xmlns:odk="http://www.opendatakit.org/xforms">
      <h:head><h:title>f</h:title><model><instance>{instance}</instance>{model}</model></h:head>
      <h:body>{body}</h:body></h:html>""".encode("utf-8")


@pytest.mark.parametrize("document, expected", [
    (xform(), ()),
    (xform().replace(b"<h:body></h:body>", b""), ()),
    (xform('<input ref="/data/q"><label ref="jr:itext(\'nowhere\')"/></input>'),
     (Question(("q",), "input", "string"),)),
    (xform('<input ref="/data/q"><label>Plain <output value=" /data/r "/>!</label></input>'),
     (Question(("q",), "input", "string", {"": "Plain ${r}!"}),)),
    (xform('<odk:rank ref="/data/q"><item><label>A</label><value>a</value></item></odk:rank>'),
     (Question(("q",), "odk:rank", "string", choices={"a": {"": "A"}}),)),
    (xform('<h:div><secret ref="/data/q"/></h:div><setvalue ref="/data/q" event="odk-new-repeat"/>'),
     (Question(("q",), "secret", "string"),)),
    (xform('<group ref="/data/g"><input ref="x"/><input bind="b"/></group>',
           '<bind id="b" nodeset="/data/g/y" type="int"/>'),
     (Group(("g",), {}, (Question(("g", "x"), "input", "string"), Question(("g", "y"), "input", "int"))),)),
    (xform('<repeat nodeset="/data/r"><label>R</label><trigger ref="/data/r/t"/></repeat>'),
     (Group(("r",), {"": "R"}, (Question(("r", "t"), "trigger", "string"),), True),)),
    (xform('<select1 ref="/data/q"><itemset nodeset="instance(\'csv\')/root/item[a = /data/b]">'
           '<value ref="name"/><label ref="label"/></itemset></select1>',
           '<instance id="csv" src="jr://file-csv/list.csv"/>'),
     (Question(("q",), "select1", "string"),)),
    (xform('<select ref="/data/q"><itemset nodeset="/data/r"><value ref="v"/><label ref="l"/></itemset></select>'),
     (Question(("q",), "select", "string"),)),
], ids=["empty-body", "no-body", "missing-itext-id", "plain-label-with-output", "odk-rank-inline-items",
        "unknown-wrapper-and-control", "relative-ref-and-bind-id", "bare-repeat", "external-csv", "dynamic-itemset"])
def test_odd_forms_are_read_without_raising(document, expected):
    assert read_structure(document).nodes == expected


def test_display_keeps_values_it_has_no_label_for():
    question = Question(("q",), "select", "string", choices={"a": {"en": "Alpha"}})
    assert display_value(question, "a zz", "en") == "Alpha, zz"
    assert display_value(Question(("q",), "select1", "string"), "x", "en") == "x"


GIA_DINH = FORMS / "gia_dinh_hoc_tap.xml"


def test_the_real_household_form():
    structure = read_structure(GIA_DINH.read_bytes())
    assert [code for code, _ in structure.languages] == ["vi", "en"]
    tc1 = by_path(structure.nodes)[("tc1",)]
    assert label_in(tc1.label, "vi").startswith("Tiêu chí 1")
    assert label_in(tc1.label, "en").startswith("Criterion 1")
    choice = question_at(structure, ("tc1", "tre_le_phep_tham_gia"))
    assert choice.choices["co"] == {"vi": "Có", "en": "Yes"}
    assert question_at(structure, ("thon",)).choices == {}  # from thon.csv, an attachment
    assert {("xa",), ("tc1", "so_tre_chua_di_hoc"), ("meta", "instanceName")} <= {f.path for f in structure.hidden}
    xml = b"""<data id="gia_dinh_hoc_tap"><gioi_thieu/><thon>t1</thon>
      <tc1><tre_le_phep_tham_gia>co</tre_le_phep_tham_gia><anh_hoc_ba>a.jpg</anh_hoc_ba></tc1></data>"""
    nodes = by_path(answer_tree(structure, parse_xml(xml), "en"))
    assert ("gioi_thieu",) not in nodes
    assert (nodes[("thon",)].value, nodes[("thon",)].display) == ("t1", "t1")
    answers = by_path(nodes[("tc1",)].children)
    assert answers[("tc1", "tre_le_phep_tham_gia")].display == "Yes"
    assert answers[("tc1", "anh_hoc_ba")].files == ["a.jpg"]


def root(xml):
    return parse_xml(xml.encode("utf-8"))


def test_changed_answers_lists_changed_added_and_removed_leaves():
    old = root("""<data id="thu"><ten>Lan</ten><grp><ok>co</ok></grp><members><name>An</name></members>
      <loc>1 2</loc><meta><instanceID>uuid:1</instanceID></meta></data>""")
    new = root("""<data id="thu"><ten>Lân</ten><grp><ok>co</ok></grp><members><name>An</name></members>
      <members><name>Bình</name><age>7</age></members>
      <meta><instanceID>uuid:2</instanceID><deprecatedID>uuid:1</deprecatedID></meta></data>""")
    assert changed_answers(old, new) == [
        Change(("ten",), "Lan", "Lân"), Change(("members[2]", "name"), "", "Bình"),
        Change(("members[2]", "age"), "", "7"), Change(("loc",), "1 2", "")]


def test_with_the_structure_a_single_repeat_instance_is_indexed_as_in_the_answer_tree(structure):
    old = root("<data><members><name>An</name></members></data>")
    new = root("<data><members><name>Ân</name></members></data>")
    assert changed_answers(old, new) == [Change(("members", "name"), "An", "Ân")]
    change, = changed_answers(old, new, structure)
    assert change == Change(("members[1]", "name"), "An", "Ân")
    answer = by_path(tree(structure, "vi", '<data id="thu"><members><name>Ân</name></members></data>'))
    assert answer[("members",)].rows[0][0].path == change.path


def test_only_instance_ids_changing_is_no_change():
    old = root("<data><ten>Lan</ten><meta><instanceID>uuid:1</instanceID></meta></data>")
    new = root("<data><ten>Lan</ten><meta><instanceID>uuid:2</instanceID><deprecatedID>uuid:1</deprecatedID>"
               "</meta></data>")
    assert changed_answers(old, new) == []


def test_answers_are_plain_data():
    answer = Answer(("q",), "Q", "", "string", "input", "v", "v", [])
    assert (answer.kind, Section((), "", []).kind, RepeatTable((), "", [], []).kind) == ("answer", "section", "repeat")
