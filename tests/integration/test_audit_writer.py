"""One audit writer: the ORM path (a single entity), the bulk path (entities in bulk) and the SQL fast path of
ingest (a submission, one statement on PostgreSQL) write audit rows of the same shape, with the caller's
X-Action-Notes."""

from server.audit.models import Audit
from server.extensions import db
from tests.integration.test_registries import HOUSEHOLD, households  # noqa: F401
from tests.integration.test_registries import url as entities_url
from tests.integration.test_submissions_api import FIRST, form, post_xml, submission_body  # noqa: F401

NOTES = {"X-Action-Notes": "Đợt đánh giá 2026"}


def entries(action):
    return db.session.execute(db.select(Audit).where(Audit.action == action).order_by(Audit.id)).scalars().all()


def test_every_path_writes_the_same_audit_row(client, admin, project, form, households):  # noqa: F811
    headers = {**admin, **NOTES}
    assert post_xml(client, headers, project, submission_body()).status_code == 200
    one = client.post(entities_url(project, "/ho_gia_dinh/entities"), json={"label": "Hộ 1", "data": HOUSEHOLD},
                      headers=headers)
    assert one.status_code == 200
    bulk = {"entities": [{"label": "Hộ 2", "data": HOUSEHOLD}], "source": {"name": "tệp", "size": 1}}
    assert client.post(entities_url(project, "/ho_gia_dinh/entities"), json=bulk, headers=headers).status_code == 200

    [submitted] = entries("submission.create")
    [single] = entries("entity.create")
    [in_bulk] = entries("entity.bulk.create")
    actor = submitted.actor_id
    for entry in (submitted, single, in_bulk):
        assert (entry.actor_id, entry.notes) == (actor, NOTES["X-Action-Notes"]) and actor is not None
        assert isinstance(entry.actee_id, str) and entry.logged_at is not None and entry.details
    assert (submitted.actee_type, submitted.details) == ("submission", {"xmlFormId": submitted.details["xmlFormId"],
                                                                        "instanceId": FIRST})
    assert (single.actee_type, in_bulk.actee_type) == ("entity", "entity")
    assert in_bulk.details["source"] == {"name": "tệp", "size": 1} and in_bulk.details["label"] == "Hộ 2"
