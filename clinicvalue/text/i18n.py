"""Locale-aware formatting and the report's own strings (en, zh-Hant, zh-Hans).

Money follows the clinic's currency (``NT$1,200`` for TWD, ``¥1,200`` for CNY), numbers
and percentages use Babel's rules for the locale, and every label the report prints
comes from :data:`STRINGS` in its English, Traditional and Simplified Chinese forms.
"""

from __future__ import annotations

import math

import pandas as pd
from babel.numbers import format_decimal, format_percent, get_currency_symbol

from clinicvalue.errors import check_option

__all__ = [
    "LOCALES",
    "STRINGS",
    "channel_label",
    "babel_locale",
    "t",
    "fmt_money",
    "fmt_number",
    "fmt_percent",
    "fmt_month",
    "fmt_date",
    "fmt_change",
    "html_lang",
    "css_fonts",
    "visit_notes",
]

LOCALES = ("en", "zh-Hant", "zh-Hans")

_BABEL = {"en": "en_US", "zh-Hant": "zh_Hant_TW", "zh-Hans": "zh_Hans_CN"}
_SYMBOLS = {"TWD": "NT$", "CNY": "¥", "RMB": "¥", "HKD": "HK$", "USD": "US$", "MOP": "MOP$"}
_FONTS = {
    "en": '"Noto Sans", "DejaVu Sans", "Noto Sans CJK TC", sans-serif',
    "zh-Hant": '"Noto Sans CJK TC", "Noto Sans TC", "PingFang TC", "Heiti TC", '
    '"Hiragino Sans CNS", "Microsoft JhengHei", sans-serif',
    "zh-Hans": '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Heiti SC", '
    '"Hiragino Sans GB", "Microsoft YaHei", sans-serif',
}

