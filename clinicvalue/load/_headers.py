"""Header synonyms: recognise a clinic export's column names in English and Chinese."""

from __future__ import annotations

import re
import unicodedata

from clinicvalue.data import (
    APPOINTMENT_OPTIONAL,
    APPOINTMENT_REQUIRED,
    PATIENT_OPTIONAL,
    PATIENT_REQUIRED,
    PLAN_OPTIONAL,
    PLAN_REQUIRED,
    SPEND_OPTIONAL,
    SPEND_REQUIRED,
    VISIT_OPTIONAL,
    VISIT_REQUIRED,
)
from clinicvalue.errors import InputError

__all__ = ["TABLES", "SYNONYMS", "norm_header", "resolve_headers", "known_header_words"]

TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "visits": (VISIT_REQUIRED, VISIT_OPTIONAL),
    "patients": (PATIENT_REQUIRED, PATIENT_OPTIONAL),
    "spend": (SPEND_REQUIRED, SPEND_OPTIONAL),
    "plans": (PLAN_REQUIRED, PLAN_OPTIONAL),
    "appointments": (APPOINTMENT_REQUIRED, APPOINTMENT_OPTIONAL),
}

_PATIENT_ID = [
    "patient_id",
    "patient id",
    "patient",
    "patient no",
    "patient number",
    "pid",
    "chart no",
    "chart number",
    "chart",
    "mrn",
    "medical record number",
    "customer id",
    "member id",
    "病歷號",
    "病历号",
    "病歷號碼",
    "病历号码",
    "病歷編號",
    "病历编号",
    "患者ID",
    "患者編號",
    "患者编号",
    "病患編號",
    "病患编号",
    "病人編號",
    "病人编号",
    "病人ID",
    "病患ID",
    "客戶編號",
    "客户编号",
    "客戶ID",
    "客户ID",
    "會員編號",
    "会员编号",
    "會員ID",
    "会员ID",
    "病歷編碼",
    "病历编码",
    "就診號",
    "就诊号",
    "患者號",
    "患者号",
]
_AMOUNT = [
    "amount",
    "amount paid",
    "paid",
    "revenue",
    "fee",
    "charge",
    "price",
    "total",
    "net amount",
    "金額",
    "金额",
    "消費金額",
    "消费金额",
    "實收",
    "实收",
    "實收金額",
    "实收金额",
    "費用",
    "费用",
    "收費",
    "收费",
    "收費金額",
    "收费金额",
    "應收",
    "应收",
    "消費",
    "消费",
    "總額",
    "总额",
    "合計",
    "合计",
    "付款金額",
    "付款金额",
]

