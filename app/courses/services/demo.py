"""The courses' demo data: five courses assigned by rule, with a realistic spread of progress,
two certificates about to expire or expired, and yearly quotas (``flask seed-demo``)."""

import random
from datetime import timedelta

from sqlalchemy import func, select

from app.core import clock
from app.core.uow import refresh, transaction
from app.courses.dates import add_months, local_today
from app.courses.models import Course, Enrolment
from app.courses.services.applying import backdate_assignment
from app.courses.services.authoring import add_activity, create_course, publish_course
from app.courses.services.learning import record_progress, self_enrol
from app.courses.services.quotas import set_quota
from app.courses.services.rules import create_rule
from app.extensions import db
from app.org.models import Department, JobRole, User

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

CALMING = """\
客户情绪激动时，先处理情绪，再处理事情：

1. **倾听**：让客户把话说完，不打断、不争辩，边听边记录诉求要素；
2. **共情**：复述客户的困扰（"停电影响了您做生意，我理解您着急"），不推诿、不说"这不归我管"；
3. **说明**：讲清原因、承诺时限和下一步，只承诺做得到的事；
4. **跟进**：按时回访，问题解决后再确认客户是否满意。

> 不要为了让客户撤诉而私下送礼或承诺违规事项：这是弄虚作假，也违反"十个不准"。
"""
CALMING_2 = """\
案例：某商户因欠费停电后来营业厅投诉，情绪激动。

* 第一步：请客户到洽谈区坐下，倒一杯水，让客户说完；
* 第二步：核实停电是否按规定提前送达通知（欠费停电须提前送达通知并在停电前再次通知）；
* 第三步：如确属违规停电或拖延送电，先致歉，立即安排复电，并按"四不放过"处理；
* 第四步：告知处理结果和回访时间，记录在工单中。
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
    (
        "客户情绪安抚与冲突化解",
        "沟通与投诉处理",
        "倾听、共情、说明、跟进：激动客户的安抚方法和一个欠费停电投诉的完整案例。",
        2.0,
        {"CM2": 3, "CM1": 2},
        True,
        [("安抚的四个步骤", CALMING), ("案例：欠费停电投诉", CALMING_2)],
        False,
    ),
]
#: yearly 学时 quota per job role
DEMO_QUOTAS = {"CTR": 24, "CC": 24, "AM": 32, "MR": 16, "MI": 24, "INS": 24}


def _dept(full_name: str) -> Department | None:
    return db.session.scalar(select(Department).where(Department.full_name == full_name))


def _role(code: str) -> JobRole | None:
    return db.session.scalar(select(JobRole).where(JobRole.code == code))


#: the planted clerks of the training-needs demo never took the calming course
NOT_CALMED = ("S0008", "S0009")


def _calming_history(course: Course, rng: random.Random, now) -> None:
    """About forty counter clerks enrolled in the calming course themselves and completed it
    between three and eight months ago (the course-effect demo compares their K01 before and
    after with colleagues who have not taken it)."""
    clerks = db.session.scalars(
        select(User)
        .join(JobRole, JobRole.id == User.job_role_id)
        .where(JobRole.code == "CTR", User.employee_no.not_in(NOT_CALMED))
        .order_by(User.employee_no)
    ).all()
    for person in rng.sample(clerks, k=min(40, len(clerks))):
        at = add_months(now, -rng.randint(3, 8)) - timedelta(days=rng.randint(0, 20))
        enrolment = self_enrol(person, course)
        enrolment.assigned_at = at - timedelta(days=rng.randint(3, 20))
        for activity in course.live_activities:
            record_progress(enrolment, activity, activity.done_status, at)
            at += timedelta(hours=rng.randint(1, 48))


@transaction
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
    today = local_today(now)
    courses = []
    for title, category, summary, hours, competencies, is_open, lessons, session in DEMO_COURSES:
        course = create_course(
            trainer,
            title=title,
            summary=summary,
            category=category,
            credit_hours=hours,
            competencies=competencies,
            is_open=is_open,
        )
        for lesson_title, body in lessons:
            add_activity(trainer, course, kind="lesson", title=lesson_title, body=body)
        if session:
            add_activity(
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
        publish_course(trainer, course)
        courses.append(course)
    commitments, etiquette, safety, complaints, _online, calming = courses
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
        create_rule(
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
            backdate_assignment(enrolment, assigned_at)
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
                record_progress(enrolment, activity, status, when)
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
        refresh(enrolment)
        at = add_months(now, -months_ago) + timedelta(days=-days)
        backdate_assignment(enrolment, at - timedelta(days=20))  # due ten days after ``at``
        for activity in commitments.live_activities:
            when = activity.starts_at if activity.kind == "session" else at
            record_progress(enrolment, activity, activity.done_status, when)
    _calming_history(calming, rng, now)
    for code, hours in DEMO_QUOTAS.items():
        role = _role(code)
        if role is not None:
            set_quota(hr, role, today.year, hours)
    n = db.session.scalar(select(func.count(Enrolment.id)))
    return f"{len(courses)} courses, {n} enrolments"


def _attach_demo_quiz(trainer, course) -> None:
    """Link the demo's common quiz (from the quizzes seeder) as an optional practice activity."""
    from app.quizzes.cli import COMMON_TITLE
    from app.quizzes.models import Quiz

    quiz = db.session.scalar(select(Quiz).where(Quiz.title == COMMON_TITLE))
    if quiz is not None:
        add_activity(
            trainer,
            course,
            kind="quiz",
            title="随堂测验：供电服务规范",
            body="完成课程学习后参加测验，检验对十项承诺和服务规范的掌握。",
            quiz_id=quiz.id,
            is_required=False,
        )
