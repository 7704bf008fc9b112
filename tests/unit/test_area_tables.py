"""Pure code of areas and registries: reading tables, area rows, GeoJSON boundaries, entity-list CSV."""

import io
import json
import time
import zipfile

import pytest

from server.areas import geojson, tabular
from server.registries.tabular import (
    entity_list_csv,
    import_rows,
    is_dataset_name,
    is_property_name,
    normalize_uuid,
    odata_name,
)
from server.tables import TableError, cell_text, csv_safe, header_key, read_table, unescape_formula
from tests.factories_registry import MEBIBYTE, XLSX, xlsx_from_rows


@pytest.mark.parametrize("header, key", [
    ("Mã", "ma"), ("Mã cha", "ma_cha"), ("  Tên đơn vị ", "ten_don_vi"), ("Mã huyện cũ", "ma_huyen_cu"),
    ("Parent Code", "parent_code"), ("ĐỊA-BÀN", "dia_ban"), ("__version", "__version"),
    ("Số  thành viên", "so_thanh_vien"),
])
def test_header_keys(header, key):
    assert header_key(header) == key


@pytest.mark.parametrize("value, text", [
    (None, ""), (4, "4"), (4.0, "4"), (2.5, "2.5"), (True, "true"), (" a ", "a"),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_escaped_for_spreadsheets_and_read_back(value):
    assert csv_safe(value) == "'" + value
    assert unescape_formula(csv_safe(value)) == value
    assert csv_safe("Thôn 1") == "Thôn 1" and unescape_formula("'Thôn") == "'Thôn"


@pytest.mark.parametrize("text", ["ma,ten\n01,Hà Nội\n", "ma;ten\r\n01;Hà Nội\r\n",
                                  "\ufeffma\tten\n01\tHà Nội\n\n\t\n"])
def test_csv_delimiters_bom_and_empty_rows(text):
    table = read_table(text.encode(), "text/csv", MEBIBYTE)
    assert table.headers == ["ma", "ten"] and table.rows == [(2, {"ma": "01", "ten": "Hà Nội"})]


@pytest.mark.parametrize("text, says", [
    ("ma,Mã\n1,2\n", "same column"),
    ("\n1,2\n", "first row"),
    ("ma\n1,2\n", "no column name"),
    ('ma\n"1\n', "could not be read"),
])
def test_bad_csvs(text, says):
    with pytest.raises(TableError) as raised:
        read_table(text.encode(), "text/csv", MEBIBYTE)
    assert says in raised.value.message


def test_an_xlsx_that_claims_a_huge_sheet_is_read_by_its_real_cells():
    data = xlsx_from_rows([["ma", "ten"], [1, "Hà Nội"]])
    archive = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            content = archive.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<dimension ref="A1:B2"/>', b'<dimension ref="A1:XFD1048576"/>')
                assert b"XFD1048576" in content
            out.writestr(info.filename, content)
    started = time.monotonic()
    table = read_table(buffer.getvalue(), XLSX, 10 * MEBIBYTE)
    assert time.monotonic() - started < 2
    assert table.rows == [(2, {"ma": "1", "ten": "Hà Nội"})]


def test_area_rows_levels_and_codes():
    assert tabular.parse_level("Thành phố", has_parent=False) == "province"
    assert tabular.parse_level("Thành phố", has_parent=True) == "district"
    assert tabular.parse_level("Tổ dân phố", has_parent=True) == "hamlet"
    assert tabular.parse_level("Đặc khu", has_parent=True) == "commune"
    assert tabular.pad_code("4", "commune") == "00004" and tabular.pad_code("4-01", "hamlet") == "4-01"
    assert tabular.code_candidates("1", ("province", "district")) == ["1", "01", "001"]
    rows, problems = tabular.parse_rows([(2, {"ma": "4", "ten": "Ba Đình", "cap": "Phường", "ma_cha": "1",
                                              "hieu_luc_tu": "01/07/2025"})],
                                        ["ma", "ten", "cap", "ma_cha", "hieu_luc_tu"])
    assert problems == []
    assert (rows[0].code, rows[0].parent_code, rows[0].valid_from.isoformat()) == ("00004", "1", "2025-07-01")


def test_boundaries_become_checked_multipolygons():
    ring = [[105.8, 21.0], [105.9, 21.0], [105.9, 21.1, 12.0], [105.8, 21.0]]
    features = geojson.parse_feature_collection(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ma": 4}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))
    boundaries, problems = geojson.feature_boundaries(features)
    assert problems == []
    index, code, text = boundaries[0]
    assert (index, code) == (0, "4")
    assert json.loads(text) == {"type": "MultiPolygon", "coordinates": [[[[105.8, 21.0], [105.9, 21.0], [105.9, 21.1],
                                                                           [105.8, 21.0]]]]}
    nan = {"type": "Feature", "properties": {"code": "1"},
           "geometry": {"type": "Polygon", "coordinates": [[[float("nan"), 0], [1, 0], [1, 1], [float("nan"), 0]]]}}
    assert "outside" in geojson.feature_boundaries([nan])[1][0]["message"]


def test_entity_list_csv_is_centrals_attachment_shape():
    rows = [("b1f1c2a4-1111-4111-8111-111111111111", "Hộ An, thôn 1", 2, {"thon": "00004-01", "chu_ho": "=An"}),
            ("b1f1c2a4-2222-4222-8222-222222222222", 'Hộ "Bình"', 1, {"thon": "00004-02"})]
    assert entity_list_csv(["thon", "chu_ho"], rows).decode() == (
        "name,label,__version,thon,chu_ho\r\n"
        'b1f1c2a4-1111-4111-8111-111111111111,"Hộ An, thôn 1",2,00004-01,=An\r\n'
        'b1f1c2a4-2222-4222-8222-222222222222,"Hộ ""Bình""",1,00004-02,\r\n')
    assert entity_list_csv(["thon"], []) == b"name,label,__version,thon\r\n"


def test_entity_names_and_uuids_as_central_checks_them():
    assert normalize_uuid("uuid:B1F1C2A4-1111-4111-8111-111111111111") == "b1f1c2a4-1111-4111-8111-111111111111"
    assert normalize_uuid("b1f1c2a4-1111-1111-8111-111111111111") is None
    assert all(is_dataset_name(name) for name in ("ho_gia_dinh", "Hộ", "_x", "a:b", "a-1"))
    assert not any(is_dataset_name(name) for name in ("__x", "1a", "a b", "a.b", ""))
    assert all(is_property_name(name) for name in ("thon", "so.nguoi", "_x", "tên"))
    assert not any(is_property_name(name) for name in ("name", "LABEL", "__x", "1a", "a b"))
    assert odata_name("the.age") == "the_age" and odata_name("1x") == "_1x"


def test_registry_rows_by_natural_key():
    from server.tables import Table
    table = Table(["ma_ho", "label", "thon", "__createdat"], [
        (2, {"ma_ho": "H1", "label": "Hộ 1", "thon": "T1", "__createdat": "x"}),
        (3, {"ma_ho": "H1", "label": "Hộ 1 lần hai", "thon": "T1"}),
        (4, {"ma_ho": "", "label": "Hộ 3", "thon": "T1"})])
    rows, problems = import_rows(table, key="ma_ho")
    assert [row.key for row in rows] == ["H1"] and rows[0].data == {"ma_ho": "H1", "thon": "T1"}
    assert [(item["row"], item["column"]) for item in problems] == [(3, "ma_ho"), (4, "ma_ho")]