#: Canonical column → header synonyms (matched after :func:`norm_header`).
SYNONYMS: dict[str, dict[str, list[str]]] = {
    "visits": {
        "patient_id": _PATIENT_ID,
        "visit_date": [
            "visit_date",
            "visit date",
            "date",
            "visit",
            "service date",
            "date of visit",
            "就診日期",
            "就诊日期",
            "看診日期",
            "看诊日期",
            "日期",
            "就醫日期",
            "就医日期",
            "來診日期",
            "来诊日期",
            "消費日期",
            "消费日期",
            "治療日期",
            "治疗日期",
            "就診日",
            "就诊日",
            "到診日期",
            "到诊日期",
            "門診日期",
            "门诊日期",
        ],
        "amount": _AMOUNT,
        "visit_id": [
            "visit_id",
            "visit id",
            "visit no",
            "order id",
            "invoice",
            "invoice no",
            "receipt no",
            "單號",
            "单号",
            "就診序號",
            "就诊序号",
            "收據號",
            "收据号",
            "訂單號",
            "订单号",
        ],
        "treatment": [
            "treatment",
            "treatments",
            "item",
            "procedure",
            "service",
            "治療項目",
            "治疗项目",
            "項目",
            "项目",
            "處置",
            "处置",
            "治療",
            "治疗",
            "療程",
            "疗程",
            "服務項目",
            "服务项目",
            "診療項目",
            "诊疗项目",
        ],
        "doctor": [
            "doctor",
            "dentist",
            "physician",
            "provider",
            "醫師",
            "医师",
            "醫生",
            "医生",
            "主治醫師",
            "主治医师",
            "看診醫師",
            "看诊医师",
        ],
        "department": [
            "department",
            "dept",
            "specialty",
            "科別",
            "科别",
            "科室",
            "科",
            "部門",
            "部门",
        ],
        "branch": [
            "branch",
            "clinic",
            "location",
            "site",
            "store",
            "分院",
            "門店",
            "门店",
            "院區",
            "院区",
            "分店",
            "診所",
            "诊所",
        ],
        "status": [
            "status",
            "visit status",
            "狀態",
            "状态",
            "就診狀態",
            "就诊状态",
            "預約狀態",
            "预约状态",
            "到診狀態",
            "到诊状态",
        ],
        "satisfaction": [
            "satisfaction",
            "satisfaction score",
            "score",
            "rating",
            "csat",
            "滿意度",
            "满意度",
            "評分",
            "评分",
            "滿意度分數",
            "满意度分数",
        ],
        "complaint": ["complaint", "complaints", "客訴", "客诉", "投訴", "投诉", "抱怨"],
        "insurer_amount": [
            "insurer_amount",
            "insurer amount",
            "insurance",
            "insurance amount",
            "nhi",
            "nhi amount",
            "insurer paid",
            "健保給付",
            "健保给付",
            "健保",
            "健保金額",
            "健保金额",
            "健保申報",
            "健保申报",
            "醫保",
            "医保",
            "醫保支付",
            "医保支付",
            "醫保金額",
            "医保金额",
            "統籌支付",
            "统筹支付",
        ],
    },
    "patients": {
        "patient_id": _PATIENT_ID,
        "first_visit": [
            "first_visit",
            "first visit",
            "first visit date",
            "初診日期",
            "初诊日期",
            "首診日期",
            "首诊日期",
            "初診日",
            "初诊日",
            "首次就診",
            "首次就诊",
            "建檔日期",
            "建档日期",
        ],
        "birth_date": [
            "birth_date",
            "birth date",
            "birthday",
            "date of birth",
            "dob",
            "生日",
            "出生日期",
            "出生年月日",
        ],
        "sex": ["sex", "gender", "性別", "性别"],
        "channel": [
            "channel",
            "source",
            "acquisition channel",
            "referral source",
            "來源",
            "来源",
            "渠道",
            "管道",
            "來源渠道",
            "来源渠道",
            "來源管道",
            "獲客渠道",
            "获客渠道",
            "通路",
        ],
        "referred_by": [
            "referred_by",
            "referred by",
            "referrer",
            "referrer id",
            "介紹人",
            "介绍人",
            "推薦人",
            "推荐人",
            "轉介人",
            "转介人",
        ],
        "condition": [
            "condition",
            "conditions",
            "chronic condition",
            "diagnosis",
            "病況",
            "病况",
            "病症",
            "慢性病",
            "疾病",
            "診斷",
            "诊断",
        ],
        "contact_ok": [
            "contact_ok",
            "contact ok",
            "consent",
            "contact consent",
            "may contact",
            "可聯絡",
            "可联络",
            "可聯繫",
            "可联系",
            "同意聯絡",
            "同意联络",
            "同意聯繫",
            "同意联系",
            "聯絡同意",
            "联络同意",
        ],
        "name": ["name", "patient name", "full name", "姓名", "名字", "患者姓名", "病患姓名"],
        "phone": [
            "phone",
            "mobile",
            "telephone",
            "tel",
            "phone number",
            "電話",
            "电话",
            "手機",
            "手机",
            "聯絡電話",
            "联系电话",
            "手機號碼",
            "手机号码",
        ],
    },
    "spend": {
        "month": ["month", "period", "月份", "月", "年月", "期間", "期间", "日期", "date"],
        "channel": [
            "channel",
            "source",
            "media",
            "渠道",
            "管道",
            "來源",
            "来源",
            "通路",
            "媒體",
            "媒体",
        ],
        "amount": _AMOUNT
        + ["spend", "cost", "budget", "花費", "花费", "支出", "成本", "預算", "预算"],
        "purpose": ["purpose", "type", "goal", "用途", "目的", "類型", "类型"],
    },
    "plans": {
        "patient_id": _PATIENT_ID,
        "item": [
            "item",
            "treatment",
            "plan item",
            "procedure",
            "項目",
            "项目",
            "治療項目",
            "治疗项目",
            "治療",
            "治疗",
            "計畫項目",
            "计划项目",
        ],
        "status": ["status", "狀態", "状态", "進度", "进度"],
        "is_chief_complaint": [
            "is_chief_complaint",
            "chief complaint",
            "chief",
            "主訴",
            "主诉",
            "是否主訴",
            "是否主诉",
            "主訴項目",
            "主诉项目",
        ],
        "planned_date": [
            "planned_date",
            "planned date",
            "plan date",
            "計畫日期",
            "计划日期",
            "預計日期",
            "预计日期",
            "規劃日期",
            "规划日期",
        ],
        "done_date": [
            "done_date",
            "done date",
            "completed date",
            "completion date",
            "完成日期",
            "完工日期",
        ],
    },
    "appointments": {
        "patient_id": _PATIENT_ID,
        "date": [
            "date",
            "appointment date",
            "appointment",
            "booking date",
            "booked date",
            "scheduled date",
            "預約日期",
            "预约日期",
            "預約日",
            "预约日",
            "預約",
            "预约",
            "約診日期",
            "约诊日期",
            "日期",
            "掛號日期",
            "挂号日期",
        ],
        "time": [
            "time",
            "appointment time",
            "slot",
            "預約時間",
            "预约时间",
            "約診時間",
            "约诊时间",
            "時間",
            "时间",
            "時段",
            "时段",
        ],
        "status": [
            "status",
            "appointment status",
            "預約狀態",
            "预约状态",
            "狀態",
            "状态",
        ],
        "treatment": [
            "treatment",
            "service",
            "procedure",
            "reason",
            "預約項目",
            "预约项目",
            "治療項目",
            "治疗项目",
            "項目",
            "项目",
            "治療",
            "治疗",
        ],
        "doctor": [
            "doctor",
            "dentist",
            "provider",
            "醫師",
            "医师",
            "醫生",
            "医生",
            "主治醫師",
            "主治医师",
        ],
    },
}

