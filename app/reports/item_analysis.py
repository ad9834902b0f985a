"""A quiz's item analysis, built from its attempts: which attempts count, the marks matrix, the
statistics of every item and of every question drawn by a random slot, the response analysis.

Items are the quiz's slot positions: a fixed slot is one item; a random slot drawing N
questions is N items (the k-th question it drew in each attempt, in display order), and each
question it drew gets a row of its own over the attempts that drew it (Moodle's sub-question
rows). Slots holding a question that earns no mark (a description) are not items. A question
missing from an attempt (a slot added after it started) counts 0 there, as in Moodle; a slot
removed after attempts were made keeps its place as an item of its own.

Reads go through ``app.reports.queries`` (a fixed number of statements); the arithmetic is the
pure ``app.reports.item_stats``. Everything per answer is done on numpy arrays, and each distinct
response is summarised once, so 10,000 attempts x 50 questions take seconds, not minutes. The
result is the JSON payload the cache stores (docs/reports.md).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import numpy as np
from flask import current_app
from flask_babel import force_locale

from app.bank.qtypes import QTYPES
from app.core import clock
from app.core.i18n import select_locale
from app.reports import queries
from app.reports.item_stats import (
    ItemStatistics,
    choose_attempts,
    drawn_question_statistics,
    flags,
    histogram,
    item_statistics,
    overall_statistics,
)

#: response summaries kept per question (the most frequent); the rest are counted together
TOP_RESPONSES = 10
#: characters of a response summary kept
SUMMARY_CHARS = 200
#: an item key packs (removed slot?, slot or position number, draw) into one integer
_PACK = 1_000_000


@dataclass
class _Answers:
    """The answers counted, one entry per array position (numpy columns of the slot rows)."""

    attempt: np.ndarray  # row index in the marks matrix
    slot_number: np.ndarray  # the quiz slot's number (-1: slot removed)
    version: np.ndarray
    question: np.ndarray
    max_mark: np.ndarray
    mark: np.ndarray
    response: list  # JSON text or None
    column: np.ndarray  # item (column of the matrix)


def build(quiz, choice: str) -> dict:
    """The statistics payload of ``quiz`` for a choice of attempts (see docs/reports.md)."""
    chosen = np.array(choose_attempts(queries.finished_attempts(quiz.id), choice), dtype=np.int64)
    rows = queries.graded_slot_marks(quiz.id)
    slots = {slot.id: slot for slot in queries.slots_of(quiz.id)}
    columns = _columns(rows)
    versions = queries.versions_with_questions(np.unique(columns["version"]).tolist())
    graded = {v: QTYPES[version.qtype].is_graded for v, version in versions.items()}
    keep = np.isin(columns["attempt"], chosen) & _lookup(columns["version"], graded, bool)
    answers, items = _answers(columns, keep, chosen, slots, versions)

    matrix = np.zeros((len(chosen), len(items)))
    matrix[answers.attempt, answers.column] = answers.mark
    maxima = np.zeros(len(items))
    np.maximum.at(maxima, answers.column, answers.max_mark)
    totals = matrix.sum(axis=1)
    max_total = float(maxima.sum())
    item_stats = item_statistics(matrix, maxima.tolist())
    test = overall_statistics(totals, max_total, [s.mark_variance for s in item_stats])

    latest = np.zeros(len(items), dtype=np.int64)
    np.maximum.at(latest, answers.column, answers.version)
    drawn = _drawn_groups(answers, items)
    summaries = _SummaryCache(versions)
    responses = _response_counts(answers, items, drawn, summaries)
    last_random = {item["slot"]: j for j, item in enumerate(items) if item["kind"] == "random"}
    result = []
    for j, item in enumerate(items):
        if item["kind"] != "random":
            version = versions[int(latest[j])]
            result.append(
                _question_row(j + 1, item, version, item_stats[j], responses.get(("item", j)))
            )
            continue
        result.append(_random_row(j + 1, item, item_stats[j]))
        if last_random[item["slot"]] == j:
            # after the slot's last item: a row per question it drew, over the attempts that
            # drew it, against their whole totals
            sub_rows = [
                _question_row(
                    None,
                    {"key": f"{item['slot']}/{question_id}", "kind": "drawn", "slot": item["slot"]},
                    versions[int(answers.version[where].max())],
                    drawn_question_statistics(
                        answers.mark[where],
                        totals[answers.attempt[where]],
                        float(answers.max_mark[where].max()),
                        max_total,
                    ),
                    responses.get(("drawn", item["slot"], question_id)),
                )
                for (slot_number, question_id), where in drawn.items()
                if slot_number == item["slot"]
            ]
            sub_rows.sort(key=lambda r: (r["name"], r["question_id"]))
            _set_random_guess_scores(result, item["slot"], sub_rows)
            result += sub_rows
    return {
        "choice": choice,
        "computed_at": clock.now().isoformat(),
        "test": test.to_dict(),
        "histogram": histogram(totals, max_total),
        "rows": result,
    }


def _columns(rows: list[tuple]) -> dict:
    """The slot rows (queries.SLOT_MARK_COLUMNS) as one numpy array per column."""
    n = len(rows)

    def ints(i, missing=-1):
        return np.fromiter(
            (missing if r[i] is None else r[i] for r in rows), dtype=np.int64, count=n
        )

    def floats(i):
        return np.fromiter((np.nan if r[i] is None else r[i] for r in rows), dtype=float, count=n)

    return {
        "attempt": ints(0),
        "number": ints(1),
        "quiz_slot": ints(2),
        "version": ints(3),
        "max_mark": floats(4),
        "mark": floats(5),
        "response": [r[6] for r in rows],
    }


def _lookup(keys: np.ndarray, table: dict, dtype) -> np.ndarray:
    """``table[key]`` for every key of the array (few distinct keys: one lookup each)."""
    if not len(keys):
        return np.zeros(0, dtype=dtype)
    unique, inverse = np.unique(keys, return_inverse=True)
    return np.array([table[int(k)] for k in unique], dtype=dtype)[inverse.reshape(-1)]


def _answers(columns, keep, chosen, slots, versions) -> tuple[_Answers, list[dict]]:
    """The kept answers with their item (column), and the items in the quiz's order."""
    attempt = columns["attempt"][keep]
    number = columns["number"][keep]
    quiz_slot = columns["quiz_slot"][keep]
    version = columns["version"][keep]
    max_mark = columns["max_mark"][keep]
    mark = np.nan_to_num(columns["mark"][keep])
    response = [text for text, kept in zip(columns["response"], keep.tolist(), strict=True) if kept]
    known = {slot_id: slot.number for slot_id, slot in slots.items()}
    removed_ids = dict.fromkeys(np.unique(quiz_slot).tolist(), -1)
    slot_number = _lookup(quiz_slot, {**removed_ids, **known}, np.int64)
    # the k-th question each attempt drew in a slot, in display order (rows come ordered by
    # attempt and number; a stable sort by slot keeps that order inside each group)
    order = np.lexsort((number, quiz_slot, attempt))
    starts = np.ones(len(order), dtype=bool)
    if len(order):
        starts[1:] = (attempt[order][1:] != attempt[order][:-1]) | (
            quiz_slot[order][1:] != quiz_slot[order][:-1]
        )
    first = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    draw = np.empty(len(order), dtype=np.int64)
    draw[order] = np.arange(len(order)) - first + 1
    removed = slot_number < 0
    packed = (
        removed.astype(np.int64) * _PACK * _PACK
        + np.where(removed, number, slot_number) * _PACK
        + np.where(removed, 0, draw)
    )
    keys, column = np.unique(packed, return_inverse=True)
    by_number = {slot.number: slot for slot in slots.values()}
    items = [_item(int(key), by_number) for key in keys]
    question_of = {v: version.question_id for v, version in versions.items()}
    answers = _Answers(
        attempt=np.searchsorted(chosen, attempt),
        slot_number=slot_number,
        version=version,
        question=_lookup(version, question_of, np.int64),
        max_mark=max_mark,
        mark=mark,
        response=response,
        column=column.reshape(-1),
    )
    return answers, items