#: The report's strings: key → (en, zh-Hant, zh-Hans).
STRINGS: dict[str, tuple[str, str, str]] = {
    "report_title": ("Monthly patient value report", "每月病患價值報告", "每月患者价值报告"),
    "prepared_for": ("Prepared for", "報告對象", "报告对象"),
    "report_month": ("Report month", "報告月份", "报告月份"),
    "data_until": ("Data up to", "資料截至", "数据截至"),
    "data_span": (
        "Data from {first} to {last}",
        "資料期間 {first} 至 {last}",
        "数据期间 {first} 至 {last}",
    ),
    "partial_banner": (
        "Partial month: data up to {last}",
        "本月資料不完整：資料截至 {last}",
        "本月数据不完整：数据截至 {last}",
    ),
    "generated": ("Generated", "產生日期", "生成日期"),
    "contents": ("Contents", "目錄", "目录"),
    "page": ("Page", "頁", "页"),
    "sec_summary": ("Executive summary", "摘要", "摘要"),
    "sec_trend": ("Twelve-month trend", "近十二個月趨勢", "近十二个月趋势"),
    "sec_segments": ("Patient segments", "病患分群", "患者分群"),
    "sec_movement": ("Movement since last month", "與上月相比的分群變化", "与上月相比的分群变化"),
    "sec_clv": ("Lifetime value", "病患終身價值", "患者终身价值"),
    "sec_retention": ("Retention and revisits", "留存與回診", "留存与复诊"),
    "sec_economics": (
        "Acquisition vs retention economics",
        "新客開發與舊客維繫的經濟效益",
        "新客获取与老客维护的经济效益",
    ),
    "sec_actions": ("Action lists", "行動清單", "行动清单"),
    "sec_quality": ("Data quality", "資料品質", "数据质量"),
    "sec_appendix": ("Appendix: definitions and methods", "附錄：定義與方法", "附录：定义与方法"),
    "findings": ("Key findings", "重點發現", "重点发现"),
    "kpi": ("Indicator", "指標", "指标"),
    "value": ("Value", "數值", "数值"),
    "mom": ("vs last month", "較上月", "较上月"),
    "yoy": ("vs last year", "較去年同期", "较去年同期"),
    "target": ("Target", "目標", "目标"),
    "formula": ("Formula", "計算方式", "计算方式"),
    "no_change": ("no earlier month", "無前期資料", "无前期数据"),
    "missing_module": (
        "Not included: this version of the kit has no {what} analysis yet.",
        "未納入：此版本尚未提供{what}分析。",
        "未纳入：此版本尚未提供{what}分析。",
    ),
    "missing_input": (
        "Not included: needs {what}, which was not supplied.",
        "未納入：需要{what}，但未提供。",
        "未纳入：需要{what}，但未提供。",
    ),
    "section_failed": (
        "Not included: this section could not be computed ({why}).",
        "未納入：本節無法計算（{why}）。",
        "未纳入：本节无法计算（{why}）。",
    ),
    "in_patients": ("a patients file", "病患資料檔", "患者资料文件"),
    "in_spend": ("a marketing-spend file", "行銷費用資料檔", "营销费用数据文件"),
    "in_plans": ("a treatment-plans file", "治療計畫資料檔", "治疗计划数据文件"),
    "in_history": ("at least two months of visits", "至少兩個月的就診紀錄", "至少两个月的就诊记录"),
    "w_segments": ("segmentation", "分群", "分群"),
    "w_clv": ("lifetime-value", "終身價值", "终身价值"),
    "w_retention": ("retention", "留存", "留存"),
    "w_economics": ("economics", "經濟效益", "经济效益"),
    "w_actions": ("action-list", "行動清單", "行动清单"),
    "segment": ("Segment", "分群", "分群"),
    "patients": ("Patients", "病患數", "患者数"),
    "share": ("Share", "占比", "占比"),
    "revenue": ("Revenue", "營收", "营收"),
    "action": ("Suggested action", "建議行動", "建议行动"),
    "list": ("List", "清單", "清单"),
    "count": ("Count", "人數", "人数"),
    "top_entries": ("Top entries", "優先名單", "优先名单"),
    "patient_key": ("Patient key", "病患代碼", "患者代码"),
    "month": ("Month", "月份", "月份"),
    "active_patients_series": ("Active patients", "活躍病患", "活跃患者"),
    "new_patients_series": ("New patients", "新病患", "新患者"),
    "revenue_new": ("Revenue from new patients", "新病患營收", "新患者营收"),
    "revenue_returning": ("Revenue from returning patients", "舊病患營收", "老患者营收"),
    "quality_file": ("File", "檔案", "文件"),
    "quality_rows_read": ("Rows read", "讀取列數", "读取行数"),
    "quality_rows_kept": ("Rows kept", "保留列數", "保留行数"),
    "quality_rows_rejected": ("Rows rejected", "剔除列數", "剔除行数"),
    "quality_visits": ("Visits", "就診次數", "就诊次数"),
    "quality_notes": ("Notes", "備註", "备注"),
    "previous_unreadable": (
        "Last month's metrics.json could not be read ({reason}); month-over-month changes "
        "were recomputed from this month's data",
        "上月的 metrics.json 無法讀取（{reason}），月增減改由本月資料重新計算",
        "上月的 metrics.json 无法读取（{reason}），环比变化改由本月数据重新计算",
    ),
    "note_refunds": (
        "{n} refund line(s) totalling {total} were netted into their visits",
        "{n} 筆退款（合計 {total}）已併入當次就診",
        "{n} 笔退款（合计 {total}）已并入当次就诊",
    ),
    "note_merged": (
        "{lines} attended line item(s) were merged into {visits} visit(s) "
        "(one per patient and day)",
        "{lines} 筆已到診明細合併為 {visits} 次就診（每位病患每日一次）",
        "{lines} 笔已到诊明细合并为 {visits} 次就诊（每位患者每日一次）",
    ),
    "note_not_visits": (
        "{n} no-show/cancelled line(s) kept as lines but not counted as visits",
        "{n} 筆未到診／取消的明細保留，但不計為就診",
        "{n} 笔未到诊／取消的明细保留，但不计为就诊",
    ),
    "quality_clean": (
        "Every input row was read; nothing was rejected.",
        "所有資料列皆已讀取，無剔除資料。",
        "所有数据行均已读取，无剔除数据。",
    ),
    "methods": ("Methods", "方法", "方法"),
    "parameters": ("Parameters", "參數", "参数"),
    "methods_text": (
        "A visit is one patient on one calendar day; line items on one day are summed and "
        "refunds netted. Nothing after the last day of the report month is used. "
        "Lifetime value uses the BG/NBD and Gamma-Gamma models (Fader, Hardie & Lee 2005). "
        "Patient keys are pseudonymous; names and phone numbers appear only in actions.xlsx.",
        "一次就診指同一病患於同一日曆日的就診；同日多個項目合併計算並扣除退款。"
        "僅使用報告月份最後一日（含）以前的資料。終身價值採用 BG/NBD 與 Gamma-Gamma 模型"
        "（Fader、Hardie 與 Lee，2005）。病患以代碼呈現；姓名與電話僅列於 actions.xlsx。",
        "一次就诊指同一患者于同一日历日的就诊；同日多个项目合并计算并扣除退款。"
        "仅使用报告月份最后一日（含）以前的数据。终身价值采用 BG/NBD 与 Gamma-Gamma 模型"
        "（Fader、Hardie 与 Lee，2005）。患者以代码呈现；姓名与电话仅列于 actions.xlsx。",
    ),
    "target_met": ("target met", "已達目標", "已达目标"),
    "target_missed": ("below target", "未達目標", "未达目标"),
    "na": ("n/a", "無資料", "无数据"),
}


