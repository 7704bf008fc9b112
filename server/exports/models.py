"""What the exports keep: each submission version's cells, made once from its XML (exports/stored_rows.py)."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

EXPORT_KINDS = ("csv", "odata")


class ExportRow(Base):
    """One submission version's row as one export writes it for one set of form fields (`fields_key`), less what
    changes (review state, files, edits…). For "csv", `cells` is the root row's SubmissionDate and answer cells
    ("date,a,b", formula-safe) and `rest` the repeat tables' lines as JSON ({repeat path: lines}, NULL when none);
    for "odata", `cells` is the Submissions record's JSON up to __system's submissionDate value and `rest` its
    repeats' navigation links (JSON members, NULL when none). Derived and reproducible: dropping a row only makes
    the next export walk that XML again."""

    __tablename__ = "export_rows"
    submission_def_id: Mapped[int] = mapped_column(sa.ForeignKey("submission_defs.id", ondelete="CASCADE"),
                                                   primary_key=True)
    fields_key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    cells: Mapped[str] = mapped_column(sa.Text)
    rest: Mapped[str | None] = mapped_column(sa.Text)