def _item(key: int, by_number: dict) -> dict:
    """An item's description from its packed key."""
    removed, rest = divmod(key, _PACK * _PACK)
    number, draw = divmod(rest, _PACK)
    if removed:
        return {"key": f"~{number}", "kind": "fixed", "slot": None, "category": ""}
    slot = by_number[number]
    return {
        "key": str(number) if slot.draw_count == 1 else f"{number}.{draw}",
        "kind": slot.kind,
        "slot": number,
        "category": slot.category.full_name if slot.category is not None else "",
    }


def _drawn_groups(answers: _Answers, items: list[dict]) -> dict[tuple[int, int], np.ndarray]:
    """(random slot number, question id) -> the positions of the answers drawn there."""
    is_random = np.array([item["kind"] == "random" for item in items] or [False], dtype=bool)
    where = np.flatnonzero(is_random[answers.column]) if len(answers.column) else answers.column
    if not len(where):
        return {}
    pairs = answers.slot_number[where] * _PACK * _PACK + answers.question[where]
    unique, inverse = np.unique(pairs, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(unique) + 1))
    return {
        divmod(int(pair), _PACK * _PACK): where[order[bounds[i] : bounds[i + 1]]]
        for i, pair in enumerate(unique)
    }


class _SummaryCache:
    """Each distinct (version, saved response) summarised once by its question type, in every
    language of the site: the payload is stored once and read in either language, and a type's
    own words ("True", "False") must not stay in the language of whoever computed it first."""

    def __init__(self, versions) -> None:
        self.versions = versions
        self.languages: tuple[str, ...] = tuple(current_app.config["LANGUAGES"])
        self.found: dict[tuple[int, str | None], tuple[str, ...]] = {}
        self.found_parts: dict[tuple[int, str | None], list] = {}

    def __call__(self, version_id: int, text: str | None) -> tuple[str, ...]:
        """The one-line summaries of a saved response (JSON text), one per language in the
        order of ``languages``; "" when not answered."""
        key = (version_id, text)
        if key not in self.found:
            value = json.loads(text) if text is not None else None
            found = [""] * len(self.languages)
            if value is not None:
                version = self.versions[version_id]
                qtype = QTYPES[version.qtype]
                for i, language in enumerate(self.languages):
                    with force_locale(language):
                        summary = qtype.summarise_response(version.data or {}, value) or ""
                    found[i] = " ".join(summary.split())[:SUMMARY_CHARS]
            self.found[key] = tuple(found)
        return self.found[key]

    def parts(self, version_id: int, text: str | None) -> list[tuple[tuple[str, ...], float]]:
        """Per part of a saved response (a Cloze question's blanks): its summaries, one per
        language ("" when left empty), and the fraction it earned; [] for a type without parts."""
        key = (version_id, text)
        if key not in self.found_parts:
            version = self.versions[version_id]
            qtype = QTYPES[version.qtype]
            found: list[tuple[tuple[str, ...], float]] = []
            if qtype.has_parts:
                data = version.data or {}
                value = json.loads(text) if text is not None else None
                fractions = qtype.grade_parts(data, value)
                by_language = []
                for language in self.languages:
                    with force_locale(language):
                        by_language.append(qtype.summarise_parts(data, value))
                for k, fraction in enumerate(fractions):
                    words = tuple(" ".join(w[k].split())[:SUMMARY_CHARS] for w in by_language)
                    found.append((words, float(fraction or 0.0)))
            self.found_parts[key] = found
        return self.found_parts[key]

    def labels(self, qtype_name: str, number: int) -> tuple[str, ...]:
        """A part's name ("Blank 2") in every language of the site."""
        qtype = QTYPES[qtype_name]
        found = []
        for language in self.languages:
            with force_locale(language):
                found.append(qtype.part_label(number))
        return tuple(found)

    def item(self, summaries: tuple[str, ...]) -> dict:
        """The payload's words for one response: ``summary`` in the language of this request
        (what older payloads hold alone) and ``summaries`` in every language."""
        by_language = dict(zip(self.languages, summaries, strict=True))
        return {"summary": by_language.get(select_locale(), summaries[0]), "summaries": by_language}


