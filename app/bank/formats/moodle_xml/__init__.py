"""Moodle XML: read and write every SkillGrid question type, categories, files and hints.

Read with defusedxml's expat parser (no DTD, no entity expansion, no network), with the line of
every element kept, so each problem names the line to fix. The layout written is Moodle 4.5's
qformat_xml, so Moodle imports SkillGrid's exports and vice versa. Moodle types SkillGrid does
not have (Cloze, calculated, drag and drop, ...) are reported by name and line, never dropped
silently. SkillGrid's own fields go in a `<skillgrid>` element that Moodle ignores.
Documented in docs/question-format.md.

`tree.py` parses the XML into elements that keep their lines and names the text formats;
`reader.py` and `writer.py` build on it.
"""

from app.bank.formats.moodle_common import category_from_path, category_path
from app.bank.formats.moodle_xml.reader import (
    TYPES,
    UNSUPPORTED,
    looks_like_moodle_xml,
    parse_moodle_xml,
    read_category,
    read_hints,
    read_text_with_files,
)
from app.bank.formats.moodle_xml.tree import FORMAT_NAMES, MOODLE_FORMATS, Node, parse_tree
from app.bank.formats.moodle_xml.writer import (
    dump_moodle_xml,
    write_category,
    write_moodle_xml_question,
    xml_escape,
)

__all__ = [
    "FORMAT_NAMES",
    "MOODLE_FORMATS",
    "TYPES",
    "UNSUPPORTED",
    "Node",
    "category_from_path",
    "category_path",
    "dump_moodle_xml",
    "looks_like_moodle_xml",
    "parse_moodle_xml",
    "parse_tree",
    "read_category",
    "read_hints",
    "read_text_with_files",
    "write_category",
    "write_moodle_xml_question",
    "xml_escape",
]
