"""Write use cases of service quality (re-exported): ``indicators`` (the indicator file, the
indicators and their parameters), ``scores`` (score imports and corrections), ``contests`` (a
person questions a value, HR answers), ``evidence`` (results at target as competency evidence),
``gates`` (gate events assign the mandatory course)."""

from app.quality.services.contests import (
    ContestRefused,
    open_contest,
    resolve_contest,
)
from app.quality.services.evidence import sync_all_evidence, sync_evidence
from app.quality.services.gates import assign_waiting, sync_all_gates, sync_gates
from app.quality.services.indicators import (
    IndicatorError,
    IndicatorReport,
    bulk_load_indicators,
    import_file,
    import_indicators,
    parse_file,
    rewrite_problem,
    save_indicator,
    set_parameters,
)
from app.quality.services.scores import (
    COLUMNS,
    ScoreRefused,
    ScoreReport,
    bulk_insert_scores,
    check_period,
    correct_score,
    import_score_file,
    import_scores,
    parse_value,
    read_score_file,
)

__all__ = [
    "COLUMNS",
    "ContestRefused",
    "assign_waiting",
    "open_contest",
    "resolve_contest",
    "sync_all_evidence",
    "sync_all_gates",
    "sync_evidence",
    "sync_gates",
    "IndicatorError",
    "IndicatorReport",
    "ScoreRefused",
    "ScoreReport",
    "bulk_insert_scores",
    "bulk_load_indicators",
    "check_period",
    "correct_score",
    "import_file",
    "import_indicators",
    "import_score_file",
    "import_scores",
    "parse_file",
    "parse_value",
    "read_score_file",
    "rewrite_problem",
    "save_indicator",
    "set_parameters",
]
