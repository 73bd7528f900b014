"""An application that completes (issue 15): the facts the unit claimed on its application (JSON text on the
application) and its attachments, one row per (application, file content); the content itself is kept once by its
SHA-256 in the attachment store (<data dir>/attachments), never in the database.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TYPES = ("application/pdf", "image/png", "image/jpeg")


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): SQLite keeps the table as it is.
    op.add_column("applications", sa.Column("claimed", sa.Text()))
    op.create_table(
        "application_attachments",
        sa.Column("id", ID, primary_key=True),
        sa.Column("application_id", ID, sa.ForeignKey("applications.id",
                                                      name=op.f("fk_application_attachments_application_id")),
                  nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(120), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_attachments")),
        sa.UniqueConstraint("application_id", "sha256", name=op.f("uq_application_attachments_application_id")),
        sa.CheckConstraint(" OR ".join(f"content_type = '{t}'" for t in TYPES),
                           name=op.f("ck_application_attachments_known_type")),
        sa.CheckConstraint("size > 0", name=op.f("ck_application_attachments_not_empty")),
    )
    op.create_index(op.f("ix_application_attachments_application_id"), "application_attachments",
                    ["application_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_application_attachments_application_id"), "application_attachments")
    op.drop_table("application_attachments")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("claimed")