def _top(counter: Counter, earned: dict, summaries: _SummaryCache) -> tuple[list, int]:
    """The TOP_RESPONSES most frequent answers with their count and mean fraction earned, and
    how many gave another."""
    top = counter.most_common(TOP_RESPONSES)
    other = sum(counter.values()) - sum(n for _s, n in top)
    return [summaries.item(s) | {"count": n, "fraction": earned[s] / n} for s, n in top], other


def _response_counts(answers, items, drawn, summaries) -> dict[tuple, tuple[list, int, list]]:
    """Per question row (a fixed item, a drawn question): how many gave each answer and the
    mean fraction it earned; the TOP_RESPONSES most frequent and how many gave another; and the
    same per part for a type with parts (each blank of a Cloze question, with its facility)."""
    group = answers.column.copy()
    names: list[tuple] = [("item", j) for j in range(len(items))]
    for (slot_number, question_id), where in drawn.items():
        group[where] = len(names)
        names.append(("drawn", slot_number, question_id))
    fraction = np.divide(
        answers.mark, answers.max_mark, out=np.zeros_like(answers.mark), where=answers.max_mark > 0
    )
    codes: dict[tuple, int] = {}
    index = [
        codes.setdefault(key, len(codes))
        for key in zip(group.tolist(), answers.version.tolist(), answers.response, strict=True)
    ]
    counts = np.bincount(index, minlength=len(codes)) if index else np.zeros(0)
    earned = np.bincount(index, weights=fraction, minlength=len(codes)) if index else counts
    per_row: dict[tuple, Counter] = {}
    per_row_earned: dict[tuple, dict[tuple, float]] = {}
    #: row -> part number -> (Counter of the part's answers, their earned sums)
    per_part: dict[tuple, dict[int, tuple[Counter, dict]]] = {}
    qtype_of: dict[tuple, str] = {}
    for (g, version_id, text), code in codes.items():
        name = names[g]
        n = int(counts[code])
        summary = summaries(version_id, text)
        per_row.setdefault(name, Counter())[summary] += n
        sums = per_row_earned.setdefault(name, {})
        sums[summary] = sums.get(summary, 0.0) + float(earned[code])
        qtype_of[name] = summaries.versions[version_id].qtype
        for k, (words, fraction) in enumerate(summaries.parts(version_id, text), start=1):
            counter, part_sums = per_part.setdefault(name, {}).setdefault(k, (Counter(), {}))
            counter[words] += n
            part_sums[words] = part_sums.get(words, 0.0) + fraction * n
    result = {}
    for name, counter in per_row.items():
        parts = []
        for k, (part_counter, part_sums) in sorted(per_part.get(name, {}).items()):
            responses, other = _top(part_counter, part_sums, summaries)
            parts.append(
                {
                    "number": k,
                    "label": summaries.item(summaries.labels(qtype_of[name], k)),
                    "facility": sum(part_sums.values()) / sum(part_counter.values()),
                    "responses": responses,
                    "other_responses": other,
                }
            )
        result[name] = (*_top(counter, per_row_earned[name], summaries), parts)
    return result


