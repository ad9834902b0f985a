"""``flask courses apply-rules`` and the courses' demo seeder."""

import random
from datetime import timedelta

import click
from sqlalchemy import func, select

from app.core import clock
from app.core.seed import demo_seeder
from app.courses import bp, services
from app.courses.models import Course, Enrolment
from app.extensions import db
from app.org.models import Department, JobRole, User


@bp.cli.command("apply-rules")
def apply_rules_command():
    """Apply every assignment rule and re-open expired certificates (idempotent; run daily)."""
    report = services.apply_all_rules()
    click.echo(report.summary)


# --- demo data ----------------------------------------------------------------------------

COMMITMENTS = """\
国家电网供电服务"十项承诺"（2023版）把服务质量写成了可以检查的数字。本课讲第一至第三条。

| 条 | 主题 | 承诺要点 |
| --- | --- | --- |
| 1 | 供电安全可靠 | 供电可靠率城市 99.9%、农村 99.8%；居民端电压合格率城市 98.5%、农村 97.5% |
| 2 | 停电限电告知 | 计划检修停电提前 **7 天** 公告；临时检修提前 **24 小时** 通知重要用户 |
| 3 | 抢修复电 | 城区 **45 分钟**、农村 **90 分钟**、特殊边远地区 **2 小时** 内到达现场 |

> 客户问"什么时候来电"时，先说清承诺时限，再说明本次抢修进展。
"""
COMMITMENTS_2 = """\
第四至第七条讲价费公开、渠道便捷、获得电力和电表异常处理：

* 电价和收费标准按价格主管部门批准的标准执行，并在营业厅、网上国网 App 和 95598 网站公开；
* 低压非居民业扩报装全过程不超过 **6** 个工作日，居民不超过 **5** 个工作日；
* 受理验表申请后 **5** 个工作日内出具检测结果。

承诺有版本：引用时说清是哪一版、哪一条。
"""
ETIQUETTE = """\
窗口服务的第一印象来自仪容、仪表和第一句话。

1. 着装统一、佩戴工号牌，保持台面整洁；
2. 客户走近时起身或点头示意，主动问候："您好，请问办理什么业务？"；
3. 使用规范用语，不说"不知道""不归我管"；
4. 首问负责：非本岗位业务也要一次性告知所需资料并转办到底。
"""
PHONE = """\
95598 电话服务的要点：

* 铃响后及时接听，先报工号；
* 复述客户诉求要素（地址、户号、现象、联系电话）并确认；
* 客户情绪激动时先倾听、再安抚，不打断、不争辩；
* 结束前说明后续处理时限和回访安排。
"""
SAFETY = """\
保证安全的**组织措施**：工作票制度、工作许可制度、工作监护制度，以及工作间断、转移和终结制度。

保证安全的**技术措施**：停电、验电、接地、悬挂标示牌和装设遮栏（围栏）。

* 装设接地线先接接地端、后接导体端，拆除顺序相反；
* 在可能送电到工作地点的开关上悬挂"禁止合闸，有人工作"标示牌。
"""
SAFETY_2 = """\
低压作业的几个数字：

* 低压指交流配电电压 **1000 V 及以下**；
* 10 kV 及以下设备不停电时的安全距离为 **0.7 m**；
* 坠落高度基准面 **2 m 及以上** 的作业为高处作业，必须正确使用安全带。
"""
COMPLAINTS = """\
投诉处理要形成闭环：受理 → 调查 → 答复 → 回访 → 整改。

* 受理时完整记录诉求要素，按工单分类派发；
* 在规定时限内联系客户、调查核实并答复；
* 办结后回访，客户不满意的重新处理；
* 定期开展投诉根因分析，推动整改。
"""
ONLINE = """\
网上国网 App 可以办理交费、查询电量电费、报修和线上办电。

指导客户时：先帮客户完成注册和户号绑定，再演示交费和查询，最后告诉客户线上办电的入口。
对老年客户要放慢语速，必要时提供代办指导。
"""