#: Strings of the analysis sections: key → (en, zh-Hant, zh-Hans).
STRINGS.update(
    {
        "seg_new": ("New", "新病患", "新患者"),
        "seg_left": ("Left", "離開", "离开"),
        "share_patients": ("Share of patients", "病患占比", "患者占比"),
        "share_revenue": ("Share of revenue", "營收占比", "营收占比"),
        "revenue_window": ("Revenue in window", "期間營收", "期间营收"),
        "segments_intro": (
            "RFM segments of {n} patients, scored on the last {months} months of visits; the "
            "chart compares each segment's share of patients with its share of revenue.",
            "以近 {months} 個月就診資料為 {n} 位病患進行 RFM 分群；"
            "圖表比較各群的病患占比與營收占比。",
            "以近 {months} 个月就诊数据为 {n} 位患者进行 RFM 分群；"
            "图表比较各群的患者占比与营收占比。",
        ),
        "sec_concentration": (
            "Revenue concentration (80/20)",
            "營收集中度（80/20）",
            "营收集中度（80/20）",
        ),
        "concentration_text": (
            "The top {top} of patients brought {share} of revenue in the window (Gini {gini}).",
            "前 {top} 的病患貢獻了期間內 {share} 的營收（吉尼係數 {gini}）。",
            "前 {top} 的患者贡献了期间内 {share} 的营收（基尼系数 {gini}）。",
        ),
        "before_after": ("Before ↓ / now →", "上月 ↓ / 本月 →", "上月 ↓ / 本月 →"),
        "movement_text": (
            "Compared with {month}: {up} patients moved up a segment, {down} moved down and "
            "{same} stayed. Rows are last month's segment, columns this month's.",
            "與 {month} 相比：{up} 位病患升級、{down} 位降級、"
            "{same} 位維持不變。列為上月分群，欄為本月分群。",
            "与 {month} 相比：{up} 位患者升级、{down} 位降级、"
            "{same} 位维持不变。行为上月分群，列为本月分群。",
        ),
        "finding_clv": (
            "{segment} patients hold {share} of the predicted {months}-month lifetime value "
            "of {total}.",
            "{segment}占未來 {months} 個月預測終身價值 {total} 的 {share}。",
            "{segment}占未来 {months} 个月预测终身价值 {total} 的 {share}。",
        ),
        "clv_total_text": (
            "Predicted lifetime value over the next {months} months: {total} for {n} patients "
            "({per} per patient); {level} interval {lower} – {upper} (parameter uncertainty).",
            "未來 {months} 個月預測終身價值：{n} 位病患合計 {total}（每人 {per}）；"
            "{level} 區間 {lower} – {upper}（參數不確定性）。",
            "未来 {months} 个月预测终身价值：{n} 位患者合计 {total}（每人 {per}）；"
            "{level} 区间 {lower} – {upper}（参数不确定性）。",
        ),
        "clv_no_interval": (
            "No interval: the model's uncertainty could not be estimated ({why}).",
            "無區間：無法估計模型的不確定性（{why}）。",
            "无区间：无法估计模型的不确定性（{why}）。",
        ),
        "clv_by_segment": ("Lifetime value by segment", "各分群終身價值", "各分群终身价值"),
        "total_clv": ("Lifetime value", "終身價值", "终身价值"),
        "interval": ("{level} interval", "{level} 區間", "{level} 区间"),
        "clv_per_patient": ("Per patient", "每位病患", "每位患者"),
        "share_clv": ("Share", "占比", "占比"),
        "clv_params": ("Model parameters", "模型參數", "模型参数"),
        "model": ("Model", "模型", "模型"),
        "parameter": ("Parameter", "參數", "参数"),
        "estimate": ("Estimate", "估計值", "估计值"),
        "clv_fit_text": (
            "Fitted on {n} patients ({repeat} with a repeat visit), time unit {unit}; fit "
            "step: {step}.",
            "以 {n} 位病患（其中 {repeat} 位曾回診）配適，時間單位為{unit}；配適步驟：{step}。",
            "以 {n} 位患者（其中 {repeat} 位曾复诊）拟合，时间单位为{unit}；拟合步骤：{step}。",
        ),
        "step_default": ("standard", "標準", "标准"),
        "treat_cleaning": ("cleaning", "洗牙", "洁牙"),
        "treat_exam": ("examination", "檢查", "检查"),
        "treat_checkup": ("check-up", "檢查", "检查"),
        "treat_filling": ("filling", "補牙", "补牙"),
        "treat_root_canal": ("root canal", "根管治療", "根管治疗"),
        "treat_crown": ("crown", "牙冠", "牙冠"),
        "treat_implant": ("implant", "植牙", "种植牙"),
        "treat_orthodontics": ("orthodontics", "矯正", "正畸"),
        "treat_extraction": ("extraction", "拔牙", "拔牙"),
        "treat_whitening": ("whitening", "美白", "美白"),
        "treat_consult": ("consultation", "諮詢", "咨询"),
        "unit_D": ("days", "日", "日"),
        "unit_W": ("weeks", "週", "周"),
        "unit_M": ("months", "月", "月"),
        "clv_validation": ("Validation on held-out months", "保留期驗證", "保留期验证"),
        "clv_validation_text": (
            "The model was refitted without the last {months} months and its predicted "
            "visits in those months compared with what happened.",
            "模型以排除最近 {months} 個月的資料重新配適，再將該期間的預測就診次數與實際比較。",
            "模型以排除最近 {months} 个月的数据重新拟合，再将该期间的预测就诊次数与实际比较。",
        ),
        "clv_no_validation": (
            "Not validated: needs visits from before the last {months} months ({why}).",
            "未驗證：需要最近 {months} 個月以前的就診資料（{why}）。",
            "未验证：需要最近 {months} 个月以前的就诊数据（{why}）。",
        ),
        "holdout": ("Held-out period", "保留期間", "保留期间"),
        "val_patients": ("Patients", "病患數", "患者数"),
        "val_actual": ("Actual repeat visits", "實際回診次數", "实际复诊次数"),
        "val_predicted": ("Predicted repeat visits", "預測回診次數", "预测复诊次数"),
        "val_aggregate": ("Aggregate error", "總量誤差", "总量误差"),
        "val_mae": (
            "Mean absolute error per patient",
            "每位病患平均絕對誤差",
            "每位患者平均绝对误差",
        ),
        "val_rmse": ("Root mean squared error", "均方根誤差", "均方根误差"),
        "val_gg_corr": (
            "Correlation of visits and spend",
            "就診次數與消費金額相關係數",
            "就诊次数与消费金额相关系数",
        ),
        "val_regularity": ("Visit regularity (k)", "就診規律性（k）", "就诊规律性（k）"),
        "clv_warnings": ("Model warnings", "模型警示", "模型警示"),
        "warn_gg_fallback": (
            "Too few repeat patients for the spend model: expected spend uses each patient's "
            "observed average.",
            "回診病患過少，無法配適消費模型：預期消費改用各病患的實際平均消費。",
            "复诊患者过少，无法拟合消费模型：预期消费改用各患者的实际平均消费。",
        ),
        "warn_fit_step": (
            "The visit model needed a fallback fit ({step}); treat the figures as approximate.",
            "就診模型須改用備援配適（{step}），數字僅供參考。",
            "就诊模型须改用备用拟合（{step}），数字仅供参考。",
        ),
        "warn_gg_corr": (
            "Visits and spend per visit are correlated ({corr}, above {limit}); the "
            "Gamma-Gamma spend model assumes they are not, so lifetime values may be biased.",
            "就診次數與每次消費相關（{corr}，高於 {limit}）；Gamma-Gamma 消費模型假設兩者無關，"
            "終身價值可能有偏誤。",
            "就诊次数与每次消费相关（{corr}，高于 {limit}）；Gamma-Gamma 消费模型假设两者无关，"
            "终身价值可能有偏差。",
        ),
        "warn_regularity": (
            "Patients return at regular intervals (k = {k}, above {limit}); BG/NBD assumes "
            "random timing and may misjudge which patients are still active.",
            "病患回診間隔相當規律（k = {k}，高於 {limit}）；BG/NBD 假設就診時間隨機，"
            "可能誤判哪些病患仍在活躍。",
            "患者复诊间隔相当规律（k = {k}，高于 {limit}）；BG/NBD 假设就诊时间随机，"
            "可能误判哪些患者仍在活跃。",
        ),
        "revisit_rates": ("Revisit rates", "回診率", "复诊率"),
        "revisit_text": (
            "Share of recent new patients who came back within each window after their first "
            "visit: for a window of N days, the patients first seen N to N + 89 days before "
            "the month end (95% Wilson intervals). The 90-day row is the KPI tile's rate.",
            "近期新病患於首次就診後各期間內回診的比例：N 天期間計入月底前 N 至 N + 89 天首次就診"
            "的病患（95% Wilson 區間）。90 天一列即 KPI 的回診率。",
            "近期新患者于首次就诊后各期间内复诊的比例：N 天期间计入月底前 N 至 N + 89 天首次就诊"
            "的患者（95% Wilson 区间）。90 天一行即 KPI 的复诊率。",
        ),
        "within_days": ("Within (days)", "期間（天）", "期间（天）"),
        "eligible": ("Followed", "追蹤人數", "追踪人数"),
        "returned": ("Returned", "回診人數", "复诊人数"),
        "rate": ("Rate", "比率", "比率"),
        "time_to_return": ("Time to return", "回診所需時間", "复诊所需时间"),
        "ttr_text": (
            "Half of all first-time patients since records began are back within {median} "
            "days (Kaplan–Meier, all first visits).",
            "自有紀錄以來，半數初診病患於 {median} 天內回診（Kaplan–Meier，全部初診）。",
            "自有记录以来，半数初诊患者于 {median} 天内复诊（Kaplan–Meier，全部初诊）。",
        ),
        "not_reached": ("(not reached)", "（未達）", "（未达）"),
        "cohorts": ("Monthly cohorts", "月份世代分析", "月份队列分析"),
        "cohort_text": (
            "Each row is the patients first seen in a month; each cell the share who visited "
            "again k months later (last 12 cohorts).",
            "每列為同月首次就診的病患；每格為 k 個月後再次就診的比例（最近 12 個世代）。",
            "每行为同月首次就诊的患者；每格为 k 个月后再次就诊的比例（最近 12 个队列）。",
        ),
        "flow": ("Patient-base flow", "病患數變動", "患者数变动"),
        "flow_text": (
            "This month {new} new and {react} returning-after-a-break patients joined the "
            "active base and {lost} left it (no visit in {months} months); {active} are active.",
            "本月新增 {new} 位新病患、{react} 位久未回診者回流，"
            "{lost} 位流失（{months} 個月未就診）；"
            "目前活躍病患 {active} 位。",
            "本月新增 {new} 位新患者、{react} 位久未复诊者回流，"
            "{lost} 位流失（{months} 个月未就诊）；"
            "目前活跃患者 {active} 位。",
        ),
        "sec_trend_table": ("Month by month", "逐月數據", "逐月数据"),
        "by_channel": ("Cost and value by channel", "各管道成本與價值", "各渠道成本与价值"),
        "by_channel_text": (
            "CAC = acquisition spend ÷ new patients; LTV is revenue per acquired patient to "
            "date; LTV:CAC and payback use the gross margin of {gm}.",
            "獲客成本 = 獲客費用 ÷ 新病患數；LTV 為每位新病患至今的營收；"
            "LTV:CAC 與回收月數以毛利率 {gm} 計算。",
            "获客成本 = 获客费用 ÷ 新患者数；LTV 为每位新患者至今的营收；"
            "LTV:CAC 与回收月数以毛利率 {gm} 计算。",
        ),
        "channel": ("Channel", "管道", "渠道"),
        "spend": ("Spend", "費用", "费用"),
        "new_patients_col": ("New patients", "新病患", "新患者"),
        "ltv_to_date": ("LTV to date", "至今 LTV", "至今 LTV"),
        "ltv_12m": ("12-month LTV", "12 個月 LTV", "12 个月 LTV"),
        "clv_mean": ("Predicted CLV", "預測終身價值", "预测终身价值"),
        "payback": ("Payback (months)", "回收月數", "回收月数"),
        "acq_ret_text": (
            "Winning a new patient costs {cac}; keeping a returning one costs {ret} — "
            "{ratio}× as much to acquire as to retain.",
            "開發一位新病患的成本為 {cac}，維繫一位舊病患為 {ret}，"
            "開發成本是維繫成本的 {ratio} 倍。",
            "获取一位新患者的成本为 {cac}，维护一位老患者为 {ret}，"
            "获取成本是维护成本的 {ratio} 倍。",
        ),
        "rev_split": (
            "Revenue: new vs returning patients",
            "營收：新病患與舊病患",
            "营收：新患者与老患者",
        ),
        "rev_split_text": (
            "Returning patients brought {share} of revenue over the last twelve months.",
            "近十二個月營收有 {share} 來自舊病患。",
            "近十二个月营收有 {share} 来自老患者。",
        ),
        "uplift": ("What better retention is worth", "提升留存的價值", "提升留存的价值"),
        "uplift_text": (
            "The model estimates that {base} of patients are still patients 12 months on (a "
            "model estimate, not the observed return rate above). Raising that for the {n} "
            "current patients would earn:",
            "模型估計 {base} 的病患在 12 個月後仍是本診所病患（模型估計值，並非上方觀察到的"
            "回診率）。若將 {n} 位現有病患的留存率提高，可增加：",
            "模型估计 {base} 的患者在 12 个月后仍是本诊所患者（模型估计值，并非上方观察到的"
            "复诊率）。若将 {n} 位现有患者的留存率提高，可增加：",
        ),
        "uplift_skipped": (
            "Left out: a gain of {points}, which would take modelled retention past 100%.",
            "未列入：提升 {points} 會使模型估計的留存率超過 100%。",
            "未列入：提升 {points} 会使模型估计的留存率超过 100%。",
        ),
        "retention_gain": ("Retention gain", "留存提升", "留存提升"),
        "retention_12m": (
            "Modelled 12-month retention",
            "模型估計 12 個月留存率",
            "模型估计 12 个月留存率",
        ),
        "extra_visits": ("Extra visits per patient", "每人增加就診", "每人增加就诊"),
        "margin_gained": ("Margin gained", "增加毛利", "增加毛利"),
        "new_equiv": ("= new patients", "相當新病患數", "相当新患者数"),
        "acq_cost": ("Their acquisition cost", "相當獲客成本", "相当获客成本"),
        "assumptions": ("Assumptions:", "假設：", "假设："),
        "uplift_a1": (
            "Retention is the share of patients still active 12 months after they start, "
            "under the fitted BG/NBD model.",
            "留存率指依 BG/NBD 模型估計，病患開始就診 12 個月後仍活躍的比例。",
            "留存率指依 BG/NBD 模型估计，患者开始就诊 12 个月后仍活跃的比例。",
        ),
        "uplift_a2": (
            "The gain comes from a lower chance of dropping out after each visit; visit "
            "frequency is unchanged.",
            "提升來自每次就診後流失機率降低；就診頻率不變。",
            "提升来自每次就诊后流失概率降低；就诊频率不变。",
        ),
        "uplift_a3": (
            "Every current patient is treated like an average patient at the start of the horizon.",
            "每位現有病患皆視為處於期初的平均病患。",
            "每位现有患者均视为处于期初的平均患者。",
        ),
        "uplift_a4": (
            "Each extra visit earns the average spend per visit times the gross margin.",
            "每次增加的就診以平均每次消費乘以毛利率計算。",
            "每次增加的就诊以平均每次消费乘以毛利率计算。",
        ),
        "uplift_a5": (
            "A new patient pays a first visit plus the model's expected repeat visits over the "
            "same horizon, at the clinic's CAC.",
            "每位新病患以首次就診加上模型預期的回診次數計算，獲客成本採本診所平均值。",
            "每位新患者以首次就诊加上模型预期的复诊次数计算，获客成本采用本诊所平均值。",
        ),
        "drivers": ("What makes patients return", "影響回診的因素", "影响复诊的因素"),
        "drivers_text": (
            "Odds of returning within {days} days (logistic model on {n} patients, {r} "
            "returned); above 1 means more likely to return than the reference group.",
            "{days} 天內回診的勝算比（以 {n} 位病患配適邏輯迴歸，"
            "其中 {r} 位回診）；大於 1 表示比參照組更可能回診。",
            "{days} 天内复诊的优势比（以 {n} 位患者拟合逻辑回归，"
            "其中 {r} 位复诊）；大于 1 表示比参照组更可能复诊。",
        ),
        "drivers_none": (
            "Not included: the drivers model could not be fitted ({why}).",
            "未納入：無法配適回診因素模型（{why}）。",
            "未纳入：无法拟合复诊因素模型（{why}）。",
        ),
        "drivers_ridge": (
            "The plain fit failed, so a regularised fit was used: odds ratios are shrunk "
            "towards 1 and have no intervals.",
            "一般配適失敗，改用正則化配適：勝算比向 1 收縮，且無信賴區間。",
            "一般拟合失败，改用正则化拟合：优势比向 1 收缩，且无置信区间。",
        ),
        "term": ("Factor", "因素", "因素"),
        "odds_ratio": ("Odds ratio", "勝算比", "优势比"),
        "term_channel": ("Channel", "管道", "渠道"),
        "term_treatment": ("First treatment", "首次治療", "首次治疗"),
        "term_age_band": ("Age", "年齡", "年龄"),
        "log_first_spend": ("First-visit spend (log)", "首次消費（對數）", "首次消费（对数）"),
        "referred": ("Referred", "經介紹", "经介绍"),
        "age_0_17": ("0–17", "0–17 歲", "0–17 岁"),
        "age_18_34": ("18–34", "18–34 歲", "18–34 岁"),
        "age_35_49": ("35–49", "35–49 歲", "35–49 岁"),
        "age_50_64": ("50–64", "50–64 歲", "50–64 岁"),
        "age_65_plus": ("65+", "65 歲以上", "65 岁以上"),
        "scenario": (
            "Article example: clinic A vs clinic B",
            "文章範例：A 診所與 B 診所",
            "文章范例：A 诊所与 B 诊所",
        ),
        "scenario_text": (
            "One month, two uses of a budget: A buys new patients with ads, B cares for "
            "existing patients (gross margin taken as 100%, as in the article).",
            "同一個月的兩種預算用法：A 以廣告開發新病患，"
            "B 用於關懷舊病患（依文章假設毛利率 100%）。",
            "同一个月的两种预算用法：A 以广告获取新患者，"
            "B 用于关怀老患者（依文章假设毛利率 100%）。",
        ),
        "sc_a": ("Clinic A", "A 診所", "A 诊所"),
        "sc_b": ("Clinic B", "B 診所", "B 诊所"),
        "sc_kind": ("Budget spent on", "預算用途", "预算用途"),
        "sc_acq": ("new patients", "開發新病患", "获取新患者"),
        "sc_ret": ("existing patients", "維繫舊病患", "维护老患者"),
        "sc_budget": ("Budget", "預算", "预算"),
        "sc_patients": ("Patients reached", "觸及病患", "触达患者"),
        "sc_spend": ("Spend per patient", "每人消費", "每人消费"),
        "sc_return": ("Return rate", "回診率", "复诊率"),
        "sc_revenue": ("Revenue", "營收", "营收"),
        "sc_profit": ("Profit", "利潤", "利润"),
        "actions_text": (
            "Call lists for the front desk are in actions.xlsx (at most {n} patients per "
            "list, names and phones only where contact is allowed).",
            "櫃台電話名單見 actions.xlsx（每份最多 {n} 位病患；僅在允許聯絡時列出姓名與電話）。",
            "前台电话名单见 actions.xlsx（每份最多 {n} 位患者；仅在允许联系时列出姓名与电话）。",
        ),
        "list_qualify": (
            "Qualify and may be contacted",
            "符合條件且可聯絡",
            "符合条件且可联系",
        ),
        "list_listed": ("In actions.xlsx", "列入名單", "列入名单"),
        "list_churn_warnings": ("Churn warnings", "流失預警", "流失预警"),
        "list_recalls_due": ("Recalls due", "回診提醒", "复诊提醒"),
        "list_followups": ("Post-visit follow-ups", "療後關懷", "疗后关怀"),
        "list_birthdays": ("Birthdays", "生日祝福", "生日祝福"),
        "list_reactivation": ("Reactivation", "喚回久未回診", "唤回久未复诊"),
        "list_vip_referrers": ("Key referrers", "重要介紹人", "重要介绍人"),
        "top_churn": (
            "Churn warnings: top 10 by value at risk",
            "流失預警：風險價值前 10 名",
            "流失预警：风险价值前 10 名",
        ),
        "churn_text": (
            "{n} patients show a warning sign; their predicted lifetime value, the value at "
            "risk, totals {value}.",
            "共 {n} 位病患出現預警訊號；其預測終身價值（風險價值）合計 {value}。",
            "共 {n} 位患者出现预警信号；其预测终身价值（风险价值）合计 {value}。",
        ),
        "reasons": ("Reasons", "原因", "原因"),
        "days_since": ("Days since last visit", "距上次就診天數", "距上次就诊天数"),
        "value_at_risk": ("Value at risk", "風險價值", "风险价值"),
    }
)

