"""``flask reports item-analysis MARKS.csv``: only JSON on stdout, in exactly the issue's shape;
located problems on stderr with exit status 1."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import jsonschema_rs
import pytest
from scipy.stats import pearsonr

ROOT = Path(__file__).resolve().parents[2]
NUMBER_OR_NULL = {"type": ["number", "null"]}
TEST_NUMBERS = (
    "mean",
    "median",
    "sd",
    "skewness",
    "kurtosis",
    "cic",
    "error_ratio",
    "standard_error",
)
#: the output the issue specifies, nothing more and nothing less
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["test", "items"],
    "properties": {
        "test": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "count", "mean", "median", "sd", "skewness", "kurtosis", "cic",
                "error_ratio", "standard_error",
            ],
            "properties": {
                "count": {"type": "integer", "minimum": 0},
                **dict.fromkeys(TEST_NUMBERS, NUMBER_OR_NULL),
            },
        },
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "index", "facility", "sd", "intended_weight", "effective_weight",
                    "discrimination_index", "discriminative_efficiency",
                ],
                "properties": {
                    "index": {"type": "integer", "minimum": 1},
                    "facility": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                    "sd": {"type": ["number", "null"], "minimum": 0},
                    "intended_weight": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                    "effective_weight": {"type": ["number", "null"], "minimum": 0, "maximum": 100},
                    "discrimination_index": NUMBER_OR_NULL,
                    "discriminative_efficiency": NUMBER_OR_NULL,
                },
            },
        },
    },
}  # fmt: skip


def _run(runner, tmp_path, text, name="marks.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["reports", "item-analysis", str(path)]), str(path)


def _output(result) -> dict:
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    data = json.loads(result.stdout)
    jsonschema_rs.validate(SCHEMA, data)
    return data


def test_output_has_exactly_the_shape_and_the_units_of_the_issue(runner, tmp_path):
    # the small test worked by hand in test_item_stats.py, with maxima of 2 on the last question
    result, _path = _run(runner, tmp_path, "1,1,2\n1,1,2\n1,1,0\n1,0,0\n0,1,0\n0,0,0\n")
    data = _output(result)
    test = data["test"]
    assert test["count"] == 5
    assert test["mean"] == pytest.approx(8 / 5)  # in marks: totals 4 2 1 1 0
    assert test["median"] == pytest.approx(1.0)
    # items: index from 1, facility and intended weight as fractions, the rest in percent
    first, second, third = data["items"]
    assert [item["index"] for item in data["items"]] == [1, 2, 3]
    assert first["facility"] == pytest.approx(0.6)
    assert third["facility"] == pytest.approx(0.2)
    assert third["sd"] == pytest.approx(2 * math.sqrt(0.2))  # in marks
    assert third["intended_weight"] == pytest.approx(0.5)
    assert 0 < test["cic"] <= 100
    assert sum(item["effective_weight"] for item in data["items"]) == pytest.approx(100.0)
    # the first question against the rest of the test (3 1 0 1 0), in percent
    r = pearsonr([1, 1, 1, 0, 0], [3, 1, 0, 1, 0]).statistic
    assert first["discrimination_index"] == pytest.approx(100 * r, rel=1e-9)
    assert second["facility"] == pytest.approx(0.6)


def test_a_blank_cell_is_zero_and_a_short_row_is_padded(runner, tmp_path):
    blank, _path = _run(runner, tmp_path, "1,1\n1,\n,1\n1\n", "blank.csv")
    zeros, _path = _run(runner, tmp_path, "1,1\n1,0\n0,1\n1,0\n", "zeros.csv")
    assert _output(blank) == _output(zeros)


def test_a_question_worth_nothing_still_counts_as_an_item(runner, tmp_path):
    result, _path = _run(runner, tmp_path, "0,1,1\n0,1,1\n0,0,1\n0,1,0\n0,0,0\n")
    data = _output(result)
    assert len(data["items"]) == 3
    zero = data["items"][0]
    assert zero["facility"] is None
    assert zero["intended_weight"] == 0
    assert zero["discrimination_index"] is None


def test_one_attempt_gives_nulls_where_undefined(runner, tmp_path):
    data = _output(_run(runner, tmp_path, "\ufeff2,2\n1,2\n")[0])
    assert data["test"]["count"] == 1
    assert data["test"]["mean"] == 3 and data["test"]["median"] == 3
    assert data["test"]["sd"] is None and data["test"]["cic"] is None
    assert data["items"][0]["discrimination_index"] is None


def test_no_attempts_gives_a_count_of_zero(runner, tmp_path):
    data = _output(_run(runner, tmp_path, "1,1\n")[0])
    assert data["test"]["count"] == 0
    assert data["items"][0]["facility"] is None


@pytest.mark.parametrize(
    ("text", "row", "words"),
    [
        ("1,2\n1,3\n", 2, "outside 0 to 2"),
        ("1,2\n1,-1\n", 2, "outside 0 to 2"),
        ("1,2\n1,1\n\n1,x\n", 4, "'x' is not a number"),
        ("1,2\n1,1,1\n", 2, "3 marks for 2 questions"),
        ("1,-2\n1,1\n", 1, "column 2"),
        ("one,2\n", 1, "column 1"),
        ("", 1, "empty"),
        ("1," * 1000 + "1\n", 1, "more than 1000 questions"),
        ("1,1\n1," + "0" * 101 + "\n", 2, "longer than 100 characters"),
    ],
)
def test_a_problem_prints_file_and_row_on_stderr_and_exits_1(runner, tmp_path, text, row, words):
    result, path = _run(runner, tmp_path, text)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"{path}:{row}: ")
    assert words in result.stderr


def test_the_real_command_prints_only_json(tmp_path):
    path = tmp_path / "marks.csv"
    path.write_text("1,1\n1,0\n0,1\n1,1\n", encoding="utf-8")
    env = {**os.environ, "FLASK_APP": "wsgi", "SKILLGRID_ENV": "testing"}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "reports", "item-analysis", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    jsonschema_rs.validate(SCHEMA, json.loads(done.stdout))


def test_a_file_with_more_attempts_than_the_limit_stops_at_the_first_row_over_it(
    runner, tmp_path, monkeypatch
):
    from app.reports import marks_file

    monkeypatch.setattr(marks_file, "MAX_ATTEMPTS", 3)
    result, path = _run(runner, tmp_path, "1,1\n" + "1,0\n" * 5)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"{path}:5: ") and "more than 3 rows" in result.stderr
