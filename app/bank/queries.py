"""Read-side queries of the bank: the paged list, the category tree, a question's history, the
look-alikes an author is warned about, and the lookups that imports, saves and exports make."""

import difflib
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from app.bank import richtext
from app.bank.models import (
    Category,
    Question,
    QuestionCompetency,
    QuestionFile,
    QuestionTag,
    QuestionVersion,
)
from app.core import hooks
from app.core.models import AuditEvent
from app.extensions import db

#: sort keys of the bank list -> the column they order by
SORTS = {
    "name": QuestionVersion.name,
    "type": QuestionVersion.qtype,
    "difficulty": QuestionVersion.difficulty,
    "updated": Question.updated_at,
}
#: plain texts at least this similar (difflib ratio) in one category are shown as look-alikes
SIMILAR_TEXT_RATIO = 0.9


def bank_list(
    *,
    category_id=None,
    qtype=None,
    competency=None,
    difficulty=None,
    status=None,
    tag=None,
    text="",
    sort=None,
    descending=False,
):
    """Latest versions matching the filters, with question, category, tags and competencies.

    ``sort`` is a key of SORTS (ties broken by the stable key); None keeps category order.
    """
    query = (
        select(QuestionVersion)
        .join(Question, QuestionVersion.question_id == Question.id)
        .join(Category, Question.category_id == Category.id)
        .where(QuestionVersion.number == Question.latest_number)
        .options(
            contains_eager(QuestionVersion.question).contains_eager(Question.category),
            selectinload(QuestionVersion.competency_rows),
        )
    )
    if category_id:
        category = db.session.get(Category, category_id)
        if category is not None:
            query = query.where(Category.path.startswith(category.path))
    if qtype:
        query = query.where(QuestionVersion.qtype == qtype)
    if difficulty:
        query = query.where(QuestionVersion.difficulty == difficulty)
    if status:
        query = query.where(Question.status == status)
    if competency:
        query = query.where(
            QuestionVersion.id.in_(
                select(QuestionCompetency.version_id).where(QuestionCompetency.code == competency)
            )
        )
    if tag:
        query = query.where(
            Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag == tag))
        )
    if text:
        like = f"%{text.strip()}%"
        query = query.where(
            or_(
                QuestionVersion.name.ilike(like),
                QuestionVersion.questiontext.ilike(like),
                Question.key.ilike(like),
            )
        )
    if sort in SORTS:
        column = SORTS[sort]
        return query.order_by(column.desc() if descending else column.asc(), Question.key)
    return query.order_by(Category.full_name, Question.key)


def categories_with_counts() -> list[tuple[Category, int]]:
    """Every category in path-name order with its number of questions (one query)."""
    counts = (
        select(Question.category_id, func.count(Question.id).label("n"))
        .group_by(Question.category_id)
        .subquery()
    )
    return db.session.execute(
        select(Category, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.category_id == Category.id)
        .order_by(Category.full_name)
    ).all()


@dataclass(frozen=True)
class QuestionFlag:
    """A remark another feature makes about a question (``question_flags`` hook), e.g. a quiz's
    statistics finding it too easy; the bank shows it beside the question."""

    #: the badge's words, e.g. "Too easy"
    text: str
    #: where it comes from, e.g. the quiz's title
    source: str
    #: the longer explanation (the figures behind it)
    detail: str = ""
    url: str | None = None
    is_warning: bool = True


def question_flags(question_ids) -> dict[int, list[QuestionFlag]]:
    """Question id -> the remarks other features make about it (each feature: one query)."""
    ids = list(question_ids)
    found: dict[int, list[QuestionFlag]] = {}
    if not ids:
        return found
    for answer in hooks.fire("question_flags", ids):
        for question_id, flags in answer.items():
            found.setdefault(question_id, []).extend(flags)
    return found


def question_by_key(key: str) -> Question | None:
    """The question with this stable key."""
    return db.session.scalar(select(Question).where(Question.key == key))