_SQUASH = re.compile(r"[\s_\-./()（）:：#]+")


def norm_header(text: str) -> str:
    """Return a header in matching form: NFKC, case-folded, spaces/underscores removed."""
    return _SQUASH.sub("", unicodedata.normalize("NFKC", str(text)).strip().casefold())


_LOOKUP: dict[str, dict[str, str]] = {
    table: {norm_header(s): canon for canon, syns in cols.items() for s in [canon, *syns]}
    for table, cols in SYNONYMS.items()
}


def known_header_words() -> frozenset[str]:
    """Return every normalised header synonym of every table (for encoding detection)."""
    return frozenset(k for lookup in _LOOKUP.values() for k in lookup)


def resolve_headers(
    headers: list[str],
    table: str,
    *,
    file: str,
    mapping: dict[str, str] | None = None,
) -> tuple[dict[str, int], list[str], list[str]]:
    """Match a file's headers to canonical columns.

    Parameters
    ----------
    headers
        The header cells as the file has them, in order.
    table
        ``visits``, ``patients``, ``spend`` or ``plans``.
    file
        The file's name, for messages.
    mapping
        Explicit ``{canonical: user_header}`` pairs; they win over synonyms.

    Returns
    -------
    columns, ignored, notes
        ``{canonical: position}``, the headers not used, and notes on ambiguous headers.
    """
    required, optional = TABLES[table]
    allowed = set(required) | set(optional)
    stripped = [str(h).strip() for h in headers]
    seen: dict[str, int] = {}
    for pos, h in enumerate(stripped):
        if h == "":
            continue
        if h in seen:
            raise InputError(
                f"two columns are named '{h}' (columns {seen[h] + 1} and {pos + 1}); "
                "rename one of them so each column has its own header",
                file=file,
                line=1,
                column=h,
            )
        seen[h] = pos
    columns: dict[str, int] = {}
    notes: list[str] = []
    by_norm = {norm_header(h): i for i, h in reversed(list(enumerate(stripped))) if h}
    for canon, user in (mapping or {}).items():
        if canon not in allowed:
            continue
        pos = by_norm.get(norm_header(user))
        if pos is not None:
            columns[canon] = pos
    taken = set(columns.values())
    lookup = _LOOKUP[table]
    for pos, h in enumerate(stripped):
        if pos in taken or not h:
            continue
        canon = lookup.get(norm_header(h))
        if canon is None:
            continue
        if canon in columns:
            notes.append(
                f"{file}: column '{h}' also looks like {canon}; used "
                f"'{stripped[columns[canon]]}' and ignored '{h}' (use --map to choose)"
            )
            continue
        columns[canon] = pos
    missing = [c for c in required if c not in columns]
    if missing:
        hints = "; ".join(
            f"{c} (e.g. {', '.join(SYNONYMS[table][c][:1] + _zh(table, c))})" for c in missing
        )
        found = ", ".join(f"'{h}'" for h in stripped if h) or "none"
        example = missing[0]
        raise InputError(
            f"the {table} table is missing required column(s): {hints}. Headers found: "
            f"{found}. Name your column with --map, e.g. --map {example}=<your header>",
            file=file,
            line=1,
        )
    used = set(columns.values())
    ignored = [h for i, h in enumerate(stripped) if i not in used and h]
    return columns, ignored, notes


def _zh(table: str, canon: str) -> list[str]:
    """Return the first Traditional and Simplified Chinese synonyms of a column."""
    zh = [s for s in SYNONYMS[table][canon] if any("\u4e00" <= ch <= "\u9fff" for ch in s)]
    return zh[:2]