_CHANNELS: dict[str, tuple[str, str, str]] = {
    "referral": ("Referral", "親友介紹", "亲友介绍"),
    "walk_in": ("Walk-in", "自行上門", "自行上门"),
    "online_ads": ("Online ads", "網路廣告", "网络广告"),
    "social": ("Social media", "社群媒體", "社交媒体"),
    "insurance_partner": ("Insurance partner", "保險合作", "保险合作"),
    "search": ("Search", "搜尋引擎", "搜索引擎"),
    "flyer": ("Flyers", "傳單", "传单"),
    "event": ("Events", "活動", "活动"),
    "unknown": ("Unknown", "未知", "未知"),
}


def channel_label(key: object, locale: str) -> str:
    """Return an acquisition channel's label in ``locale`` (unknown keys made readable)."""
    row = _CHANNELS.get(str(key))
    if row is None:
        return str(key).replace("_", " ")
    return row[LOCALES.index(locale)]


def babel_locale(locale: str) -> str:
    """Return Babel's locale identifier for a report locale (``zh-Hant`` → ``zh_Hant_TW``)."""
    check_option("locale", locale, LOCALES)
    return _BABEL[locale]


def t(key: str, locale: str, **fields: object) -> str:
    """Return the report string ``key`` in ``locale``, with ``{fields}`` filled in."""
    check_option("locale", locale, LOCALES)
    text = STRINGS[key][LOCALES.index(locale)]
    return text.format(**fields) if fields else text


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_money(value: float | None, currency: str, locale: str, *, decimals: int = 0) -> str:
    """Format money for the locale: ``NT$1,200`` (TWD), ``¥1,200`` (CNY)."""
    if _missing(value):
        return t("na", locale)
    symbol = _SYMBOLS.get(currency.upper()) or get_currency_symbol(currency.upper(), locale="en")
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    body = format_decimal(abs(float(value)), pattern, locale=babel_locale(locale))  # type: ignore[arg-type]
    sign = "-" if float(value) < 0 and body.strip("0.,") else ""  # type: ignore[arg-type]
    return f"{sign}{symbol}{body}"


