"""Excel workbooks (.xlsx) for trainers: one row per question, answers in columns A-F.

The first sheet holds the questions (row 1 names the columns, in English and Chinese); the
template's second sheet explains every column in both languages and the third shows one example
of each type. A row becomes the same mapping that YAML files give, so the checks and messages
are the same, each problem carrying the row number as its line. Whatever the columns cannot
say goes, as JSON in the YAML keys, in the last column ("more"), so an export imports back
unchanged. Cells that start with = + - @ are written as text, never as formulas. Documented in
docs/question-format.md.

`layout.py` describes the columns and the template's examples; `reader.py` and `writer.py`
build on it.
"""

from app.bank.formats.xlsx.layout import (
    COLUMN_KEYS,
    COLUMNS,
    EXAMPLES,
    FILES_SHEET,
    LETTERS,
    QTYPE_ALIASES,
    TEMPLATE_LETTERS,
    ZIP_MAGIC,
)
from app.bank.formats.xlsx.reader import looks_like_xlsx, parse_xlsx
from app.bank.formats.xlsx.writer import dump_xlsx, template_workbook

__all__ = [
    "COLUMNS",
    "COLUMN_KEYS",
    "EXAMPLES",
    "FILES_SHEET",
    "LETTERS",
    "QTYPE_ALIASES",
    "TEMPLATE_LETTERS",
    "ZIP_MAGIC",
    "dump_xlsx",
    "looks_like_xlsx",
    "parse_xlsx",
    "template_workbook",
]
