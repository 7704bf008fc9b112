import sqlalchemy as sa

from ..extensions import db
from .models import Blob


def get_blob_by_sha256(sha256):
    return db.session.execute(sa.select(Blob).where(Blob.sha256 == sha256)).scalar_one_or_none()
