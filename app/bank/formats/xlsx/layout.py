"""The layout of SkillGrid's Excel workbooks, shared by the reader and the writer: the columns
with their bilingual names and help, the words a cell may use, the files sheet and the
template's example rows."""

from __future__ import annotations

from typing import Any

ZIP_MAGIC = b"PK\x03\x04"
GUIDE_NOTE_ZH = (
    "每行一道题；第1行是列名，请勿修改。导入时整表全部成功或全部不导入，错误信息会给出行号。"
)
GUIDE_NOTE_EN = (
    "One question per row; row 1 names the columns, keep it. An import takes every row or none, "
    "and each problem names its row."
)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TEMPLATE_LETTERS = LETTERS[:6]

#: the columns, in order: key, Chinese name, English help, Chinese help
COLUMNS: list[tuple[str, str, str, str]] = [
    ("id", "编号", "Stable key of the question (optional; one line, at most 100 characters). "
     "Re-importing a row with the same id updates that question.",
     "题目的固定编号（可空；一行，最多100个字符）。再次导入相同编号会更新该题。"),
    ("category", "分类", "Category path, names joined by '/', e.g. 服务规范/十项承诺.",
     "题目分类，多级用“/”连接，如：服务规范/十项承诺。"),
    ("qtype", "题型", "single, multiple, truefalse, shortanswer, numerical, cloze, matching, "
     "essay, description (or 单选, 多选, 判断, 填空, 数值, 多空填空, 匹配, 问答, 说明).",
     "单选、多选、判断、填空、数值、多空填空、匹配、问答、说明（也可写英文名）。"),
    ("name", "题目名称", "A short title (required).", "简短标题（必填）。"),
    ("questiontext", "题干", "The question (Markdown). Cloze: the text with its blanks in "
     "Moodle's Cloze syntax, e.g. 城区{1:NUMERICAL:=45}分钟、农村{1:NUMERICAL:=90}分钟; the "
     "answer columns and 'correct' stay empty.",
     "题目内容（支持 Markdown）。多空填空：题干中按 Moodle Cloze 语法写出各空，如 "
     "城区{1:NUMERICAL:=45}分钟、农村{1:NUMERICAL:=90}分钟；选项列和正确答案列留空。"),
    *[
        (letter, f"选项{letter}", f"Answer {letter}. Matching: one 'item=answer' per line "
         "('*=answer' is a distractor). Short answer and numerical: an accepted answer "
         "(numerical: 42±0.5 or *).",
         f"选项{letter}。匹配题：每行一对“左项=右项”（“*=右项”为干扰项）。"
         "填空/数值题：一个可接受的答案（数值写 42±0.5，或 * 表示任意数）。")
        for letter in TEMPLATE_LETTERS
    ],
    ("correct", "正确答案", "Single/multiple: the letters, e.g. B or A,C (multiple: each listed "
     "answer earns an equal share, each other one takes it all away); or weights "
     "A:50%,B:50%,C:-100%. True/false: true/false (对/错). Short answer: the letters of the "
     "full-mark answers, or the answer itself (one per line) with A-F left empty. Numerical: "
     "42 or 42±0.5 with A-F left empty. Essay: the marking guide for graders.",
     "单选/多选：填字母，如 B 或 A,C（多选：每个正确选项平分得分，选错一项不得分）；"
     "也可写权重 A:50%,B:50%,C:-100%。判断：对/错（true/false）。填空：满分选项的字母，"
     "或在选项为空时直接写答案（每行一个）。数值：选项为空时写 42 或 42±0.5。问答：评分要点。"),
    *[
        (f"feedback_{letter}", f"选项{letter}反馈", f"Feedback shown to whoever chose answer "
         f"{letter} (true/false: A for 'true', B for 'false').",
         f"选择选项{letter}后显示的反馈（判断题：A 为选“对”，B 为选“错”）。")
        for letter in TEMPLATE_LETTERS
    ],
    ("generalfeedback", "解析", "Explanation shown after answering.", "答题后显示的解析。"),
    ("defaultmark", "分值", "Mark of the question (default 1; description 0; cloze: the sum "
     "of the blanks' weights).", "题目分值（默认1；说明为0；多空填空为各空权重之和）。"),
    ("difficulty", "难度", "1, 2 or 3 (易, 中, 难); default 2.",
     "1、2、3（或 易、中、难），默认2。"),
    ("competencies", "能力项", "Competency codes such as SV1, BK2, separated by commas or 、.",
     "能力项代码，如 SV1、BK2，用逗号或顿号分隔。"),
    ("tags", "标签", "Labels, separated by commas or 、.", "标签，用逗号或顿号分隔。"),
    ("status", "状态", "draft, ready or retired (草稿, 可用, 停用); default draft. Only ready "
     "questions are drawn into quizzes.", "草稿、可用、停用（draft/ready/retired），默认草稿。"
     "只有“可用”的题目会被抽入测验。"),
    ("source_version", "依据版本", "The version of the rule the question tests, e.g. "
     "供电营业规则(2024).", "题目依据的规章版本，如：供电营业规则(2024)。"),
    ("units", "单位", "Numerical only: units with multipliers, e.g. V=1; kV=0.001 (the first "
     "is the base unit).", "仅数值题：单位及倍数，如 V=1; kV=0.001（第一个为基本单位）。"),
    ("more", "更多设置", "Advanced, usually empty: other settings as JSON with the YAML keys, "
     'e.g. {"penalty": 0.5, "hints": ["..."]}. Exports fill it where needed.',
     "高级设置，一般留空：其他设置，JSON 格式，键名同 YAML，"
     '如 {"penalty": 0.5, "hints": ["..."]}。导出时按需填写。'),
]  # fmt: skip
COLUMN_KEYS = [key for key, *_rest in COLUMNS]
QTYPE_ALIASES = {
    "单选": "single", "单选题": "single", "多选": "multiple", "多选题": "multiple",
    "判断": "truefalse", "判断题": "truefalse", "填空": "shortanswer", "填空题": "shortanswer",
    "简答": "shortanswer", "数值": "numerical", "数值题": "numerical", "计算": "numerical",
    "匹配": "matching", "匹配题": "matching", "连线": "matching", "问答": "essay",
    "问答题": "essay", "论述": "essay", "说明": "description", "描述": "description",
    "多空填空": "cloze", "多空填空题": "cloze", "完形填空": "cloze",
}  # fmt: skip
STATUS_ALIASES = {"草稿": "draft", "可用": "ready", "停用": "retired"}
DIFFICULTY_ALIASES = {"易": 1, "容易": 1, "中": 2, "中等": 2, "难": 3, "困难": 3}
TRUE_WORDS = {"true", "t", "对", "正确", "√", "✓", "是", "yes", "1"}
FALSE_WORDS = {"false", "f", "错", "错误", "×", "✗", "否", "no", "0"}
#: the sheet that carries the files embedded in questions (exports only): one row per part
FILES_SHEET = "文件 Files"
FILE_COLUMNS = ("id", "path", "name", "mimetype", "part", "content_base64")
#: a cell holds at most 32,767 characters; longer files take several rows
FILE_PART = 32_000