def history(question: Question, *, with_files: bool = False) -> list[QuestionVersion]:
    """Every version of ``question``, newest first, with authors (and their embedded files
    when asked, for comparing versions) in a fixed number of queries."""
    options = [selectinload(QuestionVersion.author)]
    if with_files and hasattr(QuestionVersion, "file_rows"):
        options.append(selectinload(QuestionVersion.file_rows))
    return db.session.scalars(
        select(QuestionVersion)
        .where(QuestionVersion.question_id == question.id)
        .options(*options)
        .order_by(QuestionVersion.number.desc())
    ).all()


@dataclass
class TreeNode:
    """A category in the browse tree: its own questions and those of its whole subtree."""

    category: Category
    depth: int
    n_own: int
    n_total: int


def category_tree() -> list[TreeNode]:
    """Every category depth-first, siblings by name, with own and subtree counts (one query).

    Ordering by full name would misplace children ("A-b" sorts between "A" and "A/c").
    """
    rows = categories_with_counts()
    children: dict[int | None, list[Category]] = {}
    totals: dict[int, int] = {}
    own: dict[int, int] = {}
    for category, n in rows:
        children.setdefault(category.parent_id, []).append(category)
        own[category.id] = n
        for ancestor in category.path.strip("/").split("/"):
            if ancestor:
                totals[int(ancestor)] = totals.get(int(ancestor), 0) + n
    nodes: list[TreeNode] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for category in sorted(children.get(parent_id, []), key=lambda c: c.name):
            nodes.append(TreeNode(category, depth, own[category.id], totals.get(category.id, 0)))
            walk(category.id, depth + 1)

    walk(None, 0)
    return nodes


def tag_names() -> list[str]:
    """Every tag in use, alphabetically (for the tag filter and the bulk tagger)."""
    return list(db.session.scalars(select(QuestionTag.tag).distinct().order_by(QuestionTag.tag)))


