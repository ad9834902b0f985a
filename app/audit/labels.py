"""What each audited action and record type is called on the pages and in exports.

Users see words, not codes: every action has a translated label here, and an action missing
from the list (a feature added one and forgot this file) shows its raw name instead of failing.
"""

from flask_babel import lazy_gettext as _l

#: action -> label (the raw action is the fallback)
ACTION_LABELS = {
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
    "attempt.grade": _l("Attempt graded by hand"),
    "attempt.regrade": _l("Attempt regraded"),
    "competency.create": _l("Competency created"),
    "competency.rating": _l("Competency rated"),
    "competency.restore": _l("Competency restored"),
    "competency.retire": _l("Competency retired"),
    "competency.scale": _l("Competency scale changed"),
    "competency.validity": _l("Competency validity changed"),
    "competency.version": _l("Competency wording changed"),
    "course.activity.add": _l("Course activity added"),
    "course.activity.remove": _l("Course activity removed"),
    "course.attendance": _l("Attendance recorded"),
    "course.create": _l("Course created"),
    "course.file.add": _l("Course file uploaded"),
    "course.publish": _l("Course published"),
    "course.quota": _l("Training-hour quota set"),
    "course.rule.create": _l("Assignment rule created"),
    "course.rule.delete": _l("Assignment rule deleted"),
    "course.update": _l("Course changed"),
    "enrolment.complete": _l("Course completed"),
    "indicator.create": _l("Indicator created"),
    "indicator.update": _l("Indicator changed"),
    "indicator_parameters.set": _l("Indicator parameters set"),
    "question.create": _l("Question created"),
    "question.edit": _l("Question edited"),
    "question.import": _l("Questions imported"),
    "quiz.audience": _l("Quiz audience changed"),
    "quiz.create": _l("Quiz created"),
    "quiz.override": _l("Quiz override granted"),
    "quiz.override.delete": _l("Quiz override removed"),
    "quiz.slot.add": _l("Question added to a quiz"),
    "quiz.slot.remove": _l("Question removed from a quiz"),
    "quiz.update": _l("Quiz changed"),
    "role_profile.set": _l("Role profile set"),
    "service_score.correct": _l("Service score corrected"),
    "service_scores.import": _l("Service scores imported"),
    "user.active": _l("Account activated or deactivated"),
    "user.auth_source": _l("Sign-in method changed"),
    "user.create": _l("Account created"),
    "user.directory_sync": _l("Account updated from the directory"),
    "user.import": _l("Account imported"),
    "user.lock": _l("Account locked after failed sign-ins"),
    "user.password": _l("Password set"),
    "user.unlock": _l("Account unlocked"),
    "user.update": _l("Account changed"),
    # customer ratings (issue 27)
    "customer_rating.review": _l("Customer comment reviewed"),
    "kiosk_device.issue": _l("Kiosk token issued"),
    "kiosk_device.revoke": _l("Kiosk token revoked"),
    "rating_hall.save": _l("Service hall saved"),
    "rating_hall.rotate_secret": _l("Receipt secret rotated"),
    "rating_held_words.set": _l("Held words changed"),
    "rating_indicator_setting.set": _l("Ratings' K01 setting changed"),
    "rating_reason.save": _l("Rating reason saved"),
    "rating_window.save": _l("Counter window saved"),
    "service_scores.ratings": _l("Service score from customer ratings"),
    "window_check_in.end": _l("Checked out at a window"),
    "window_check_in.start": _l("Checked in at a window"),
}

#: record type (the model's class name) -> label
TARGET_LABELS = {
    "ApiToken": _l("API token"),
    "Attempt": _l("Attempt"),
    "Competency": _l("Competency"),
    "Course": _l("Course"),
    "Enrolment": _l("Enrolment"),
    "Indicator": _l("Indicator"),
    "Question": _l("Question"),
    "QuestionImport": _l("Question import"),
    "Quiz": _l("Quiz"),
    "RoleProfile": _l("Role profile"),
    "ScoreBatch": _l("Score batch"),
    "ServiceScore": _l("Service score"),
    "User": _l("Account"),
    "CheckIn": _l("Check-in at a window"),
    "Hall": _l("Service hall"),
    "HeldWordList": _l("Held words"),
    "IndicatorSetting": _l("Indicator setting"),
    "KioskDevice": _l("Kiosk token"),
    "Rating": _l("Customer rating"),
    "Reason": _l("Rating reason"),
    "Window": _l("Counter window"),
}


def action_label(action: str) -> str:
    """The words for ``action``, or the action itself when it has none yet."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def target_label(target_type: str) -> str:
    """The words for a record type, or the type itself."""
    label = TARGET_LABELS.get(target_type)
    return str(label) if label is not None else target_type
