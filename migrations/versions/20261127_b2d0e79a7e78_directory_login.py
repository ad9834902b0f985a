"""directory login

Revision ID: b2d0e79a7e78
Revises: 0eaa78c87bdc
Create Date: 2026-11-27 22:19:52.744487

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2d0e79a7e78'
down_revision = '0eaa78c87bdc'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # No batch re-creation here: with foreign keys on, SQLite's DROP TABLE of the old
        # user_account would cascade into user_role, department_manager, ... (or fail on
        # RESTRICT). ADD COLUMN keeps every row where it is; its CHECKs ride on the column.
        op.execute(
            "ALTER TABLE user_account ADD COLUMN auth_source VARCHAR(10) DEFAULT 'local' NOT NULL "
            "CONSTRAINT ck_user_account_auth_source CHECK (auth_source IN ('local', 'ldap', 'oidc')) "
            "CONSTRAINT ck_user_account_directory_has_no_password "
            "CHECK (auth_source = 'local' OR password_hash IS NULL)"
        )
        return
    op.add_column(
        'user_account',
        sa.Column('auth_source', sa.String(length=10), server_default='local', nullable=False),
    )
    # Autogenerate does not see check constraints: added by hand.
    op.create_check_constraint(
        'auth_source', 'user_account', "auth_source IN ('local', 'ldap', 'oidc')"
    )
    op.create_check_constraint(
        'directory_has_no_password', 'user_account', "auth_source = 'local' OR password_hash IS NULL"
    )


def downgrade():
    # On SQLite this re-creates user_account: run it on a copy, never on live data (see
    # docs/architecture.md, Databases).
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint('directory_has_no_password', type_='check')
        batch_op.drop_constraint('auth_source', type_='check')
        batch_op.drop_column('auth_source')

    # ### end Alembic commands ###
