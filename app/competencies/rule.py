"""The level rule: a person's current level of one competency from the evidence still valid.

Pure: plain data in, a level and the evidence behind it out; ``now`` is given, never read. The
rule (DOMAIN.md §2.2; documented with worked examples in docs/competencies.md):

- level 1: ≥ 60 % on difficulty-1 questions (or a completed course that supports level 1);
- level 2: ≥ 80 % on difficulty-1 and ≥ 60 % on difficulty-2, or a completed course
  (a completion supports min(the course's target level, 2));
- level 3: ≥ 80 % on difficulty-2, and either the linked service indicators at target for two
  periods (``service_quality`` evidence) or a rating ≥ 3;
- level 4: ≥ 70 % on difficulty-3 and a rating ≥ 4;
- level 5: a rating of 5 by a trainer or HR.

The current level is the highest level whose condition holds. Percentages pool every valid quiz
result of the competency and difficulty (marks earned ÷ marks available); a result counts only
when the attempt had at least 3 questions of that difficulty for that competency. The newest
rating caps the level when it is lower and newer than every other piece of evidence the level
rests on. No valid evidence at all, or none that reaches level 1: ``level`` is None.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

#: a quiz result counts for a difficulty only with at least this many questions
MIN_QUESTIONS = 3
#: level -> (difficulty, minimum share) of its quiz condition(s)
THRESHOLDS = {1: ((1, 0.60),), 2: ((1, 0.80), (2, 0.60)), 3: ((2, 0.80),), 4: ((3, 0.70),)}
RATERS_FOR_LEVEL_5 = frozenset({"trainer", "hr"})


@dataclass(frozen=True)
class QuizResult:
    """One finished attempt's marks on the questions of one competency and difficulty."""

    attempt_id: int
    difficulty: int
    earned: float
    available: float
    n_questions: int
    observed_at: datetime
    valid_until: datetime

    @property
    def counts(self) -> bool:
        """True when the attempt asked enough questions of this difficulty to count."""
        return self.n_questions >= MIN_QUESTIONS and self.available > 0

    @property
    def share(self) -> float:
        """Marks earned ÷ available (0 when nothing was available)."""
        return self.earned / self.available if self.available else 0.0


@dataclass(frozen=True)
class Evidence:
    """A piece of evidence other than a quiz result: a completion, a rating, service results."""

    source: str  #: course_completion | rating | service_quality | …
    source_id: int
    level: int
    observed_at: datetime
    valid_until: datetime
    #: for ratings: who rated (trainer | hr | manager)
    rater_role: str | None = None


@dataclass(frozen=True)
class Pooled:
    """The pooled result of one difficulty: share of marks over the results that count."""

    difficulty: int
    earned: float
    available: float
    results: tuple[QuizResult, ...]

    @property
    def share(self) -> float | None:
        """Earned ÷ available, or None without a result that counts."""
        return self.earned / self.available if self.available else None


@dataclass
class LevelResult:
    """A current level with the evidence that produced it and how, in plain terms."""

    level: int | None
    quiz: list[QuizResult] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    #: difficulty -> pooled share over the valid results that count (for explanations)
    pooled: dict[int, Pooled] = field(default_factory=dict)
    #: the level the evidence supports before a newer, lower rating capped it
    uncapped: int | None = None
    #: the rating that capped the level, if one did
    capped_by: Evidence | None = None


def pool(results: Iterable[QuizResult], difficulty: int) -> Pooled:
    """Pool the results of one difficulty that count (≥ 3 questions)."""
    counted = tuple(r for r in results if r.difficulty == difficulty and r.counts)
    return Pooled(
        difficulty,
        sum(r.earned for r in counted),
        sum(r.available for r in counted),
        counted,
    )


def _meets(pooled: dict[int, Pooled], level: int) -> bool:
    for difficulty, minimum in THRESHOLDS[level]:
        share = pooled[difficulty].share
        # a tiny tolerance so 8/10 is 80 % whatever the float rounding
        if share is None or share + 1e-9 < minimum:
            return False
    return True


def _results_for(pooled: dict[int, Pooled], level: int) -> list[QuizResult]:
    return [r for difficulty, _m in THRESHOLDS[level] for r in pooled[difficulty].results]


def current_level(
    quiz_results: Sequence[QuizResult], evidence: Sequence[Evidence], *, now: datetime
) -> LevelResult:
    """The current level of one person in one competency at ``now`` and what it rests on."""
    valid_quiz = [r for r in quiz_results if r.observed_at <= now < r.valid_until]
    valid = [e for e in evidence if e.observed_at <= now < e.valid_until]
    pooled = {difficulty: pool(valid_quiz, difficulty) for difficulty in (1, 2, 3)}
    ratings = sorted((e for e in valid if e.source == "rating"), key=lambda e: e.observed_at)
    courses = [e for e in valid if e.source == "course_completion"]
    service = [e for e in valid if e.source == "service_quality" and e.level >= 3]

    def best(items: list[Evidence], minimum: int) -> Evidence | None:
        fitting = [e for e in items if e.level >= minimum]
        return max(fitting, key=lambda e: (e.level, e.observed_at)) if fitting else None

    level: int | None = None
    used_quiz: list[QuizResult] = []
    used: list[Evidence] = []
    top_rating = best([r for r in ratings if r.rater_role in RATERS_FOR_LEVEL_5], 5)
    if top_rating is not None:
        level, used = 5, [top_rating]
    elif _meets(pooled, 4) and (rating := best(ratings, 4)) is not None:
        level, used_quiz, used = 4, _results_for(pooled, 4), [rating]
    elif _meets(pooled, 3) and (
        (support := max(service, key=lambda e: e.observed_at, default=None)) is not None
        or (support := best(ratings, 3)) is not None
    ):
        level, used_quiz, used = 3, _results_for(pooled, 3), [support]
    elif _meets(pooled, 2):
        level, used_quiz = 2, _results_for(pooled, 2)
    elif (course := best(courses, 2)) is not None:
        level, used = 2, [course]
    elif _meets(pooled, 1):
        level, used_quiz = 1, _results_for(pooled, 1)
    elif (course := best(courses, 1)) is not None:
        level, used = 1, [course]
    result = LevelResult(level, used_quiz, used, pooled, uncapped=level)
    if level is not None and ratings:
        newest = ratings[-1]
        basis = [r.observed_at for r in used_quiz] + [
            e.observed_at for e in used if e is not newest
        ]
        if newest.level < level and all(newest.observed_at > moment for moment in basis):
            result.level = newest.level
            result.capped_by = newest
            if newest not in result.evidence:
                result.evidence.append(newest)
    return result