#: (title, category, summary, credit hours, competencies, open, lessons, session?)
DEMO_COURSES = [
    (
        "供电服务十项承诺（2023版）",
        "服务理念与规范礼仪",
        "十项承诺的时限和数字，以及在窗口、电话和现场如何践行。",
        2.0,
        {"SV1": 3, "SV4": 3},
        False,
        [("十项承诺：第一至第三条", COMMITMENTS), ("十项承诺：第四至第七条", COMMITMENTS_2)],
        False,
    ),
    (
        "营业厅窗口服务礼仪",
        "服务理念与规范礼仪",
        "仪容仪表、规范用语、首问负责，含一次营业厅现场实训。",
        4.0,
        {"SV2": 3, "SV4": 3, "CM1": 2},
        False,
        [("窗口服务规范", ETIQUETTE)],
        True,
    ),
    (
        "低压现场作业安全（安规）",
        "安全规程",
        "两票三制、停电验电接地和高处作业：装表接电和用电检查人员的必修课。",
        3.0,
        {"SF1": 3, "SF2": 3, "SF3": 2},
        False,
        [("组织措施与技术措施", SAFETY), ("低压作业的关键数字", SAFETY_2)],
        False,
    ),
    (
        "95598投诉受理与闭环处理",
        "沟通与投诉处理",
        "从受理到回访的投诉闭环，以及电话沟通的基本功。",
        2.5,
        {"CM1": 3, "CM3": 3, "IT2": 2},
        False,
        [("电话沟通要点", PHONE), ("投诉闭环", COMPLAINTS)],
        False,
    ),
    (
        "网上国网App引导服务",
        "信息系统操作",
        "指导客户注册、绑定、交费和线上办电（自主选学）。",
        1.0,
        {"IT3": 2, "CM5": 2},
        True,
        [("网上国网的主要功能", ONLINE)],
        False,
    ),
]
#: yearly 学时 quota per job role
DEMO_QUOTAS = {"CTR": 24, "CC": 24, "AM": 32, "MR": 16, "MI": 24, "INS": 24}


def _dept(full_name: str) -> Department | None:
    return db.session.scalar(select(Department).where(Department.full_name == full_name))


def _role(code: str) -> JobRole | None:
    return db.session.scalar(select(JobRole).where(JobRole.code == code))


