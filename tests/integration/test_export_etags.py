"""Central's weak ETag on the CSV exports and the OData tables (server/exports/etag.py): sent back in
If-None-Match it gives a 304 without a body or an audit entry while nothing the export reads has changed, and a
new tag as soon as anything it reads does."""

import sqlalchemy as sa

from server.audit.models import Audit
from server.extensions import db
from tests.factories import instance_xml
from tests.integration.test_authorisation_matrix import world  # noqa: F401  (a fixture)
from tests.integration.test_exports import JPEG, body, exported  # noqa: F401  (a fixture)

EXPORTS = ("submissions.csv.zip", "submissions.csv", "submissions.csv.zip?attachments=false",
           ".svc/Submissions", ".svc/Submissions.grp.con", ".svc/Submissions?$top=1")


def url(base, export):
    return f"{base}{export}" if export.startswith(".") else f"{base}/{export}"


def tags(client, base, admin):
    found = {}
    for export in EXPORTS:
        response = client.get(url(base, export), headers=admin)
        assert response.status_code == 200 and response.data, (export, response.get_json())
        found[export] = response.headers["ETag"]
    return found


def exports_logged():
    return db.session.execute(sa.select(sa.func.count()).select_from(Audit)
                              .where(Audit.action == "form.submission.export")).scalar()


def test_an_unchanged_export_is_a_304_without_a_body_or_an_audit_entry(client, exported):  # noqa: F811
    base, admin = exported["base"], exported["admin"]
    first = tags(client, base, admin)
    assert all(tag.startswith('W/"eventhash:') and tag.endswith('"') for tag in first.values())
    assert len(set(first.values())) == len(EXPORTS)  # each request its own tag
    assert tags(client, base, admin) == first  # the same data, the same tag
    logged = exports_logged()
    for export, tag in first.items():
        for sent in (tag, tag.removeprefix("W/"), f'"other", {tag}'):  # weak or strong, as Central; or in a list
            again = client.get(url(base, export), headers={**admin, "If-None-Match": sent})
            assert again.status_code == 304 and again.data == b"", (export, sent)
            assert again.headers["ETag"] == tag
    assert exports_logged() == logged
    stale = client.get(f"{base}/submissions.csv", headers={**admin, "If-None-Match": 'W/"eventhash:0"'})
    assert stale.status_code == 200 and stale.data.startswith(b"SubmissionDate,")
    assert client.post(f"{base}/submissions.csv.zip", data={"attachments": "false"},
                       headers={**admin, "If-None-Match": first["submissions.csv.zip"]}).status_code == 200


def test_whatever_an_export_reads_changes_its_tag(client, exported):  # noqa: F811
    base, admin = exported["base"], exported["admin"]
    rest, xml = f"{base}/submissions", {**admin, "Content-Type": "application/xml"}

    def changed(before):
        after = tags(client, base, admin)
        assert all(after[export] != before[export] for export in ("submissions.csv.zip", "submissions.csv",
                                                                  ".svc/Submissions")), (before, after)
        return after

    seen = tags(client, base, admin)
    assert client.patch(f"{rest}/uuid:s2", json={"reviewState": "rejected"}, headers=admin).status_code == 200
    seen = changed(seen)
    edited = instance_xml("thu_xuat", "3", "uuid:s3b", body("Bình sửa", ["Tí"]),
                          meta_extra="<deprecatedID>uuid:s3</deprecatedID>")
    assert client.put(f"{rest}/uuid:s3", data=edited, headers=xml).status_code == 200
    seen = changed(seen)
    assert client.post(rest, data=instance_xml("thu_xuat", "3", "uuid:s4", body("Dũng", [], "4.jpg")),
                       headers=xml).status_code == 200
    seen = changed(seen)
    assert client.post(f"{rest}/uuid:s4/attachments/4.jpg", data=JPEG,
                       headers={**admin, "Content-Type": "image/jpeg"}).status_code == 200
    seen = changed(seen)
    assert client.delete(f"{rest}/uuid:s4/attachments/4.jpg", headers=admin).status_code == 200
    changed(seen)


def test_a_caller_who_sees_fewer_submissions_gets_another_tag(client, world):  # noqa: F811
    base = f"/v1/projects/{world['project'].id}/forms/vi_du_diem"
    limited = client.get(f"{base}/submissions.csv", headers=world["users"]["manager_a"])
    limited_rows = limited.data  # a streamed body is read before the next request
    everything = client.get(f"{base}/submissions.csv", headers=world["users"]["admin"])
    assert limited.status_code == everything.status_code == 200 and len(limited_rows) < len(everything.data)
    assert limited.headers["ETag"] != everything.headers["ETag"]
    again = client.get(f"{base}/submissions.csv", headers={**world["users"]["admin"],
                                                           "If-None-Match": limited.headers["ETag"]})
    assert again.status_code == 200 and again.data == everything.data
