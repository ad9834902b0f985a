"""cloze question type: widen the qtype CHECK of question_version

Revision ID: c10e2a7f5b31
Revises: 435a850a7d16
Create Date: 2026-12-04 17:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c10e2a7f5b31'
down_revision = '435a850a7d16'
branch_labels = None
depends_on = None

OLD = ("single", "multiple", "truefalse", "shortanswer", "numerical", "matching", "essay",
       "description")
NEW = OLD + ("cloze",)
TABLE = "question_version"
NAME = "ck_question_version_qtype"


def _check(values) -> str:
    return "qtype IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _sqlite_swap(old: str, new: str) -> None:
    """Rewrite the CHECK text in the stored schema, as SQLite documents for constraint changes.

    A batch "copy and move" would re-create question_version, which attempt slots and answers
    reference: with foreign keys on, its DROP TABLE would cascade or be refused
    (docs/architecture.md, "Databases"). Widening an IN list changes no stored row, which is
    the case SQLite's ALTER TABLE page allows through ``writable_schema``.
    """
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    ).scalar_one()
    if old not in sql:
        raise RuntimeError(f"{TABLE}: CHECK {NAME} is not {old!r}; not changed")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
        (sql.replace(old, new), TABLE),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_swap(_check(OLD), _check(NEW))
        return
    op.drop_constraint(op.f(NAME), TABLE, type_="check")
    op.create_check_constraint("qtype", TABLE, _check(NEW))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_swap(_check(NEW), _check(OLD))
        return
    op.drop_constraint(op.f(NAME), TABLE, type_="check")
    op.create_check_constraint("qtype", TABLE, _check(OLD))
