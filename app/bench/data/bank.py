"""Generator step "question bank": a GIFT file of every question type, imported by the service.

The bank is written as GIFT text and imported through ``bank.services.import_questions``, so
its rows are exactly what a real import makes (categories, questions, versions, tags,
competency rows, audit rows). Categories are "<root>/<domain>/<competency>"; each question
tests one or two competencies of its domain, has a difficulty (1-3), tags and a status
(mostly ready). ``gift_text`` is shared with the ``gift_import`` benchmark scenario.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from app.bank import services as bank_services
from app.bank.models import Question, QuestionCompetency, QuestionVersion
from app.bench.data.base import Context
from app.extensions import db

ROOT_CATEGORY = "压测题库"
DOMAINS = {
    "SV": "服务理念与规范礼仪",
    "BK": "业务知识",
    "SF": "安全规程",
    "CM": "沟通与投诉处理",
    "IT": "信息系统操作",
    "LP": "法规政策",
}
#: words the question texts are made of; the bank_search scenario searches for them
TOPICS = (
    "十项承诺", "业扩报装", "电费", "电价", "抄表", "催费", "验表", "计量", "窃电", "违约用电",
    "两票三制", "验电", "接地", "触电急救", "投诉", "回访", "停电", "工单", "网上国网",
    "用电信息采集", "供电营业规则", "电力法", "获得电力", "首问负责",
)  # fmt: skip
#: question type -> share of the bank
QTYPE_SHARES = {
    "single": 45,
    "multiple": 15,
    "truefalse": 20,
    "shortanswer": 6,
    "numerical": 4,
    "matching": 4,
    "essay": 4,
    "description": 2,
}
#: the types generated attempts answer (quizzes draw them by the tag OBJECTIVE_TAG)
AUTO_GRADED = ("single", "multiple", "truefalse")
OBJECTIVE_TAG = "选择判断"


@dataclass(frozen=True)
class PoolQuestion:
    """A ready, auto-graded question version that generated attempts may draw."""

    version_id: int
    qtype: str
    difficulty: int
    data: dict
    codes: tuple[str, ...]


def _question(rng: random.Random, key: str, index: int, codes: list[str], tags: list[str]) -> str:
    """One GIFT question block of a type drawn by QTYPE_SHARES."""
    qtype = rng.choices(list(QTYPE_SHARES), weights=list(QTYPE_SHARES.values()))[0]
    topic = rng.choice(TOPICS)
    difficulty = rng.choices((1, 2, 3), weights=(40, 40, 20))[0]
    status = rng.choices(("ready", "draft", "retired"), weights=(90, 7, 3))[0]
    all_tags = [*tags, f"t{index % 7}"] + ([OBJECTIVE_TAG] if qtype in AUTO_GRADED else [])
    head = (
        f"// [id:{key}] " + " ".join(f"[tag:{tag}]" for tag in all_tags) + "\n"
        f"// [difficulty:{difficulty}] "
        + " ".join(f"[competency:{code}]" for code in codes)
        + f" [status:{status}]\n"
        f"::{topic}第{index}题::"
    )
    n = index
    if qtype == "single":
        right = rng.randrange(4)
        answers = "".join(
            f"\n\t{'=' if i == right else '~'}{topic}选项{'甲乙丙丁'[i]}（{n}）"
            + ("#正确" if i == right else "#再想想")
            for i in range(4)
        )
        body = f"关于{topic}，下列说法正确的是哪一项？（{n}）{{{answers}\n\t####依据相关规定。\n}}"
    elif qtype == "multiple":
        k = rng.choice((2, 3))
        weight = "50" if k == 2 else "33.33333"
        answers = "".join(f"\n\t~%{weight}%{topic}要点{i + 1}（{n}）" for i in range(k))
        answers += "".join(f"\n\t~%-100%{topic}误区{i + 1}（{n}）" for i in range(2))
        body = f"关于{topic}，下列哪些做法符合规范？（{n}）{{{answers}\n}}"
    elif qtype == "truefalse":
        body = f"{topic}的办理时限以公开承诺为准。（{n}）{{{rng.choice(('TRUE', 'FALSE'))}}}"
    elif qtype == "shortanswer":
        body = f"{topic}的主管部门简称是什么？（{n}）{{=营销部 =%50%营销*}}"
    elif qtype == "numerical":
        body = f"居民用户{topic}相关的额定电压是多少伏？（{n}）{{#=220:1 =%50%220:10}}"
    elif qtype == "matching":
        body = (
            f"把{topic}相关岗位与职责连起来。（{n}）{{\n\t=柜员 -> 受理\n\t=座席 -> 95598"
            "\n\t=装表工 -> 装表\n\t= -> 巡视\n}"
        )
    elif qtype == "essay":
        body = f"结合案例说明{topic}的处理步骤。（{n}）{{####受理、调查、答复、回访}}"
    else:
        body = f"[markdown]以下几题基于同一个**{topic}**案例（{n}）。"
    return head + body


def gift_text(
    rng: random.Random, n_questions: int, codes: list[str], key_prefix: str, root: str
) -> str:
    """GIFT text of ``n_questions`` questions of every type, one category per competency."""
    by_code: dict[str, list[int]] = defaultdict(list)
    for index in range(n_questions):
        by_code[codes[index % len(codes)]].append(index)
    blocks = []
    for code in codes:
        if not by_code[code]:
            continue
        domain = code.rstrip("0123456789")
        category = f"{root}/{domain} {DOMAINS.get(domain, domain)}/{code}"
        blocks.append(f"$CATEGORY: $course$/top/{category}")
        siblings = [c for c in codes if c.startswith(domain) and c != code]
        for index in by_code[code]:
            tested = [code] + ([rng.choice(siblings)] if siblings and rng.random() < 0.2 else [])
            tags = [DOMAINS.get(domain, domain)]
            blocks.append(_question(rng, f"{key_prefix}{index + 1:06d}", index + 1, tested, tags))
    return "\n\n".join(blocks) + "\n"


def _pools(key_prefix: str) -> dict[str, list[PoolQuestion]]:
    """Ready auto-graded latest versions whose keys start with ``key_prefix``, by domain."""
    rows = db.session.execute(
        select(QuestionVersion.id, QuestionVersion.qtype, QuestionVersion.difficulty)
        .add_columns(QuestionVersion.data)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(
            QuestionVersion.number == Question.latest_number,
            Question.status == "ready",
            QuestionVersion.qtype.in_(AUTO_GRADED),
            Question.key.startswith(key_prefix),
        )
        .order_by(QuestionVersion.id)
    ).all()
    codes: dict[int, list[str]] = defaultdict(list)
    for version_id, code in db.session.execute(
        select(QuestionCompetency.version_id, QuestionCompetency.code).order_by(
            QuestionCompetency.version_id, QuestionCompetency.position
        )
    ):
        codes[version_id].append(code)
    pools: dict[str, list[PoolQuestion]] = defaultdict(list)
    for version_id, qtype, difficulty, data in rows:
        tested = tuple(codes[version_id])
        if tested:
            domain = tested[0].rstrip("0123456789")
            pools[domain].append(PoolQuestion(version_id, qtype, difficulty, data, tested))
    return dict(pools)


def generate(ctx: Context) -> str:
    """Import a generated bank of ``questions`` questions; hand the draw pools to later steps."""
    rng = ctx.rng("question bank")
    codes = ctx.shared["codes"]  # the framework step's
    key_prefix = "bench-q-"
    text = gift_text(rng, ctx.params.questions, codes, key_prefix, ROOT_CATEGORY)
    report = bank_services.import_questions(
        None, [bank_services.decode_source(text.encode("utf-8"), "bench-bank.gift")]
    )
    pools = _pools(key_prefix)
    ctx.shared.update(pools=pools, bank_root=ROOT_CATEGORY)
    return (
        f"{report.count('create')} questions in {len(codes)} competencies; "
        f"{sum(len(p) for p in pools.values())} ready auto-graded ones for quizzes"
    )
