"""Use cases of the question bank, one module per family, re-exported here so that callers write
``from app.bank import services`` then ``services.import_questions(...)``.

- ``categories``: category paths, created with their parents on demand;
- ``versions``: the versioned fields, comparing content, writing a new (immutable) version;
- ``imports``: parse, plan and write question files, every question or none;
- ``exports``: the latest versions as files in any writable format;
- ``authoring``: saving a form-authored question, bulk changes from the list;
- ``history``: what changed between versions, two versions side by side.

Write use cases run in the unit of work (``app.core.uow``): they flush, it commits.
"""

from app.bank.services.authoring import (
    BULK_ACTIONS,
    MAX_TAG_LENGTH,
    QuestionSaveRefused,
    SaveOutcome,
    bulk_update,
    save_question,
)
from app.bank.services.categories import (
    DEFAULT_CATEGORY,
    category_by_path,
    ensure_category,
    join_category,
    split_category,
)
from app.bank.services.exports import (
    ExportFile,
    export_file,
    export_questions,
    writable_formats,
    write_export,
)
from app.bank.services.history import FieldDiff, changed_fields, compare_versions
from app.bank.services.imports import (
    BankImportRejected,
    BankImportReport,
    PlannedQuestion,
    Source,
    check_sources,
    collect_files,
    decode_source,
    import_questions,
    import_upload,
    parse_sources,
    plan_import,
    read_source,
    upload_source,
)
from app.bank.services.versions import VERSION_FIELDS, new_question_key

__all__ = [
    "BULK_ACTIONS",
    "DEFAULT_CATEGORY",
    "MAX_TAG_LENGTH",
    "VERSION_FIELDS",
    "BankImportRejected",
    "BankImportReport",
    "ExportFile",
    "FieldDiff",
    "PlannedQuestion",
    "QuestionSaveRefused",
    "SaveOutcome",
    "Source",
    "bulk_update",
    "category_by_path",
    "changed_fields",
    "check_sources",
    "collect_files",
    "compare_versions",
    "decode_source",
    "ensure_category",
    "export_file",
    "export_questions",
    "import_questions",
    "import_upload",
    "join_category",
    "new_question_key",
    "parse_sources",
    "plan_import",
    "read_source",
    "save_question",
    "split_category",
    "upload_source",
    "writable_formats",
    "write_export",
]