def fmt_number(value: float | None, locale: str, *, decimals: int = 0) -> str:
    """Format a count or measure with the locale's grouping (``12,345``)."""
    if _missing(value):
        return t("na", locale)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(float(value), pattern, locale=babel_locale(locale))  # type: ignore[arg-type]


def fmt_percent(value: float | None, locale: str, *, decimals: int = 1) -> str:
    """Format a share (0.123) as a percentage (``12.3%``)."""
    if _missing(value) or (isinstance(value, float) and math.isinf(value)):
        return t("na", locale)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return format_percent(float(value), pattern, locale=babel_locale(locale))  # type: ignore[arg-type]


def fmt_month(month: str | pd.Timestamp, locale: str) -> str:
    """Format a month: ``October 2026`` (en) or ``2026年10月`` (Chinese)."""
    ts = pd.Timestamp(month)
    check_option("locale", locale, LOCALES)
    if locale == "en":
        return ts.strftime("%B %Y")
    return f"{ts.year}年{ts.month}月"


def fmt_date(day: str | pd.Timestamp, locale: str) -> str:
    """Format a date: ``31 Oct 2026`` (en) or ``2026年10月31日`` (Chinese)."""
    ts = pd.Timestamp(day)
    check_option("locale", locale, LOCALES)
    if locale == "en":
        return f"{ts.day} {ts.strftime('%b %Y')}"
    return f"{ts.year}年{ts.month}月{ts.day}日"


