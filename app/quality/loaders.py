"""Object loaders of service quality, shared by pages and the API: a record or 404."""

from flask import abort

from app.quality import queries
from app.quality.models import Indicator, Score, ScoreBatch


def get_indicator_or_404(code: str) -> Indicator:
    """The indicator with this code, or 404."""
    indicator = queries.indicator_by_code(code)
    if indicator is None:
        abort(404)
    return indicator


def get_batch_or_404(batch_id: int) -> ScoreBatch:
    """The score batch with this id, or 404."""
    batch = queries.batch_by_id(batch_id)
    if batch is None:
        abort(404)
    return batch


def get_score_or_404(score_id: int) -> Score:
    """The score with this id (person, indicator and batch loaded), or 404."""
    score = queries.score_for_correction(score_id)
    if score is None:
        abort(404)
    return score


def get_contest_or_404(contest_id: int):
    """The contest with this id (person, indicator, value and resolver loaded), or 404."""
    from app.quality.queries_follow import contest_by_id

    contest = contest_by_id(contest_id)
    if contest is None:
        abort(404)
    return contest