@demo_seeder(30, "courses")
def seed_courses() -> str:
    """Demo courses assigned by rule, with a realistic spread of progress (idempotent)."""
    from app.org.cli import COMPANY

    if db.session.scalar(select(Course.id).where(Course.title == DEMO_COURSES[0][0])):
        return "already seeded"
    company = _dept(COMPANY)
    trainer = db.session.scalar(select(User).where(User.employee_no == "T001"))
    hr = db.session.scalar(select(User).where(User.employee_no == "H001"))
    if company is None:
        return "skipped: seed the organisation first"
    now = clock.now()
    today = services.local_today(now)
    courses = []
    for title, category, summary, hours, competencies, is_open, lessons, session in DEMO_COURSES:
        course = services.create_course(
            trainer,
            title=title,
            summary=summary,
            category=category,
            credit_hours=hours,
            competencies=competencies,
            is_open=is_open,
        )
        for lesson_title, body in lessons:
            services.add_activity(trainer, course, kind="lesson", title=lesson_title, body=body)
        if session:
            services.add_activity(
                trainer,
                course,
                kind="session",
                title="营业厅现场实训",
                body="在营业厅按真实业务流程演练接待、受理和首问负责。",
                starts_at=now - timedelta(days=20),
                ends_at=now - timedelta(days=20) + timedelta(hours=3),
                place="中山路营业厅 二楼培训室",
            )
        if not courses:
            _attach_demo_quiz(trainer, course)
        services.publish_course(trainer, course)
        courses.append(course)
    commitments, etiquette, safety, complaints, _online = courses
    rules = [
        # (course, rule arguments, days since assignment)
        (commitments, {"target_kind": "department", "department": company}, 25),
        (etiquette, {"target_kind": "job_role", "job_role": _role("CTR")}, 40),
        (safety, {"target_kind": "job_role", "job_role": _role("MI")}, 60),
        (
            complaints,
            {"target_kind": "department", "department": _dept(f"{COMPANY}/客户服务中心")},
            45,
        ),
    ]
    recert = {commitments.id: 12, safety.id: 12}
    for course, target, _days in rules:
        services.create_rule(
            hr,
            course,
            due_kind="after_assignment",
            due_days=30,
            is_mandatory=True,
            recert_months=recert.get(course.id),
            **target,
        )
    # Pretend the rules were made weeks ago, then give people a realistic spread of progress.
    rng = random.Random(20261128)  # noqa: S311 - reproducible demo data, not security
    for course, _target, days in rules:
        assigned_at = now - timedelta(days=days)
        enrolments = db.session.scalars(
            select(Enrolment)
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.course_id == course.id)
            .order_by(User.employee_no)
        ).all()
        for enrolment in enrolments:
            enrolment.assigned_at = assigned_at
            enrolment.due_on = today - timedelta(days=days) + timedelta(days=30)
        db.session.flush()
        activities = course.live_activities
        for enrolment in enrolments:
            roll = rng.random()
            if roll < 0.45:
                done = len(activities)
            elif roll < 0.7:
                done = rng.randint(1, max(1, len(activities) - 1))
            else:
                done = 0
            if done == len(activities) and len(activities) == 1:
                done = 1
            at = assigned_at + timedelta(days=rng.randint(1, max(2, days - 2)))
            for activity in activities[:done]:
                status = activity.done_status
                when = activity.starts_at if activity.kind == "session" else at
                services.record_progress(enrolment, activity, status, when)
                at += timedelta(hours=rng.randint(1, 30))
    # Two stories for the first demo learners: a certificate about to expire, one expired.
    for employee_no, months_ago, days in (("S0001", 12, -10), ("S0002", 13, 0)):
        enrolment = db.session.scalar(
            select(Enrolment)
            .join(User, User.id == Enrolment.user_id)
            .where(User.employee_no == employee_no, Enrolment.course_id == commitments.id)
        )
        if enrolment is None:
            continue
        for progress in enrolment.progress:
            db.session.delete(progress)
        if enrolment.certificate is not None:
            db.session.delete(enrolment.certificate)
        enrolment.completed_at = enrolment.expires_at = enrolment.hours_earned = None
        db.session.flush()
        db.session.refresh(enrolment)
        at = services.add_months(now, -months_ago) + timedelta(days=-days)
        enrolment.assigned_at = at - timedelta(days=20)
        enrolment.due_on = services.local_today(at) + timedelta(days=10)
        for activity in commitments.live_activities:
            when = activity.starts_at if activity.kind == "session" else at
            services.record_progress(enrolment, activity, activity.done_status, when)
    db.session.commit()
    for code, hours in DEMO_QUOTAS.items():
        role = _role(code)
        if role is not None:
            services.set_quota(hr, role, today.year, hours)
    n = db.session.scalar(select(func.count(Enrolment.id)))
    return f"{len(courses)} courses, {n} enrolments"


def _attach_demo_quiz(trainer, course) -> None:
    """Link the demo's common quiz (from the quizzes seeder) as an optional practice activity."""
    from app.quizzes.cli import COMMON_TITLE
    from app.quizzes.models import Quiz

    quiz = db.session.scalar(select(Quiz).where(Quiz.title == COMMON_TITLE))
    if quiz is not None:
        services.add_activity(
            trainer,
            course,
            kind="quiz",
            title="随堂测验：供电服务规范",
            body="完成课程学习后参加测验，检验对十项承诺和服务规范的掌握。",
            quiz_id=quiz.id,
            is_required=False,
        )
