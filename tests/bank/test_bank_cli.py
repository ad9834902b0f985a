"""``flask bank import|check|export`` and the shipped question bank."""

import json
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from app.bank.models import Question
from app.competencies.queries import known_codes
from tests.bank.test_import_service import EVERY_TYPE, SINGLE

QUESTION_BANK = Path(__file__).resolve().parents[2] / "question_bank"

#: the exact keys of the JSON export, common and per type
JSON_COMMON = {
    "id",
    "category",
    "qtype",
    "name",
    "questiontext",
    "questiontextformat",
    "generalfeedback",
    "defaultmark",
    "difficulty",
    "competencies",
    "tags",
    "status",
    "source_version",
}
JSON_PER_TYPE = {
    "single": {"answers"},
    "multiple": {"answers"},
    "shortanswer": {"answers", "usecase"},
    "truefalse": {"answers"},
    "numerical": {"answers", "units"},
    "matching": {"subquestions"},
    "essay": {"graderinfo"},
    "description": set(),
    "cloze": set(),  # the blanks are in the question text
}


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.lstrip("\n"), encoding="utf-8")
    return path


def test_every_file_in_question_bank_passes_check(runner):
    result = runner.invoke(args=["bank", "check", str(QUESTION_BANK)])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def test_demo_bank_covers_every_competency_and_type(app, db, runner):
    result = runner.invoke(args=["bank", "import", str(QUESTION_BANK)])
    assert result.exit_code == 0, result.output
    from app.bank import services

    with app.app_context():
        questions = services.export_questions()
    assert len(questions) >= 100
    per_competency = Counter(code for q in questions for code in q.competencies)
    with app.app_context():
        assert set(per_competency) == known_codes()
    per_type = Counter(q.qtype for q in questions)
    assert set(per_type) == set(JSON_PER_TYPE)
    assert per_type["essay"] >= 2
    assert all(q.source_version for q in questions if q.qtype != "description")
    assert all(q.generalfeedback for q in questions if q.qtype != "description")


def test_seed_demo_imports_the_bank_once(seeded_demo, db):
    with seeded_demo.app.app_context():
        n = db.session.scalar(select(func.count(Question.id)))
    assert "0 created, 0 new versions, 0 updated" in seeded_demo.again
    assert seeded_demo.counts["question"] == seeded_demo.counts_again["question"] == n >= 100


def test_import_prints_one_line_per_change_and_a_summary(runner, tmp_path):
    path = _write(tmp_path, "topic.yaml", SINGLE)
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 0
    assert f"{path}:3: created t-single" in result.output
    assert result.output.strip().endswith("1 created, 0 new versions, 0 updated, 0 unchanged")
    again = runner.invoke(args=["bank", "import", str(path), "--dry-run"])
    assert again.output.strip() == (
        "dry run, nothing written: 0 created, 0 new versions, 0 updated, 1 unchanged"
    )


def test_import_reads_folders_recursively(app, db, runner, tmp_path):
    _write(tmp_path, "a/one.yaml", EVERY_TYPE["truefalse"])
    _write(tmp_path, "a/b/two.yaml", EVERY_TYPE["essay"])
    _write(tmp_path, "a/b/notes.txt", "not a question file")
    result = runner.invoke(args=["bank", "import", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output


def test_check_prints_file_line_message_and_exits_1(app, db, runner, tmp_path):
    bad = _write(tmp_path, "bad.yaml", SINGLE.replace("difficulty: 1", "difficulty: 9"))
    result = runner.invoke(args=["bank", "check", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith(f"{bad}:7: ")
    assert "difficulty" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Question.id))) == 0


def test_import_of_a_bad_file_writes_nothing_and_exits_1(app, db, runner, tmp_path):
    good = _write(tmp_path, "good.yaml", EVERY_TYPE["truefalse"])
    bad = _write(tmp_path, "bad.yaml", "questions:\n  - qtype: nonsense\n    name: x\n")
    result = runner.invoke(args=["bank", "import", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: " in result.output and "nothing was imported" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Question.id))) == 0


def test_json_export_has_the_documented_shape(runner, tmp_path):
    for qtype, text in EVERY_TYPE.items():
        _write(tmp_path, f"in/{qtype}.yaml", text)
    assert runner.invoke(args=["bank", "import", str(tmp_path / "in")]).exit_code == 0
    out = tmp_path / "bank.json"
    result = runner.invoke(args=["bank", "export", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(exported, list) and len(exported) == len(EVERY_TYPE)
    for item in exported:
        assert JSON_COMMON | JSON_PER_TYPE[item["qtype"]] <= set(item), item["qtype"]
        assert isinstance(item["id"], str)
    by_type = {item["qtype"]: item for item in exported}
    tf = by_type["truefalse"]["answers"]
    assert [(a["text"], a["fraction"]) for a in tf] == [("true", 1), ("false", 0)]
    assert by_type["numerical"]["answers"][0]["text"] == "5"
    assert by_type["numerical"]["units"] == [{"unit": "天", "multiplier": 1}]
    assert {"text": "", "answer": "干扰项"} in by_type["matching"]["subquestions"]
    assert by_type["shortanswer"]["usecase"] is False
    assert by_type["single"]["category"] == "服务规范/十项承诺"
    assert by_type["single"]["competencies"] == ["SV1", "BK1"]


def test_yaml_export_writes_one_file_per_category_and_reimports_unchanged(runner, tmp_path):
    _write(tmp_path, "in/a.yaml", SINGLE)
    _write(tmp_path, "in/b.yaml", EVERY_TYPE["essay"])
    runner.invoke(args=["bank", "import", str(tmp_path / "in")])
    out = tmp_path / "out"
    result = runner.invoke(args=["bank", "export", str(out)])
    assert result.exit_code == 0
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml"))
    assert files == ["服务规范/十项承诺.yaml", "默认.yaml"]
    again = runner.invoke(args=["bank", "import", str(out)])
    assert "0 created, 0 new versions, 0 updated, 2 unchanged" in again.output


def test_export_of_one_category(runner, tmp_path):
    _write(tmp_path, "in/a.yaml", SINGLE)
    _write(tmp_path, "in/b.yaml", EVERY_TYPE["essay"])
    runner.invoke(args=["bank", "import", str(tmp_path / "in")])
    out = tmp_path / "one.json"
    runner.invoke(args=["bank", "export", str(out), "--format", "json", "--category", "服务规范"])
    assert [q["id"] for q in json.loads(out.read_text(encoding="utf-8"))] == ["t-single"]
    missing = runner.invoke(args=["bank", "export", str(out), "--category", "无此类别"])
    assert missing.exit_code == 1 and "Unknown category" in missing.output


def test_import_into_a_target_category(runner, tmp_path):
    path = _write(tmp_path, "t.yaml", EVERY_TYPE["essay"])
    result = runner.invoke(args=["bank", "import", str(path), "--category", "培训/新员工"])
    assert result.exit_code == 0
    out = tmp_path / "x.json"
    runner.invoke(args=["bank", "export", str(out), "--format", "json"])
    assert json.loads(out.read_text(encoding="utf-8"))[0]["category"] == "培训/新员工"
