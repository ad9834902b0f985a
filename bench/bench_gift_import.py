"""Benchmark: import a 5,000-question GIFT file through the real service.

Run: .venv/bin/python bench/bench_gift_import.py [--questions 5000] [--repeat 3]

It generates one GIFT file of mixed types (every SkillGrid type, 25 categories, ids, tags,
competencies), then, on a fresh SQLite database in a temporary folder (and on PostgreSQL when
BENCH_DATABASE_URL is set -- its tables are DROPPED and re-created, so give it a scratch
database), measures in the same run:

- parse:   parsing the file alone (the ceiling of any import: nothing is written);
- rows:    inserting as many trivial rows as there are questions, in one transaction (the
           ceiling of the database for this much writing);
- import:  `services.import_questions` into the empty bank (parse, plan, write, one commit);
- again:   importing the same file again (every question planned as unchanged).

It prints questions per second and the ratio of the import to each ceiling. This is not a
timed unit test: the figures depend on the machine; the ratios say where the time goes.
Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.bank import services  # noqa: E402
from app.bank.formats import parse_gift  # noqa: E402
from app.bank.models import Question  # noqa: E402
from app.extensions import db  # noqa: E402
from config import Config, normalise_database_url  # noqa: E402

CODES = ["SV1", "SV2", "BK1", "BK3", "SF1", "CM2", "IT1", "LP4"]


def generate_gift(n_questions: int) -> str:
    """A GIFT file of `n_questions` questions of every type, in 25 categories."""
    blocks = []
    for index in range(n_questions):
        if index % 200 == 0:
            blocks.append(f"$CATEGORY: $course$/top/基准/分类{index // 200:02d}")
        head = (
            f"// [id:bench-{index:05d}] [tag:基准] [tag:t{index % 7}]\n"
            f"// [difficulty:{index % 3 + 1}] [competency:{CODES[index % len(CODES)]}]\n"
            f"::第{index}题::"
        )
        kind = index % 8
        if kind == 0:
            body = f"居民客户新装用电，供电企业应在几个工作日内装表接电？（{index}）{{\n\t=3个工作日#正确\n\t~5个工作日#这是非居民\n\t~7个工作日\n\t####十项承诺。\n}}"  # noqa: E501
        elif kind == 1:
            body = f"下列哪些属于“两票”？（{index}）{{\n\t~%50%工作票\n\t~%50%操作票\n\t~%-100%介绍信\n}}"  # noqa: E501
        elif kind == 2:
            body = f"计划停电应提前7天通知。（{index}）{{TRUE#应提前7天#对}}"
        elif kind == 3:
            body = f"首问负责制是什么？（{index}）{{=首问负责制#对 =%50%首问*}}"
        elif kind == 4:
            body = f"额定电压是多少伏？（{index}）{{#=220:1#对 =%50%220:10 ~#不对}}"
        elif kind == 5:
            body = f"把岗位与职责连起来。（{index}）{{\n\t=柜员 -> 受理\n\t=座席 -> 95598\n\t=装表工 -> 装表\n\t= -> 巡视\n}}"  # noqa: E501
        elif kind == 6:
            body = f"说明投诉闭环的步骤。（{index}）{{####受理、调查、答复、回访}}"
        else:
            body = f"[markdown]以下几题基于同一个**案例**（{index}）。"
        blocks.append(head + body)
    return "\n\n".join(blocks) + "\n"


def bench_config(url: str) -> type[Config]:
    """A configuration on the given database, nothing else changed."""

    class BenchConfig(Config):
        SECRET_KEY = "bench"  # noqa: S105
        RATELIMIT_STORAGE_URI = "memory://"
        SQLALCHEMY_DATABASE_URI = normalise_database_url(url)

    return BenchConfig


def _best(times: list[float]) -> float:
    return min(times)


def measure(label: str, url: str, gift: str, n_questions: int, repeat: int) -> dict[str, float]:
    """Time parse, trivial rows, import and re-import on one database; return seconds."""
    app = create_app(bench_config(url))
    times: dict[str, list[float]] = {"parse": [], "rows": [], "import": [], "again": []}
    trivial = Table(
        "bench_trivial_row",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(100)),
    )
    with app.app_context():
        for _attempt in range(repeat):
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS bench_trivial_row"))
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.create_all()
            trivial.create(db.engine)

            start = time.perf_counter()
            questions, problems = parse_gift(gift, "bench.gift")
            times["parse"].append(time.perf_counter() - start)
            assert not problems and len(questions) == n_questions, problems[:3]

            rows = [{"name": f"row {i}"} for i in range(n_questions)]
            start = time.perf_counter()
            with db.engine.begin() as conn:
                conn.execute(trivial.insert(), rows)
            times["rows"].append(time.perf_counter() - start)

            source = services.decode_source(gift.encode("utf-8"), "bench.gift")
            start = time.perf_counter()
            report = services.import_questions(None, [source])
            times["import"].append(time.perf_counter() - start)
            assert report.count("create") == n_questions
            assert db.session.scalar(select(func.count(Question.id))) == n_questions

            start = time.perf_counter()
            report = services.import_questions(None, [source])
            times["again"].append(time.perf_counter() - start)
            assert report.count("unchanged") == n_questions
            db.session.remove()
        trivial.drop(db.engine)
        db.drop_all()
        db.engine.dispose()
    best = {name: _best(values) for name, values in times.items()}
    spread = statistics.pstdev(times["import"]) if len(times["import"]) > 1 else 0.0
    print(f"\n== {label} ({n_questions} questions, best of {repeat}) ==")
    print(f"parse only        {best['parse']:7.3f} s  {n_questions / best['parse']:9.0f} q/s")
    print(f"trivial rows      {best['rows']:7.3f} s  {n_questions / best['rows']:9.0f} rows/s")
    print(
        f"import (create)   {best['import']:7.3f} s  {n_questions / best['import']:9.0f} q/s"
        f"   (spread {spread:.3f} s)"
    )
    print(f"import again      {best['again']:7.3f} s  {n_questions / best['again']:9.0f} q/s")
    print(f"import / parse    {best['import'] / best['parse']:7.1f} x")
    print(f"import / rows     {best['import'] / best['rows']:7.1f} x")
    target = "meets" if n_questions / best["import"] >= 1000 else "BELOW"
    print(f"target >= 1000 q/s for the import: {target}")
    return best


def main() -> None:
    """Run the benchmark on SQLite, and on PostgreSQL when BENCH_DATABASE_URL is set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    gift = generate_gift(args.questions)
    print(f"GIFT file: {len(gift.encode('utf-8')) / 1e6:.2f} MB, {args.questions} questions")
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        measure("SQLite (file)", sqlite_url, gift, args.questions, args.repeat)
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        measure("PostgreSQL", url, gift, args.questions, args.repeat)


if __name__ == "__main__":
    main()