def equal_share(n: int) -> float:
    """1/n as Moodle writes it (seven decimals): each right answer's part of a multiple choice."""
    return round(1 / n, 7)


#: the template's example rows, one per type
EXAMPLES: list[dict[str, Any]] = [
    {
        "id": "ex-single-1", "category": "服务规范/十项承诺", "qtype": "单选",
        "name": "居民装表接电时限",
        "questiontext": "居民客户新装用电，供电企业应在几个工作日内装表接电？",
        "A": "3个工作日", "B": "5个工作日", "C": "7个工作日", "correct": "A",
        "feedback_B": "这是非居民客户的时限",
        "generalfeedback": "十项承诺：居民客户不超过3个工作日。", "difficulty": 1,
        "competencies": "SV1、BK1", "tags": "十项承诺", "status": "可用",
        "source_version": "国家电网十项承诺(2023)",
    },
    {
        "id": "ex-multiple-1", "qtype": "多选", "name": "两票",
        "questiontext": "下列哪些属于“两票”？",
        "A": "工作票", "B": "操作票", "C": "介绍信", "correct": "A,B", "competencies": "SF1",
    },
    {
        "id": "ex-tf-1", "qtype": "判断", "name": "停电通知",
        "questiontext": "计划停电应提前7天通知。", "correct": "对",
        "feedback_B": "应提前7天通知。",
    },
    {
        "id": "ex-short-1", "qtype": "填空", "name": "首问负责",
        "questiontext": "第一个接待客户的员工负责到底，这叫什么制度？", "correct": "首问负责制",
    },
    {
        "id": "ex-num-1", "qtype": "数值", "name": "电压",
        "questiontext": "我国低压居民用电的额定电压是多少伏？",
        "correct": "220±1", "units": "V=1; kV=0.001",
    },
    {
        "id": "ex-cloze-1", "qtype": "多空填空", "name": "抢修到达现场时限",
        "questiontext": "故障抢修到达现场时间：城区范围一般不超过{1:NUMERICAL:=45}分钟，"
        "农村地区一般不超过{1:NUMERICAL:=90}分钟，特殊边远地区一般不超过{1:NUMERICAL:=2}小时。",
        "competencies": "SV1", "source_version": "国家电网十项承诺(2011)",
    },
    {
        "id": "ex-match-1", "qtype": "匹配", "name": "岗位",
        "questiontext": "把岗位与职责连起来。",
        "A": "营业厅柜员=受理业务", "B": "客服座席=接听95598", "C": "装表接电工=装表",
        "D": "*=巡视线路",
    },
    {
        "id": "ex-essay-1", "qtype": "问答", "name": "投诉处理",
        "questiontext": "说明投诉闭环的步骤。", "correct": "受理、调查、答复、回访各2.5分",
        "defaultmark": 10,
    },
    {
        "id": "ex-desc-1", "qtype": "说明", "name": "案例",
        "questiontext": "以下几题基于同一个案例。", "defaultmark": 0,
    },
]  # fmt: skip
