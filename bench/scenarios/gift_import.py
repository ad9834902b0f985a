"""gift_import: importing a generated GIFT file through the bank's import service, in process.

A file of every question type (by default 5,000 questions, about 1 MB) is imported into the
bank, which already holds the generated company's questions, through
``bank.services.import_questions`` (parse, plan, write, one commit). Each repeat imports a new
file (new keys and categories), so every one creates all its questions; the best repeat is
reported in questions per second. ``lost`` = questions of the file missing afterwards.
"""

import random
import time

from sqlalchemy import func, select

from bench.registry import InProcessResult, inprocess_scenario


@inprocess_scenario("gift_import", unit="questions/s")
def gift_import(harness) -> InProcessResult:
    """Best of ``harness.repeats`` imports of ``harness.gift_questions`` new questions."""
    from app.bank import services as bank_services
    from app.bank.models import Question
    from app.bench.data.bank import gift_text
    from app.competencies.queries import known_codes
    from app.extensions import db

    n = harness.gift_questions
    codes = sorted(known_codes(active_only=True))[:27]
    best = 0.0
    lost = 0
    for repeat in range(harness.repeats):
        prefix = f"gift-{harness.run_id}-{repeat}-"
        text = gift_text(random.Random(repeat), n, codes, prefix, f"导入{prefix}")
        source = bank_services.decode_source(text.encode("utf-8"), "bench-import.gift")
        started = time.perf_counter()
        report = bank_services.import_questions(None, [source])
        elapsed = time.perf_counter() - started
        stored = db.session.scalar(
            select(func.count(Question.id)).where(Question.key.startswith(prefix))
        )
        lost += n - stored
        if report.count("create") == n:
            best = max(best, n / elapsed)
    return InProcessResult(value=best, errors=0, lost=lost)