def questions_by_ids(ids: list[int]) -> list[Question]:
    """The questions with these ids (unknown ids are ignored), with their categories."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Question)
            .where(Question.id.in_(ids))
            .options(selectinload(Question.category))
            .order_by(Question.id)
        )
    )


def question_audit(question: Question) -> list[tuple[AuditEvent, object]]:
    """Every audit row about ``question``, newest first, each with its actor (two queries)."""
    from app.org.models import User

    events = list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == "Question", AuditEvent.target_id == str(question.id))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    actors = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    return [(event, actors.get(event.actor_id)) for event in events]


@dataclass
class LookAlike:
    """A question an author may be about to duplicate."""

    key: str
    name: str
    status: str
    #: "name" (same category and name) or "text" (near-identical text)
    reason: str
    ratio: float


def similar_questions(
    category_path: str | None,
    name: str,
    text: str,
    textformat: str = "markdown",
    *,
    exclude_id: int | None = None,
) -> list[LookAlike]:
    """Questions of the same category with the same name or near-identical plain text."""
    if not category_path:
        return []
    rows = db.session.execute(
        select(
            Question.id,
            Question.key,
            Question.status,
            QuestionVersion.name,
            QuestionVersion.questiontext,
            QuestionVersion.questiontextformat,
        )
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .join(Category, Question.category_id == Category.id)
        .where(
            Category.full_name == category_path,
            QuestionVersion.number == Question.latest_number,
        )
        .order_by(Question.key)
    ).all()
    plain = _comparable(richtext.to_plain(text, textformat))
    found = []
    for question_id, key, status, other_name, other_text, other_format in rows:
        if question_id == exclude_id:
            continue
        if other_name.strip() == name.strip():
            found.append(LookAlike(key, other_name, status, "name", 1.0))
            continue
        if not plain:
            continue
        other = _comparable(richtext.to_plain(other_text, other_format))
        matcher = difflib.SequenceMatcher(None, plain, other, autojunk=False)
        # The cheap upper bounds first: most of a category is nowhere near.
        if matcher.real_quick_ratio() < SIMILAR_TEXT_RATIO:
            continue
        if matcher.quick_ratio() < SIMILAR_TEXT_RATIO:
            continue
        ratio = matcher.ratio()
        if ratio >= SIMILAR_TEXT_RATIO:
            found.append(LookAlike(key, other_name, status, "text", ratio))
    return found


def _comparable(text: str) -> str:
    """Plain text with runs of white space folded, so line breaks alone never differ."""
    return " ".join(text.split())


def question_file(version_id: int, name: str) -> QuestionFile | None:
    """The file called ``name`` (its path inside the question) of a version."""
    return db.session.scalar(
        select(QuestionFile).where(QuestionFile.version_id == version_id, QuestionFile.name == name)
    )


def question_count() -> int:
    """How many questions the bank holds."""
    return db.session.scalar(select(func.count(Question.id))) or 0


def key_is_taken(key: str) -> bool:
    """Whether a question already has this stable key."""
    return db.session.scalar(select(Question.id).where(Question.key == key)) is not None


def category_by_id(category_id: int) -> Category | None:
    """The category with this id."""
    return db.session.get(Category, category_id)


def category_by_full_name(full_name: str) -> Category | None:
    """The category whose path of names is exactly ``full_name``."""
    return db.session.scalar(select(Category).where(Category.full_name == full_name))


def categories_by_full_name() -> dict[str, Category]:
    """Every category by its path of names (an import loads them all once)."""
    return {c.full_name: c for c in db.session.scalars(select(Category))}


def questions_by_keys(keys: list[str]) -> dict[str, Question]:
    """The questions with these stable keys, by key, with their categories."""
    if not keys:
        return {}
    return {
        q.key: q
        for q in db.session.scalars(
            select(Question).where(Question.key.in_(keys)).options(selectinload(Question.category))
        )
    }


def questions_by_category_and_name(names: list[str]) -> dict[tuple[str, str], Question]:
    """Questions whose latest version has one of ``names``, by (category path, name); the
    first one found wins where two share both."""
    if not names:
        return {}
    rows = db.session.execute(
        select(Question, Category.full_name, QuestionVersion.name)
        .join(Category, Question.category_id == Category.id)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id)
            & (QuestionVersion.number == Question.latest_number),
        )
        .where(QuestionVersion.name.in_(names))
    )
    found: dict[tuple[str, str], Question] = {}
    for question, category_name, name in rows:
        found.setdefault((category_name, name), question)
    return found


def latest_versions(questions: list[Question]) -> dict[int, QuestionVersion]:
    """The latest version of each of ``questions`` (with its files), by question id."""
    if not questions:
        return {}
    rows = db.session.scalars(
        select(QuestionVersion)
        .join(Question, QuestionVersion.question_id == Question.id)
        .where(
            QuestionVersion.question_id.in_([q.id for q in questions]),
            QuestionVersion.number == Question.latest_number,
        )
        .options(selectinload(QuestionVersion.file_rows))
    )
    return {v.question_id: v for v in rows}


def latest_versions_select(category: Category | None = None):
    """Select the latest version of every question (of a category subtree if given)."""
    query = (
        select(QuestionVersion)
        .join(Question, QuestionVersion.question_id == Question.id)
        .join(Category, Question.category_id == Category.id)
        .where(QuestionVersion.number == Question.latest_number)
    )
    if category is not None:
        query = query.where(Category.path.startswith(category.path))
    return query.order_by(Category.full_name, Question.key)


def latest_versions_for_export(category: Category | None = None) -> list[QuestionVersion]:
    """The latest version of every question (of a category subtree), with what exporting
    them reads: question, category and embedded files."""
    return list(
        db.session.scalars(
            latest_versions_select(category).options(
                selectinload(QuestionVersion.question).selectinload(Question.category),
                selectinload(QuestionVersion.file_rows),
            )
        )
    )
