"""Segment labels and the articles' recommended action, in en / zh-Hant / zh-Hans."""

from __future__ import annotations

from clinicvalue.errors import check_option

__all__ = ["LOCALES", "SCHEMES", "segment_action", "segment_label"]

LOCALES = ("en", "zh-Hant", "zh-Hans")

# scheme → key → (label en, zh-Hant, zh-Hans, action en, zh-Hant, zh-Hans)
_T: dict[str, dict[str, tuple[str, str, str, str, str, str]]] = {
    "rfm8": {
        "core": (
            "Core",
            "核心客戶",
            "核心客户",
            "Dedicated health manager, one-to-one service",
            "專屬健康管家，一對一服務",
            "专属健康管家，一对一服务",
        ),
        "value": (
            "Value",
            "價值客戶",
            "价值客户",
            "Raise spend per visit: add-on assessments, packages",
            "提升客單價：加做評估、套餐",
            "提升客单价：加做评估、套餐",
        ),
        "potential": (
            "Potential",
            "潛力客戶",
            "潜力客户",
            "Raise frequency: monitoring, follow-up, reminders",
            "提升頻率：監測、回訪、用藥提醒",
            "提升频率：监测、回访、用药提醒",
        ),
        "general": ("General", "一般客戶", "一般客户", "Standard care", "標準服務", "标准服务"),
        "at_risk": (
            "At risk",
            "預警客戶",
            "预警客户",
            "Personal call: we noticed you haven't been back — is anything wrong?",
            "專人致電關懷，了解未回診原因",
            "专人致电关怀，了解未复诊原因",
        ),
        "lost": ("Lost", "流失客戶", "流失客户", "Win-back campaign", "流失召回", "流失召回"),
        "sleeping": (
            "Sleeping",
            "沉睡客戶",
            "沉睡客户",
            "Try to reactivate",
            "嘗試喚醒",
            "尝试唤醒",
        ),
        "inactive": (
            "Inactive",
            "無效客戶",
            "无效客户",
            "No spend on outreach",
            "不投入行銷資源",
            "不投入营销资源",
        ),
    },
    "tier5": {
        "platinum_vip": (
            "Platinum VIP",
            "白金VIP患者",
            "白金VIP患者",
            "Exclusive service and priority booking",
            "專屬服務、優先預約",
            "专属服务、优先预约",
        ),
        "high_potential": (
            "High potential",
            "高潛力患者",
            "高潜力患者",
            "Encourage more regular visits",
            "鼓勵定期回診",
            "鼓励定期复诊",
        ),
        "stable_value": (
            "Stable value",
            "穩定價值患者",
            "稳定价值患者",
            "Keep up routine care and recalls",
            "維持常規照護與回診提醒",
            "维持常规照护与复诊提醒",
        ),
        "dormant_high_value": (
            "Dormant high value",
            "休眠高價值患者",
            "休眠高价值患者",
            "Personal reactivation call",
            "專人喚醒關懷",
            "专人唤醒关怀",
        ),
        "low_value": (
            "Low value",
            "低價值患者",
            "低价值患者",
            "Low-cost mass reminders only",
            "僅低成本群發提醒",
            "仅低成本群发提醒",
        ),
    },
    "activity": {
        "active": ("Active", "活躍", "活跃", "Keep in touch", "保持聯繫", "保持联系"),
        "lapsing": (
            "Lapsing",
            "流失風險",
            "流失风险",
            "Send a recall reminder",
            "發送回診提醒",
            "发送复诊提醒",
        ),
        "dormant": ("Dormant", "沉睡", "沉睡", "Reactivation campaign", "喚醒活動", "唤醒活动"),
    },
    "treatment": {
        "high_value": (
            "High-value treatment",
            "高價值療程",
            "高价值疗程",
            "Lifelong record and a named doctor or senior adviser",
            "建立終身檔案，指定醫師或資深顧問",
            "建立终身档案，指定医生或资深顾问",
        ),
        "routine": (
            "Routine treatment",
            "常規治療",
            "常规治疗",
            "Standard recalls",
            "標準回診提醒",
            "标准复诊提醒",
        ),
        "unknown": (
            "Unknown",
            "未知",
            "未知",
            "Record treatments to classify",
            "請記錄療程以便分類",
            "请记录疗程以便分类",
        ),
    },
    "interrupted": {
        "consult_only": (
            "Consulted, nothing accepted",
            "諮詢未成交",
            "进店主诉未成交",
            "Follow up after 1 month",
            "一個月後跟進",
            "一个月后跟进",
        ),
        "chief_done_rest_planned": (
            "Chief complaint done, rest planned",
            "主訴完成、其他未做",
            "主诉完成、其他未做",
            "Remind of remaining items after 1 month",
            "一個月後提醒其餘療程",
            "一个月后提醒其余疗程",
        ),
        "partly_done": (
            "Partly done",
            "部分完成",
            "部分完成",
            "Remind after 3 months",
            "三個月後提醒",
            "三个月后提醒",
        ),
        "all_done": (
            "All done, no recall",
            "全部完成",
            "全部完成",
            "Prevention recall after 6 months",
            "六個月後預防回診",
            "六个月后预防复诊",
        ),
        "not_interrupted": (
            "Not interrupted",
            "未中斷",
            "未中断",
            "No action",
            "無需處理",
            "无需处理",
        ),
    },
    "membership": {
        "brilliant": (
            "Brilliant",
            "璀璨",
            "璀璨",
            "Top-tier benefits",
            "最高等級禮遇",
            "最高等级礼遇",
        ),
        "elite": ("Elite", "菁英", "菁英", "Upgrade offers", "升級優惠", "升级优惠"),
        "basic": ("Basic", "基礎", "基础", "Welcome benefits", "入會禮遇", "入会礼遇"),
        "platinum": (
            "Platinum",
            "白金",
            "白金",
            "Top-tier benefits",
            "最高等級禮遇",
            "最高等级礼遇",
        ),
        "gold": ("Gold", "金卡", "金卡", "Upgrade offers", "升級優惠", "升级优惠"),
        "silver": ("Silver", "銀卡", "银卡", "Upgrade offers", "升級優惠", "升级优惠"),
        "general": ("General", "普通", "普通", "Welcome benefits", "入會禮遇", "入会礼遇"),
    },
}
SCHEMES = tuple(_T)


def _row(scheme: str, key: str, locale: str) -> tuple[str, ...]:
    check_option("scheme", scheme, SCHEMES)
    check_option("locale", locale, LOCALES)
    check_option(f"{scheme} segment", key, tuple(_T[scheme]))
    return _T[scheme][key]


def segment_label(scheme: str, key: str, locale: str = "en") -> str:
    """Return the display label of a segment key."""
    return _row(scheme, key, locale)[LOCALES.index(locale)]


def segment_action(scheme: str, key: str, locale: str = "en") -> str:
    """Return the articles' recommended action for a segment key."""
    return _row(scheme, key, locale)[3 + LOCALES.index(locale)]
