"""GIFT, Moodle's plain-text question format: read and write every SkillGrid question type.

The reader follows Moodle 4.5's qformat_gift rule for rule (shared/fixtures/moodle/
gift_spec_notes.md): blocks separated by blank lines, `//` comment lines carrying `[id:]` and
`[tag:]`, `::title::`, format tags, escapes, `%n%` weights, `#` feedback, `####` general
feedback, missing-word blanks, numerical ranges and tolerances, matching with distractors,
true/false with both feedbacks, `$CATEGORY:` switches. What Moodle does silently (turning a
non-numeric numerical answer into `*`, importing a question whose grades add up wrong) is
reported here instead, each problem on its line. SkillGrid's own fields that GIFT has no syntax
for travel in comment tokens Moodle ignores: `// [difficulty:1] [competency:SV1] [status:ready]
[source_version:...] [mark:2]`. Documented in docs/question-format.md.

The reader (`reader.py`) and the writer (`writer.py`) share GIFT's lexical layer (`syntax.py`).
"""

from app.bank.formats.gift.reader import looks_like_gift, parse_gift
from app.bank.formats.gift.syntax import (
    DEFAULT_NAME,
    MAX_NAME_LENGTH,
    category_from_path,
    extract_id_and_tags,
)
from app.bank.formats.gift.writer import dump_gift, write_category, write_gift_question
from app.bank.formats.moodle_common import category_path

__all__ = [
    "DEFAULT_NAME",
    "MAX_NAME_LENGTH",
    "category_from_path",
    "category_path",
    "dump_gift",
    "extract_id_and_tags",
    "looks_like_gift",
    "parse_gift",
    "write_category",
    "write_gift_question",
]
