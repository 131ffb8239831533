"""add account email

Revision ID: ae1027a6acf
Revises: 1975ea83b712
Create Date: 2026-11-24 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = "ae1027a6acf"
down_revision = "1975ea83b712"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("account", sa.Column("email", sa.String(200)))
    op.create_index("ix_account_email", "account", ["email"], unique=True)


def downgrade():
    op.drop_index("ix_account_email", "account")
    op.drop_column("account", "email")
