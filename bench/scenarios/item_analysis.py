"""item_analysis: Moodle's quiz statistics of 10,000 attempts x 50 questions, in process.

A marks matrix is drawn from a two-parameter logistic model (abilities, difficulties and
discriminations per question; maxima of 1, 2 and 5 marks, part marks on the larger ones), the
same for every run (seeded). Each repeat computes what the statistics page shows from the
matrix: the test statistics, every question's statistics, the flags and the histogram of
totals (``app.reports.item_stats``). The best repeat is reported in milliseconds (target: 1 s).
"""

import time

import numpy as np

from bench.registry import InProcessResult, inprocess_scenario

ATTEMPTS = 10_000
QUESTIONS = 50


def marks_matrix(attempts: int = ATTEMPTS, questions: int = QUESTIONS, seed: int = 25):
    """(marks, maxima): a realistic matrix of attempts x questions in raw marks."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=(attempts, 1))
    difficulty = rng.normal(scale=1.2, size=(1, questions))
    discrimination = rng.uniform(0.2, 2.0, size=(1, questions))
    maxima = rng.choice([1.0, 2.0, 5.0], size=questions, p=[0.6, 0.3, 0.1])
    right = 1 / (1 + np.exp(-discrimination * (ability - difficulty)))
    steps = np.where(maxima > 1, maxima * 2, 1)  # half marks on the larger questions
    earned = rng.binomial(steps.astype(int), right) / steps
    return earned * maxima, maxima


@inprocess_scenario("item_analysis", unit="ms")
def item_analysis(harness) -> InProcessResult:
    """Best of ``harness.repeats`` computations of the statistics of 10,000 x 50 marks."""
    from app.reports.item_stats import analyse, flags, histogram

    marks, maxima = marks_matrix()
    best = float("inf")
    errors = 0
    for _repeat in range(max(1, harness.repeats)):
        started = time.perf_counter()
        result = analyse(marks, maxima)
        raised = [flags(item) for item in result.items]
        bands = histogram(marks.sum(axis=1), float(maxima.sum()))
        best = min(best, time.perf_counter() - started)
        if result.test.count != ATTEMPTS or len(raised) != QUESTIONS or len(bands) != 10:
            errors += 1
    return InProcessResult(value=round(best * 1000, 1), errors=errors)
