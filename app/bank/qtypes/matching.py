"""Matching: each item is paired with one answer from a shared list (with extra distractors)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from app.bank import richtext
from app.bank.qtypes.api import ResponseRefused, api_id, expect_api_keys
from app.bank.qtypes.base import (
    ChoiceOrder,
    DataReader,
    Issue,
    QType,
    Rendering,
    correctness_badge,
    esc,
    not_answered_block,
    permutation_or_identity,
    right_answer_block,
)
from app.bank.qtypes.i18n import _, _l


def choices(data: Mapping[str, Any]) -> list[str]:
    """The distinct answers in authored order, distractors included (Moodle's choices)."""
    seen: list[str] = []
    for sub in data["subquestions"]:
        if sub["answer"] not in seen:
            seen.append(sub["answer"])
    return seen


def stems(data: Mapping[str, Any]) -> list[int]:
    """Indexes of the real subquestions: those with text (the rest are distractors)."""
    return [i for i, sub in enumerate(data["subquestions"]) if sub["text"].strip()]


def is_permutation_of(order: list[Any], indexes: list[int]) -> bool:
    """Whether `order` holds exactly `indexes` (integers only: stored orders come from us)."""
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in order):
        return False
    return sorted(order) == sorted(indexes)


class Matching(QType):
    """Each right pair earns an equal share; the response maps subquestion index -> answer."""

    name = "matching"
    label = _l("Matching")
    help = _l(
        "Staff pair each item with an answer. Give at least 2 items and 3 answers; an answer "
        "with an empty item is a distractor."
    )
    has_combined_feedback = True
    keys = ("shuffleanswers", "shownumcorrect", "subquestions")
    form_layout = (("subquestions",), ("shuffleanswers", "shownumcorrect"))
    api_schema = {
        "type": "object",
        "properties": {
            "pairs": {
                "type": "object",
                "description": "subquestion id -> answer id",
                "additionalProperties": {"type": "integer", "minimum": 1, "nullable": True},
            }
        },
        "required": ["pairs"],
        "additionalProperties": False,
    }

    def read(self, reader: DataReader, d: Mapping[str, Any]) -> dict[str, Any]:
        """Read shuffle and the {text, answer} pairs."""
        subquestions = []
        for index, item in reader.items(d, "subquestions", ()):
            path = ("subquestions", index)
            reader.unknown_keys(item, ("text", "answer", "format"), path)
            sub: dict[str, Any] = {
                "text": reader.text(item, "text", path),
                # Moodle trims answers on save; the match is on this exact text.
                "answer": reader.text(item, "answer", path).strip(),
            }
            fmt = reader.text_format(item, "format", path)
            if fmt is not None:
                sub["format"] = fmt
            subquestions.append(sub)
        return {
            "shuffleanswers": reader.boolean(d, "shuffleanswers", (), True),
            "shownumcorrect": reader.boolean(d, "shownumcorrect", (), False),
            "subquestions": subquestions,
        }

    def to_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Write shuffle and the pairs; a distractor is a pair with empty text."""
        subquestions = []
        for sub in data["subquestions"]:
            out = {"text": sub["text"], "answer": sub["answer"]}
            if sub.get("format"):
                out["format"] = sub["format"]
            subquestions.append(out)
        return {
            "shuffleanswers": bool(data["shuffleanswers"]),
            "shownumcorrect": bool(data.get("shownumcorrect", False)),
            "subquestions": subquestions,
        }

    def check(self, data: Mapping[str, Any]) -> list[Issue]:
        """Moodle's form: every item needs an answer; at least 2 items and 3 answers in all."""
        issues: list[Issue] = []
        n_questions = n_answers = 0
        for index, sub in enumerate(data["subquestions"]):
            has_text, has_answer = bool(sub["text"].strip()), bool(sub["answer"].strip())
            n_questions += has_text
            n_answers += has_text or has_answer
            if has_text and not has_answer:
                issues.append(
                    Issue(
                        ("subquestions", index, "answer"),
                        _("item %(n)d has no matching answer") % {"n": index + 1},
                    )
                )
            if not has_text and not has_answer:
                issues.append(
                    Issue(("subquestions", index), _("item %(n)d is empty") % {"n": index + 1})
                )
        if n_questions < 2 or n_answers < 3:
            issues.append(
                Issue(
                    ("subquestions",),
                    _(
                        "give at least 2 items and 3 answers (a distractor is an answer with "
                        "empty text)"
                    ),
                )
            )
        return issues

    def choice_order(
        self, data: Mapping[str, Any], shuffle: bool, rng: random.Random
    ) -> ChoiceOrder:
        """Moodle always shuffles the answer list; the items only when shuffling is allowed."""
        stem_order = stems(data)
        if shuffle and data.get("shuffleanswers", True):
            rng.shuffle(stem_order)
        choice_order = list(range(len(choices(data))))
        rng.shuffle(choice_order)
        return {"stems": stem_order, "choices": choice_order}

    def _orders(self, data: Mapping[str, Any], order: ChoiceOrder) -> tuple[list[int], list[str]]:
        """(stem indexes in display order, answer texts in display order)."""
        real = stems(data)
        answers = choices(data)
        order = order if isinstance(order, Mapping) else {}
        stem_order = order.get("stems")
        if not isinstance(stem_order, list) or not is_permutation_of(stem_order, real):
            stem_order = real
        shown = permutation_or_identity(order.get("choices"), len(answers))
        return list(stem_order), [answers[i] for i in shown]

    def read_form(self, data: Mapping[str, Any], form: Any, field_name: str) -> Any:
        """One select per item, named <field>_sub<index>."""
        return {str(i): form.get(f"{field_name}_sub{i}") for i in stems(data)}

    def normalise_response(
        self, data: Mapping[str, Any], raw: Any, choice_order: ChoiceOrder = None
    ) -> dict[str, str] | None:
        """Map each item's chosen position to the answer text; None when nothing is chosen."""
        if not isinstance(raw, Mapping):
            return None
        _stems, shown = self._orders(data, choice_order)
        real = set(stems(data))
        response: dict[str, str] = {}
        for key, value in raw.items():
            try:
                stem, position = int(str(key)), int(str(value).strip())
            except (TypeError, ValueError):
                continue
            if stem in real and 0 <= position < len(shown):
                response[str(stem)] = shown[position]
        return response or None

    def _answer_for(self, response: Any, stem: int) -> str | None:
        if not isinstance(response, Mapping):
            return None
        value = response.get(str(stem), response.get(stem))
        return value if isinstance(value, str) else None

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        """Right pairs divided by the number of items (distractors do not count)."""
        real = stems(data)
        if not real:
            return 0.0
        right = sum(
            1 for i in real if self._answer_for(response, i) == data["subquestions"][i]["answer"]
        )
        return right / len(real)

    def random_guess_score(self, data: Mapping[str, Any]) -> float | None:
        """Moodle: one over the number of distinct answers."""
        n_choices = len(choices(data))
        return 1 / n_choices if n_choices else None

    def correct_response(self, data: Mapping[str, Any]) -> dict[str, str] | None:
        """Every item with its own answer."""
        return {str(i): data["subquestions"][i]["answer"] for i in stems(data)} or None

    def is_complete_response(self, data: Mapping[str, Any], response: Any) -> bool:
        """Moodle: complete once every item has an answer."""
        return all(self._answer_for(response, i) is not None for i in stems(data))

    def summarise_response(self, data: Mapping[str, Any], response: Any) -> str:
        """ "item -> answer; ..." in authored order, for answered items."""
        parts = []
        for i in stems(data):
            answer = self._answer_for(response, i)
            if answer is not None:
                sub = data["subquestions"][i]
                parts.append(
                    richtext.to_plain(sub["text"], sub.get("format") or "plain") + " -> " + answer
                )
        return "; ".join(parts)

    def answer_html(self, view: Rendering) -> str:
        """A table of items, each with a select of all answers in the frozen order."""
        return self._render(view)

    def review_html(self, view: Rendering) -> str:
        """Disabled selects with a mark per item, and the right pairs when allowed."""
        data = view.data
        body = self._render(view)
        if not any(self._answer_for(view.response, i) is not None for i in stems(data)):
            body += not_answered_block()
        if view.show_correct:
            pairs = [
                esc(
                    richtext.to_plain(
                        data["subquestions"][i]["text"],
                        data["subquestions"][i].get("format") or view.textformat,
                    )
                )
                + " → "
                + esc(data["subquestions"][i]["answer"])
                for i in stems(data)
            ]
            body += right_answer_block(_("The correct answer is:"), "; ".join(pairs))
        return body

    def _render(self, view: Rendering) -> str:
        data, field_name = view.data, view.field_name
        stem_order, shown = self._orders(data, view.order)
        rows = []
        for i in stem_order:
            sub = data["subquestions"][i]
            chosen = self._answer_for(view.response, i)
            select_id = f"{field_name}_sub{i}"
            options = ['<option value="">' + esc(_("Choose...")) + "</option>"]
            for position, answer in enumerate(shown):
                selected = " selected" if answer == chosen else ""
                options.append(f'<option value="{position}"{selected}>{esc(answer)}</option>')
            disabled = " disabled" if view.is_review else ""
            mark = ""
            if view.show_correct and chosen is not None:
                mark = correctness_badge(1.0 if chosen == sub["answer"] else 0.0)
            # The item's own text labels its list (a screen reader reads it with the select).
            rows.append(
                f'<tr><td class="text" id="{esc(select_id)}-label">'
                + richtext.render_inline(sub["text"], sub.get("format") or view.textformat)
                + f'</td><td class="control"><select class="form-select" name="{esc(select_id)}"'
                f' id="{esc(select_id)}" aria-labelledby="{esc(select_id)}-label"{disabled}>'
                + "".join(options)
                + "</select>"
                + mark
                + "</td></tr>"
            )
        return (
            '<table class="table table-sm align-middle answer qtype-matching"><tbody>'
            + "".join(rows)
            + "</tbody></table>"
        )

    def regrade_signature(self, data: Mapping[str, Any], questiontext: str) -> tuple:
        """The type, the text and the answers offered (sorted: the list is always shuffled)."""
        answers = tuple(sorted(s.get("answer") for s in data.get("subquestions", [])))
        return (self.name, questiontext, answers)

    def api_view(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, textformat: str
    ) -> dict[str, Any]:
        """The items and the answers, each in displayed order with its per-attempt id."""
        stem_order, shown = self._orders(data, choice_order)
        subs = data["subquestions"]
        return {
            "subquestions": [
                {
                    "id": position + 1,
                    "text": richtext.render_inline(
                        subs[stem]["text"], subs[stem].get("format") or textformat
                    ),
                }
                for position, stem in enumerate(stem_order)
            ],
            # Answers are plain text on the pages too; escaped, every "text" of the API is HTML.
            "answers": [
                {"id": position + 1, "text": esc(text)} for position, text in enumerate(shown)
            ],
        }

    def api_to_raw(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, response: Mapping[str, Any]
    ) -> dict[str, str]:
        """``{"pairs": {item id: answer id}}``: the select values the page's form would send."""
        expect_api_keys(response, "pairs")
        pairs = response["pairs"]
        if pairs is None:
            return {}
        if not isinstance(pairs, Mapping):
            raise ResponseRefused("pairs", _("Give an object of subquestion id to answer id."))
        stem_order, shown = self._orders(data, choice_order)
        raw = {}
        for key, answer in pairs.items():
            try:
                sub = int(str(key))
            except ValueError:
                sub = 0
            if not 1 <= sub <= len(stem_order):
                raise ResponseRefused(
                    f"pairs.{key}",
                    _("No subquestion has this id (1 to %(n)d).") % {"n": len(stem_order)},
                )
            if answer is None:
                continue
            api_id(answer, len(shown), f"pairs.{key}", _("Give an answer id from 1 to %(n)d."))
            raw[str(stem_order[sub - 1])] = str(answer - 1)
        return raw

    def api_from_stored(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, stored: Any
    ) -> dict[str, Any] | None:
        """Each answered item's id with its answer's id."""
        if not isinstance(stored, Mapping):
            return None
        stem_order, shown = self._orders(data, choice_order)
        pairs = {}
        for position, stem in enumerate(stem_order):
            text = stored.get(str(stem))
            if isinstance(text, str) and text in shown:
                pairs[str(position + 1)] = shown.index(text) + 1
        return {"pairs": pairs}


qtype = Matching()