def _random_row(number: int, item: dict, stats: ItemStatistics) -> dict:
    return {
        **item,
        "number": number,
        "question_id": None,
        "question_key": None,
        "name": "",
        "qtype": None,
        "stats": stats.to_dict(),
        "random_guess_score": None,  # filled from the questions it drew
        "flags": [],
        "responses": [],
        "other_responses": 0,
    }


def _question_row(number, item: dict, version, stats: ItemStatistics, responses) -> dict:
    summaries, other, parts = responses or ([], 0, [])
    return {
        "key": item["key"],
        "number": number,
        "kind": item["kind"],
        "slot": item["slot"],
        "category": "",
        "question_id": version.question_id,
        "question_key": version.question.key,
        "name": version.name,
        "qtype": version.qtype,
        "stats": stats.to_dict(),
        "random_guess_score": QTYPES[version.qtype].random_guess_score(version.data or {}),
        "flags": flags(stats),
        "responses": summaries,
        "other_responses": other,
        "parts": parts,
    }


def _set_random_guess_scores(rows, slot_number, sub_rows) -> None:
    """A random slot's items guess as well as the questions it drew, weighted by draws."""
    known = [
        (r["random_guess_score"], r["stats"]["count"])
        for r in sub_rows
        if r["random_guess_score"] is not None
    ]
    weight = sum(n for _score, n in known)
    score = sum(s * n for s, n in known) / weight if weight else None
    for row in rows:
        if row["kind"] == "random" and row["slot"] == slot_number:
            row["random_guess_score"] = score
