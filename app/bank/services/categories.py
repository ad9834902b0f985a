"""Categories of the bank: paths of names joined by '/', created with their parents on demand."""

from app.bank import queries
from app.bank.models import Category
from app.extensions import db

#: where questions that name no category go: a category is data, named once for everyone in
#: the company's language (the pages never show a raw English "Default" to Chinese users)
DEFAULT_CATEGORY = "默认"


def split_category(path: str | None) -> list[str]:
    """Category names from a path of names joined by '/' (empty names dropped)."""
    return [part.strip() for part in (path or "").split("/") if part.strip()]


def join_category(*paths: str | None) -> str:
    """Join category paths: ``join_category("A", "B/C") == "A/B/C"``."""
    names = [name for path in paths for name in split_category(path)]
    return "/".join(names) or DEFAULT_CATEGORY


def ensure_category(
    full_name: str, description: str | None = None, *, known: dict[str, Category] | None = None
) -> Category:
    """The category with this path, created (with its parents) where missing; flushed.

    ``known`` maps paths to categories already loaded (an import loads them all once), so a
    run over thousands of questions does not ask the database once per question.
    """
    parent = None
    names = split_category(full_name) or [DEFAULT_CATEGORY]
    for depth, name in enumerate(names, start=1):
        path_name = "/".join(names[:depth])
        category = known.get(path_name) if known is not None else None
        if category is None:
            category = queries.category_by_full_name(path_name)
        if category is None:
            category = Category(name=name, parent=parent, full_name=path_name)
            db.session.add(category)
            db.session.flush()
            category.path = f"{parent.path if parent else '/'}{category.id}/"
        if known is not None:
            known[path_name] = category
        parent = category
    if description is not None:
        parent.description = description
    return parent


def category_by_path(full_name: str) -> Category | None:
    """The category named by a path as authors write it (spaces and empty names tidied)."""
    return queries.category_by_full_name(join_category(full_name))
