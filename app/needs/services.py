"""Assigning the courses that training needs recommend: many people in one action, each
assignment through the courses feature with the reason the person will see."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _

from app.competencies.queries import competency_label
from app.core.errors import DomainError
from app.core.permissions import can_assign_to
from app.core.uow import transaction
from app.courses import services as courses
from app.needs.queries import PersonNeeds
from app.quality.queries import indicator_label


class AssignmentRefused(DomainError):
    """The assignment could not be made."""


def reason_for(item: PersonNeeds, code: str) -> str:
    """Why the course is assigned, in the person's language: "K01 客户满意率 62 分，CM2 差 2 级"."""
    need = next((n for n in item.needs if n.code == code), None)
    locale = item.person.locale or "zh_CN"
    with force_locale(locale):
        if need is None or not need.because:
            return _("To develop %(competency)s.", competency=competency_label(code, locale))
        indicator, score = need.because[0]
        return _(
            "%(indicator)s %(score)d points; %(competency)s %(gap)d level(s) below",
            indicator=indicator_label(indicator, locale),
            score=round(score),
            competency=competency_label(code, locale),
            gap=need.gap,
        )


@transaction
def assign_recommended(actor, choices: list[tuple[PersonNeeds, object, str]], due_on: date) -> int:
    """Assign each (person's needs, course, competency code) with a due date: all or none."""
    if not choices:
        raise AssignmentRefused(_("Tick at least one course to assign."))
    made = 0
    for item, course, code in choices:
        if not can_assign_to(actor, item.person):
            raise AssignmentRefused(
                _("You may not assign courses to %(name)s.", name=item.person.name)
            )
        courses.create_rule(
            actor,
            course,
            target_kind="user",
            user=item.person,
            due_kind="fixed",
            due_on=due_on,
            is_mandatory=True,
            reason=reason_for(item, code),
        )
        made += 1
    return made
