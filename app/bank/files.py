"""Where the files embedded in a question version are served, for every page that shows one
(the bank, attempts, reviews, grading): its texts keep Moodle's @@PLUGINFILE@@ placeholder."""

from flask import url_for

from app.bank import richtext


def with_version_files(rendered: str, version_id: int) -> str:
    """Rendered HTML with its @@PLUGINFILE@@ references pointing at the version's files."""
    if richtext.PLUGINFILE not in rendered:
        return rendered
    return richtext.resolve_files(
        rendered, lambda name: url_for("bank.question_file", version_id=version_id, name=name)
    )
