"""Stored export rows (server/exports/stored_rows.py): the first CSV or OData export of a form keeps each version's
cells, later exports read them, and what they write is the same, byte for byte, as what the XML gives; what
changes after a row is kept (review state, files, edits) still shows."""

import io
import zipfile

import sqlalchemy as sa

from server.exports.models import ExportRow
from server.extensions import db
from tests.factories import instance_xml
from tests.integration.test_exports import body, exported, rows_of  # noqa: F401  (a fixture)


def stored(kind):
    return db.session.execute(sa.select(ExportRow.fields_key, sa.func.count()).where(ExportRow.kind == kind)
                              .group_by(ExportRow.fields_key)).all()


def members(response):
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return {name: archive.read(name) for name in archive.namelist()}


def test_the_second_csv_export_reads_the_kept_rows_and_writes_the_same_bytes(client, exported):  # noqa: F811
    base, admin = exported["base"], exported["admin"]
    assert stored("csv") == []
    first = members(client.get(f"{base}/submissions.csv.zip", headers=admin))
    assert [count for _, count in stored("csv")] == [3]  # one row per submission's current version
    second = members(client.get(f"{base}/submissions.csv.zip", headers=admin))
    assert second == first
    # the rows are what the second export read: a row changed in the table shows in the next export
    db.session.execute(sa.update(ExportRow).where(ExportRow.kind == "csv")
                       .values(cells=sa.func.replace(ExportRow.cells, "Bình", "Kept")))
    changed = rows_of(members(client.get(f"{base}/submissions.csv.zip", headers=admin))["thu_xuat.csv"])
    assert changed[1][1] == 'Kept, "Hà"'


def test_what_changes_after_a_row_is_kept_still_shows(client, exported):  # noqa: F811
    base, admin = exported["base"], exported["admin"]
    rest, xml = f"{base}/submissions", {**admin, "Content-Type": "application/xml"}
    client.get(f"{base}/submissions.csv.zip", headers=admin)
    client.get(f"{base}.svc/Submissions", headers=admin)
    assert client.patch(f"{rest}/uuid:s2", json={"reviewState": "rejected"}, headers=admin).status_code == 200
    edited = instance_xml("thu_xuat", "3", "uuid:s3b", body("Bình sửa", ["Tí", "Tèo"]),
                          meta_extra="<deprecatedID>uuid:s3</deprecatedID>")
    assert client.put(f"{rest}/uuid:s3", data=edited, headers=xml).status_code == 200
    table = rows_of(members(client.get(f"{base}/submissions.csv.zip", headers=admin))["thu_xuat.csv"])
    header, rows = table[0], {row[-10]: dict(zip(table[0], row)) for row in table[1:]}
    assert header[-10] == "KEY"
    assert rows["uuid:s2"]["ReviewState"] == "rejected"
    assert rows["uuid:s3"]["ten"] == "Bình sửa" and rows["uuid:s3"]["Edits"] == "1"
    repeats = rows_of(members(client.get(f"{base}/submissions.csv.zip", headers=admin))["thu_xuat-con.csv"])
    assert ["Tèo", "uuid:s3", "uuid:s3/grp/con[2]"] in repeats
    feed = {row["__id"]: row for row in client.get(f"{base}.svc/Submissions", headers=admin).get_json()["value"]}
    assert feed["uuid:s2"]["__system"]["reviewState"] == "rejected"
    assert feed["uuid:s3"]["ten"] == "Bình sửa" and feed["uuid:s3"]["__system"]["edits"] == 1


def test_the_root_table_keeps_the_repeats_for_the_zip(client, exported):  # noqa: F811
    base, admin = exported["base"], exported["admin"]
    expected = members(client.get(f"{base}/submissions.csv.zip?attachments=false", headers=admin))
    db.session.execute(sa.delete(ExportRow))
    plain = client.get(f"{base}/submissions.csv", headers=admin)  # keeps the rows, repeats included
    assert plain.data == expected["thu_xuat.csv"]
    assert members(client.get(f"{base}/submissions.csv.zip?attachments=false", headers=admin)) == expected


def test_each_set_of_options_that_changes_the_cells_keeps_its_own_rows(client, exported):  # noqa: F811
    base, admin = exported["base"], exported["admin"]
    split = f"{base}/submissions.csv.zip?splitSelectMultiples=true&attachments=false"
    first_split = members(client.get(split, headers=admin))
    first_plain = members(client.get(f"{base}/submissions.csv.zip?attachments=false", headers=admin))
    assert sorted(count for _, count in stored("csv")) == [3, 3]  # two keys
    assert members(client.get(split, headers=admin)) == first_split
    assert members(client.get(f"{base}/submissions.csv.zip?attachments=false", headers=admin)) == first_plain
    assert rows_of(first_split["thu_xuat.csv"])[1][4:6] == ["0", "1"]


def test_the_second_odata_feed_reads_the_kept_rows_and_writes_the_same_bytes(client, exported):  # noqa: F811
    base, admin = exported["base"], exported["admin"]
    first = client.get(f"{base}.svc/Submissions", headers=admin).data
    assert [count for _, count in stored("odata")] == [3]
    assert client.get(f"{base}.svc/Submissions", headers=admin).data == first
    # the same records as the feed made from the XML ($select names every field: nothing kept is read)
    fields = "ten,grp,vi_tri,anh,meta,__id,__system"
    walked = client.get(f"{base}.svc/Submissions?$select={fields}", headers=admin).get_json()["value"]
    kept = client.get(f"{base}.svc/Submissions", headers=admin).get_json()["value"]
    assert [{key: row[key] for key in fields.split(",")} for row in kept] == walked
    assert all(row["grp"]["con@odata.navigationLink"] for row in kept if row["__id"] != "uuid:s2")
    db.session.execute(sa.update(ExportRow).where(ExportRow.kind == "odata")
                       .values(cells=sa.func.replace(ExportRow.cells, "Bình", "Kept")))
    assert client.get(f"{base}.svc/Submissions", headers=admin).get_json()["value"][0]["ten"] == 'Kept, "Hà"'


def test_a_feed_page_keeps_only_its_rows_and_pages_the_same(client, exported):  # noqa: F811
    base, admin = exported["base"], exported["admin"]
    page = client.get(f"{base}.svc/Submissions?$top=1&$count=true", headers=admin).get_json()
    # the page's row and the one read to know that more follow
    assert [count for _, count in stored("odata")] == [2] and page["@odata.count"] == 3
    following = client.get(page["@odata.nextLink"].split("localhost", 1)[1], headers=admin).get_json()
    assert [row["__id"] for row in page["value"] + following["value"]] == ["uuid:s3", "uuid:s2"]
    whole = client.get(f"{base}.svc/Submissions", headers=admin).get_json()["value"]
    assert [row["__id"] for row in whole] == ["uuid:s3", "uuid:s2", "uuid:s1"]
    assert whole[0] == page["value"][0]