def fmt_change(change: float | None, locale: str, *, kind: str = "relative") -> str:
    """Format a change: relative as ``+12.3%``, a change of a rate as ``+1.2 pp``."""
    if _missing(change) or (isinstance(change, float) and math.isinf(change)):
        return t("na", locale)
    sign = "+" if change > 0 else ("-" if change < 0 else "±")  # type: ignore[operator]
    if kind == "points":
        unit = " pp" if locale == "en" else " 個百分點" if locale == "zh-Hant" else " 个百分点"
        return f"{sign}{fmt_number(abs(change) * 100, locale, decimals=1)}{unit}"  # type: ignore[arg-type]
    return f"{sign}{fmt_percent(abs(change), locale)}"  # type: ignore[arg-type]


def html_lang(locale: str) -> str:
    """Return the HTML ``lang`` value for a locale (``zh-Hant-TW``, ``zh-Hans-CN``, ``en``)."""
    check_option("locale", locale, LOCALES)
    return {"en": "en", "zh-Hant": "zh-Hant-TW", "zh-Hans": "zh-Hans-CN"}[locale]


def css_fonts(locale: str) -> str:
    """Return the CSS ``font-family`` list for a locale (its own CJK forms first)."""
    check_option("locale", locale, LOCALES)
    return _FONTS[locale]


def visit_notes(info: dict, locale: str, currency: str) -> list[str]:
    """Return the visits file's loading notes (refunds, merged lines, no-shows) in ``locale``.

    ``info`` is ``DataQuality.files["visits"]``: ``refunds``, ``refund_total``,
    ``line_items_merged``, ``visits`` and ``not_visits``.
    """
    out = []
    if info.get("refunds"):
        total = fmt_money(info["refund_total"], currency, locale)
        out.append(t("note_refunds", locale, n=fmt_number(info["refunds"], locale), total=total))
    if info.get("line_items_merged"):
        attended = info["line_items_merged"] + info["visits"]
        out.append(
            t(
                "note_merged",
                locale,
                lines=fmt_number(attended, locale),
                visits=fmt_number(info["visits"], locale),
            )
        )
    if info.get("not_visits"):
        out.append(t("note_not_visits", locale, n=fmt_number(info["not_visits"], locale)))
    return out
