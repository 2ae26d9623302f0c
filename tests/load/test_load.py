"""Loading real-world exports: formats, encodings, headers, aggregation, bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from clinicvalue.errors import InputError, OptionError
from clinicvalue.load import (
    describe_quality,
    load_clinic,
    load_patients,
    load_plans,
    load_spend,
    load_visits,
    parse_mapping,
    write_rejected,
)
from clinicvalue.profile import ClinicProfile

ZH_HANT = (
    "病歷號,就診日期,金額,治療項目,醫師,狀態,滿意度,客訴\n"
    '00004,2024/5/1,"NT$1,200",洗牙,陳醫師,完成,90,\n'
    "00004,113/05/01,-300,洗牙,陳醫師,完成,70,等太久\n"
    "4,20240502,800,補牙,林醫師,,,\n"
    "00005,1130503,500,根管治療,黃醫師,爽約,,\n"
)
ZH_HANS = (
    "病历号,就诊日期,金额,治疗项目,医生,状态,满意度,投诉\n"
    '00004,2024-05-01,"￥1,200.50",洗牙,张医生,已完成,90,\n'
    "00004,2024-05-01,-200.5,补牙,张医生,已完成,60,态度差\n"
    "4,2024年5月2日,800元,补牙,刘医生,,,\n"
    "00005,2024-05-03,500,根管治疗,刘医生,失约,,\n"
)


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _check_zh(data, *, first_amount: float, second_amount: float, doctor: str, treat: str) -> None:
    v = data.visits
    assert v["patient_id"].tolist() == ["00004", "4"]
    assert v["visit_date"].tolist() == [pd.Timestamp("2024-05-01"), pd.Timestamp("2024-05-02")]
    assert v["amount"].tolist() == pytest.approx([first_amount + second_amount, 800.0])
    assert v["n_items"].tolist() == [2, 1]
    assert v["refund"].tolist() == pytest.approx([second_amount, 0.0])
    assert v["doctor"].iloc[0] == doctor
    assert v["treatment"].iloc[0] == treat
    assert len(data.lines) == 4  # the no-show stays a line
    assert data.lines.loc[data.lines["patient_id"] == "00005", "status"].tolist() == ["no-show"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "big5", "cp950"])
def test_traditional_chinese_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    path = _write(tmp_path, "visits.csv", ZH_HANT, encoding)
    data = load_clinic(path)
    _check_zh(data, first_amount=1200.0, second_amount=-300.0, doctor="陳醫師", treat="洗牙")
    assert data.visits["complaint"].iloc[0] == "等太久"
    assert data.visits["satisfaction"].iloc[0] == 70.0  # the day's lowest score
    detected = data.quality.files["visits"]["encoding"]
    assert detected == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig"}.get(encoding, "cp950")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_simplified_chinese_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    path = _write(tmp_path, "visits.csv", ZH_HANS, encoding)
    data = load_clinic(path)
    _check_zh(data, first_amount=1200.5, second_amount=-200.5, doctor="张医生", treat="洗牙; 补牙")
    assert data.visits["complaint"].iloc[0] == "态度差"
    if encoding in ("gbk", "gb18030"):
        assert data.quality.files["visits"]["encoding"] == "gb18030"


def test_big5_values_with_english_headers_are_detected(tmp_path: Path) -> None:
    text = "patient_id,visit_date,amount,treatment\n1,2024-05-01,100,牙齒美白與矯正諮詢\n"
    data = load_clinic(_write(tmp_path, "v.csv", text, "big5"))
    assert data.visits["treatment"].iloc[0] == "牙齒美白與矯正諮詢"


def test_forced_encoding_and_wrong_forced_encoding(tmp_path: Path) -> None:
    path = _write(tmp_path, "visits.csv", ZH_HANT, "big5")
    assert load_clinic(path, encoding="big5").visits["doctor"].iloc[0] == "陳醫師"
    with pytest.raises(InputError, match=r"cannot read the file as utf-8"):
        load_clinic(path, encoding="utf-8")
    with pytest.raises(InputError, match=r"unknown encoding 'klingon'"):
        load_clinic(path, encoding="klingon")


def test_tsv_semicolon_and_txt_are_sniffed(tmp_path: Path) -> None:
    tsv = _write(tmp_path, "v.tsv", "patient id\tdate\tamount\n007\t2024-05-01\t1,200\n")
    assert load_clinic(tsv).visits["amount"].tolist() == [1200.0]
    txt = _write(tmp_path, "v.txt", "Chart No;Visit Date;Fee\n007;2024/05/01;NT$5\n")
    v = load_clinic(txt).visits
    assert v["patient_id"].tolist() == ["007"]
    assert v["amount"].tolist() == [5.0]


def test_excel_cells_numbers_text_dates_and_serials(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["患者ID", "就診日期", "實收", "健保給付"])
    ws.append(["00004", pd.Timestamp("2024-05-01").to_pydatetime(), 1200, 300])
    ws.append([4, 45414, "NT$800", None])  # numeric ID, serial date as a number
    ws.append(["00004", "113/05/01", 99.5, 0])
    path = tmp_path / "visits.xlsx"
    wb.save(path)
    data = load_clinic(path)
    v = data.visits
    assert v["patient_id"].tolist() == ["00004", "4"]
    assert v["visit_date"].tolist() == [pd.Timestamp("2024-05-01"), pd.Timestamp("2024-05-02")]
    assert v["amount"].tolist() == [1299.5, 800.0]
    assert v["self_pay"].tolist() == [999.5, 800.0]
    assert data.lines["source_line"].tolist() == [2, 3, 4]  # Excel row numbers
    assert data.quality.files["visits"]["format"] == "xlsx"


def test_excel_error_names_excel_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["病歷號", "日期", "金額"])
    ws.append(["1", "2024-05-01", 10])
    ws.append(["2", "not a date", 10])
    path = tmp_path / "v.xlsx"
    wb.save(path)
    with pytest.raises(InputError, match=r"v\.xlsx, line 3, column 日期: cannot read 'not a date'"):
        load_clinic(path)


def test_parquet_and_dataframe_inputs(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "patient_id": pd.array(["00001", "00002"], dtype="string"),
            "visit_date": pd.to_datetime(["2024-05-01", "2024-05-03"]),
            "amount": [100.0, 250.5],
        }
    )
    path = tmp_path / "v.parquet"
    frame.to_parquet(path)
    for source in (path, frame):
        v = load_clinic(source).visits
        assert v["patient_id"].tolist() == ["00001", "00002"]
        assert v["amount"].tolist() == [100.0, 250.5]
        assert v["visit_date"].iloc[1] == pd.Timestamp("2024-05-03")
    ints = pd.DataFrame({"patient_id": [4, 5], "date": ["2024-05-01"] * 2, "amount": [1, 2]})
    assert load_clinic(ints).visits["patient_id"].tolist() == ["4", "5"]


def test_sql_like_source_is_read(tmp_path: Path) -> None:
    class FakeSql:
        name = "SQL query (visits)"

        def read(self) -> pd.DataFrame:
            return pd.DataFrame(
                {"patient_id": ["9"], "visit_date": ["2024-05-01"], "amount": ["x"]}
            )

    with pytest.raises(InputError, match=r"SQL query \(visits\), line 1, column amount"):
        load_clinic(FakeSql())


def test_mapping_applies_to_whichever_file_has_the_header(tmp_path: Path) -> None:
    visits = _write(tmp_path, "v.csv", "卡號,看診日,收入\nA01,2024-05-01,10\n")
    patients = _write(tmp_path, "p.csv", "卡號,姓名\nA01,王小明\n")
    mapping = parse_mapping(["patient_id=卡號", "visit_date=看診日", "amount=收入"])
    data = load_clinic(visits, patients=patients, mapping=mapping)
    assert data.visits["patient_id"].tolist() == ["A01"]
    assert data.patients["name"].tolist() == ["王小明"]
    assert data.quality.files["visits"]["columns"]["patient_id"] == "卡號"
    typo = load_clinic(visits, mapping={**mapping, "doctor": "醫師名"})
    assert "--map doctor=醫師名: no input file has a column '醫師名'" in typo.quality.notes


def test_parse_mapping_errors() -> None:
    assert parse_mapping(None) == {}
    assert parse_mapping([" amount = 實收 "]) == {"amount": "實收"}
    with pytest.raises(OptionError, match=r"--map takes column=header"):
        parse_mapping(["patient_id"])
    with pytest.raises(OptionError, match=r"--map column must be one of .*visit_date"):
        parse_mapping(["patient=病歷號"])


def test_headers_case_space_underscore_and_fullwidth_insensitive(tmp_path: Path) -> None:
    text = "  PATIENT_ID ,Visit-Date,ＡＭＯＵＮＴ,Doctor\n1,2024-05-01,3,Dr Wu\n"
    v = load_clinic(_write(tmp_path, "v.csv", text)).visits
    assert v[["patient_id", "amount", "doctor"]].iloc[0].tolist() == ["1", 3.0, "Dr Wu"]


def test_unrecognised_columns_are_listed_in_notes(tmp_path: Path) -> None:
    text = "病歷號,日期,金額,備註\n1,2024-05-01,3,hello\n"
    data = load_clinic(_write(tmp_path, "v.csv", text))
    assert "備註" not in data.visits.columns and "備註" not in data.lines.columns
    assert data.quality.files["visits"]["ignored_columns"] == ["備註"]
    assert any("備註" in n for n in data.quality.notes)


# --- bad input: each case has its own message -------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"v\.csv: the file is empty"):
        load_clinic(_write(tmp_path, "v.csv", ""))
    with pytest.raises(InputError, match=r"the file is empty"):
        load_clinic(_write(tmp_path, "w.csv", "\n  \n"))


def test_header_only_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"v\.csv: the visits file has a header but no rows"):
        load_clinic(_write(tmp_path, "v.csv", "病歷號,日期,金額\n"))


def test_missing_required_columns_lists_found_headers_and_suggests_map(tmp_path: Path) -> None:
    path = _write(tmp_path, "v.csv", "病歷號,備註\n1,x\n")
    with pytest.raises(
        InputError,
        match=r"missing required column\(s\): visit_date .*amount .*Headers found: '病歷號', "
        r"'備註'\. Name your column with --map, e.g\. --map visit_date=<your header>",
    ):
        load_clinic(path)


def test_duplicate_column_names(tmp_path: Path) -> None:
    path = _write(tmp_path, "v.csv", "病歷號,日期,金額,金額\n1,2024-05-01,3,4\n")
    with pytest.raises(InputError, match=r"two columns are named '金額' \(columns 3 and 4\)"):
        load_clinic(path)


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError, match=r"v\.csv: the file is binary data, not a table"):
        load_clinic(path)


def test_text_file_named_xlsx(tmp_path: Path) -> None:
    path = _write(tmp_path, "visits.xlsx", "病歷號,日期,金額\n1,2024-05-01,3\n")
    with pytest.raises(
        InputError,
        match=r"named \.xlsx but is not an Excel workbook \(it looks like CSV text\); "
        r"rename it to \.csv",
    ):
        load_clinic(path)


def test_zip_that_is_not_a_workbook_and_old_xls(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "v.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match=r"ZIP archive but not a readable Excel \.xlsx"):
        load_clinic(path)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(InputError, match=r"old-style Excel \.xls workbook; .* save it as \.xlsx"):
        load_clinic(old)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"file not found"):
        load_clinic(tmp_path / "nope.csv")


def test_bad_amount_message_names_file_line_column_value_expected(tmp_path: Path) -> None:
    rows = "".join(f"{i},2024-05-01,{i}\n" for i in range(1, 41))
    text = "病歷號,日期,金額\n" + rows + "41,2024-05-01,NT$1,2O0\n"
    text = text.replace("NT$1,2O0", '"NT$1,2O0"')
    with pytest.raises(InputError) as info:
        load_clinic(_write(tmp_path, "visits.csv", text))
    assert str(info.value) == (
        "visits.csv, line 42, column 金額: cannot read 'NT$1,2O0' as an amount "
        "(expected a number such as 1200, NT$1,200 or ¥1,200.50)"
    )
    assert (info.value.file, info.value.line, info.value.column) == ("visits.csv", 42, "金額")
    assert info.value.value == "NT$1,2O0"


def test_bad_date_blank_id_blank_amount_messages(tmp_path: Path) -> None:
    cases = [
        ("1,2024-13-45,3", r"line 2, column 日期: cannot read '2024-13-45' as a date \(expected"),
        (" ,2024-05-01,3", r"line 2, column 病歷號: blank patient ID"),
        ("1,2024-05-01,", r"line 2, column 金額: blank amount"),
        ("1,,3", r"line 2, column 日期: blank date"),
    ]
    for row, pattern in cases:
        with pytest.raises(InputError, match=pattern):
            load_clinic(_write(tmp_path, "v.csv", f"病歷號,日期,金額\n{row}\n"))


def test_first_error_counts_the_other_bad_rows(tmp_path: Path) -> None:
    text = "病歷號,日期,金額\n1,2024-05-01,x\n2,2024-05-01,3\n,2024-05-01,3\n4,bad,3\n"
    with pytest.raises(
        InputError, match=r"line 2, .*2 other row\(s\) also have problems.*--drop-invalid"
    ):
        load_clinic(_write(tmp_path, "v.csv", text))


def test_ragged_rows(tmp_path: Path) -> None:
    text = "\n病歷號,日期,金額\n1,2024-05-01,3\n2,2024-05-01,3,4,5\n"
    with pytest.raises(
        InputError,
        match=r"v\.csv, line 4: this row has 5 values but the header has 3 columns; quote values",
    ):
        load_clinic(_write(tmp_path, "v.csv", text))


def test_drop_invalid_records_every_rejected_row(tmp_path: Path) -> None:
    text = (
        "病歷號,日期,金額\n1,2024-05-01,10\n2,2024-05-01,NT$1,2O0\n".replace(
            "NT$1,2O0", '"NT$1,2O0"'
        )
        + ",2024-05-02,5\n"
        "3,2024-02-30,5\n"
        "\n"
        "4,2024-05-02,\n"
        "5,2024-05-03,7\n"
    )
    path = _write(tmp_path, "v.csv", text)
    data = load_clinic(path, drop_invalid=True)
    rej = data.quality.rejected
    assert rej["line"].tolist() == [3, 4, 5, 7]
    assert rej["column"].tolist() == ["金額", "病歷號", "日期", "金額"]
    assert rej["value"].tolist() == ["NT$1,2O0", "", "2024-02-30", ""]
    assert rej["reason"].str.contains("cannot read 'NT\\$1,2O0' as an amount").iloc[0]
    assert rej["reason"].iloc[1].startswith("blank patient ID")
    assert data.visits["patient_id"].tolist() == ["1", "5"]
    info = data.quality.files["visits"]
    assert (info["rows_read"], info["rows_kept"], info["rows_rejected"]) == (6, 2, 4)
    assert any("blank line" in n for n in data.quality.notes)
    out = write_rejected(data.quality, tmp_path / "data_quality.csv")
    back = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert back.columns.tolist() == ["file", "line", "column", "value", "reason"]
    assert back["line"].tolist() == ["3", "4", "5", "7"]
    assert back["value"].iloc[0] == "NT$1,2O0"
    assert "blank amount" in back["reason"].iloc[3]


def test_drop_invalid_from_profile(tmp_path: Path) -> None:
    path = _write(tmp_path, "v.csv", "病歷號,日期,金額\n1,2024-05-01,x\n2,2024-05-01,1\n")
    prof = ClinicProfile().replace(load__drop_invalid=True)
    data = load_clinic(path, profile=prof)
    assert data.quality.n_rejected == 1
    assert data.quality.to_metrics()["rows_rejected"] == 1


def test_input_files_are_never_modified(tmp_path: Path) -> None:
    path = _write(tmp_path, "v.csv", ZH_HANT, "big5")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    mtime = path.stat().st_mtime_ns
    load_clinic(path, drop_invalid=True)
    with pytest.raises(InputError):
        load_clinic(path, encoding="utf-8")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert path.stat().st_mtime_ns == mtime


# --- the other tables ---------------------------------------------------------------------


def test_patients_table_in_chinese(tmp_path: Path) -> None:
    text = (
        "病歷號,姓名,電話,生日,性別,來源渠道,介紹人,慢性病,可聯絡,初診日期\n"
        "00001,王小明,0912345678,075/03/02,男,網路廣告,,糖尿病,是,2023/1/5\n"
        "00002,李小華,0987654321,1990-12-01,女,朋友介紹,00001,,否,2023-02-01\n"
        "00003,陳大文,,,,,,,,\n"
    )
    p = load_patients(_write(tmp_path, "patients.csv", text, "cp950"))
    assert p["patient_id"].tolist() == ["00001", "00002", "00003"]
    assert p["birth_date"].iloc[0] == pd.Timestamp("1986-03-02")
    assert p["sex"].tolist()[:2] == ["M", "F"]
    assert p["referred_by"].iloc[1] == "00001"
    assert p["contact_ok"].tolist() == [True, False, False]
    assert p["contact_ok"].dtype == bool
    assert p["phone"].iloc[0] == "0912345678"  # leading zero kept
    assert p["first_visit"].iloc[0] == pd.Timestamp("2023-01-05")


def test_patients_duplicate_id_and_bad_flag(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", "病历号,同意联系\n1,是\n1,否\n")
    with pytest.raises(
        InputError,
        match=r"p\.csv, line 3, column 病历号: duplicate patient ID '1' \(first listed on line 2\)",
    ):
        load_patients(path)
    path = _write(tmp_path, "q.csv", "病历号,同意联系\n1,也许\n")
    with pytest.raises(InputError, match=r"cannot read '也许' as yes or no"):
        load_patients(path)


def test_spend_table(tmp_path: Path) -> None:
    text = (
        '月份,渠道,金額,用途\n2024-05,Google,"NT$30,000",獲客\n'
        "113/06,LINE,5000,回訪\n2024年7月,FB,100,\n"
    )
    s = load_spend(_write(tmp_path, "spend.csv", text, "big5"))
    assert s["month"].tolist() == [
        pd.Timestamp(m) for m in ("2024-05-01", "2024-06-01", "2024-07-01")
    ]
    assert s["amount"].tolist() == [30000.0, 5000.0, 100.0]
    assert s["purpose"].tolist() == ["acquisition", "retention", "acquisition"]
    bad = _write(tmp_path, "s2.csv", "月份,渠道,金額,用途\n2024-05,Google,1,送禮\n")
    with pytest.raises(
        InputError, match=r"cannot read '送禮' as a spend purpose \(expected one of acquisition"
    ):
        load_spend(bad)
    bad = _write(tmp_path, "s3.csv", "月份,渠道,金額\nMay,Google,1\n")
    with pytest.raises(InputError, match=r"cannot read 'May' as a month"):
        load_spend(bad)


def test_plans_table(tmp_path: Path) -> None:
    text = (
        "病历号,项目,主诉,状态,计划日期,完成日期\n007,种植牙,是,计划,2024-06-01,\n"
        "007,洗牙,,已完成,,2024-05-01\n008,矫正,否,进行中,,\n"
    )
    p = load_plans(_write(tmp_path, "plans.csv", text, "gb18030"))
    assert p["patient_id"].tolist() == ["007", "007", "008"]
    assert p["status"].tolist() == ["planned", "done", "started"]
    assert p["is_chief_complaint"].tolist() == [True, False, False]
    assert p["done_date"].iloc[1] == pd.Timestamp("2024-05-01")
    bad = _write(tmp_path, "p2.csv", "病历号,项目,状态\n1,洗牙,maybe\n")
    with pytest.raises(
        InputError, match=r"cannot read 'maybe' as a plan status \(expected one of planned"
    ):
        load_plans(bad)


def test_load_clinic_all_tables_and_describe(tmp_path: Path) -> None:
    v = _write(tmp_path, "v.csv", ZH_HANT)
    p = _write(tmp_path, "p.csv", "病歷號,姓名\n00004,王\n4,李\n")
    s = _write(tmp_path, "s.csv", "月份,渠道,金額\n2024-05,FB,100\n")
    pl = _write(tmp_path, "pl.csv", "病歷號,項目,狀態\n00004,植牙,計畫\n")
    data = load_clinic(v, patients=p, spend=s, plans=pl)
    assert data.has_patients and data.has_spend and data.has_plans
    assert set(data.quality.files) == {"visits", "patients", "spend", "plans"}
    text = describe_quality(data.quality)
    assert "visits: v.csv (text, utf-8) — 4 row(s) read, 4 kept, 0 rejected; 2 visit(s)" in text
    assert "patient_id←病歷號" in text
    assert "refund line(s) totalling -NT$300" in text
    assert data.quality.files["visits"]["refunds"] == 1
    assert data.quality.files["visits"]["refund_total"] == -300.0
    assert data.quality.files["visits"]["line_items_merged"] == 1
    assert load_visits(v).visits.equals(data.visits)


def test_undecodable_text_asks_for_utf8_or_encoding(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_bytes(b"patient_id,visit_date,amount\n1,2024-05-01,\x80\x80\x80\n")
    with pytest.raises(InputError, match=r"cannot tell the file's text encoding .* --encoding"):
        load_clinic(path)
    assert load_clinic(path, encoding="latin-1", drop_invalid=True).quality.n_rejected == 1


def test_excel_unicode_text_export_utf16_tab(tmp_path: Path) -> None:
    path = tmp_path / "v.txt"
    path.write_bytes("病歷號\t就診日期\t金額\n00009\t2024/5/1\t1,000\n".encode("utf-16"))
    data = load_clinic(path)
    assert data.visits["patient_id"].tolist() == ["00009"]
    assert data.quality.files["visits"]["encoding"] == "utf-16"


def test_excel_header_only_empty_sheet_and_leading_blank_rows(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["病歷號", "日期", "金額"])
    wb.save(tmp_path / "h.xlsx")
    with pytest.raises(InputError, match=r"h\.xlsx: the visits file has a header but no rows"):
        load_clinic(tmp_path / "h.xlsx")
    openpyxl.Workbook().save(tmp_path / "e.xlsx")
    with pytest.raises(InputError, match=r"e\.xlsx: the workbook's first sheet is empty"):
        load_clinic(tmp_path / "e.xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([None])
    ws.append(["病歷號", "日期", "金額"])
    ws.append(["1", "2024-05-01", "oops"])
    wb.save(tmp_path / "b.xlsx")
    with pytest.raises(InputError, match=r"b\.xlsx, line 3, column 金額: cannot read 'oops'"):
        load_clinic(tmp_path / "b.xlsx")


def test_parquet_named_file_that_is_text_and_folder(tmp_path: Path) -> None:
    path = _write(tmp_path, "v.parquet", "病歷號,日期,金額\n1,2024-05-01,3\n")
    with pytest.raises(InputError, match=r"named \.parquet but is not a Parquet file"):
        load_clinic(path)
    with pytest.raises(InputError, match=r"is a folder, not a file"):
        load_clinic(tmp_path)


def test_multiple_headers_for_one_column_use_the_first_and_note_it(tmp_path: Path) -> None:
    text = "病歷號,日期,金額,實收\n1,2024-05-01,100,90\n"
    data = load_clinic(_write(tmp_path, "v.csv", text))
    assert data.visits["amount"].tolist() == [100.0]
    assert any("'實收' also looks like amount" in n for n in data.quality.notes)
    mapped = load_clinic(tmp_path / "v.csv", mapping={"amount": "實收"})
    assert mapped.visits["amount"].tolist() == [90.0]


def test_line_numbers_stay_true_with_quoted_multiline_values(tmp_path: Path) -> None:
    text = '病歷號,日期,金額,客訴\n1,2024-05-01,3,"太貴\n而且等太久"\n2,2024-05-01,x,\n'
    with pytest.raises(InputError, match=r"v\.csv, line 4, column 金額: cannot read 'x'"):
        load_clinic(_write(tmp_path, "v.csv", text))
    data = load_clinic(tmp_path / "v.csv", drop_invalid=True)
    assert data.lines["source_line"].tolist() == [2]
    assert data.visits["complaint"].iloc[0] == "太貴\n而且等太久"


# --- odd input: an error naming file, line, column and value, or read right ---------------

ODD_HEAD = "patient_id,visit_date,amount,status\n001,2024-05-01,12.50,\n"
ODD_CELLS = [
    # (date, amount, status, expected message part)
    ("0001-01-01", "100", "", "line 3, column visit_date: cannot read '0001-01-01' as a date"),
    ("9999-12-31", "100", "", "line 3, column visit_date: cannot read '9999-12-31' as a date"),
    ("1600-01-01", "100", "", "line 3, column visit_date: cannot read '1600-01-01' as a date"),
    ("999/01/01", "100", "", "line 3, column visit_date: cannot read '999/01/01' as a date"),
    ("10/05/24", "100", "", "line 3, column visit_date: '10/05/24' is ambiguous"),
    ("2024", "100", "", "line 3, column visit_date: '2024' is ambiguous"),
    ("2024-05-02", '"1200,50"', "", "line 3, column amount: '1200,50' uses a decimal comma"),
    (
        "2024-05-02",
        "1200",
        "已報到",
        "line 3, column status: cannot read '已報到' as a visit status",
    ),
]


@pytest.mark.parametrize(("date", "amount", "status", "message"), ODD_CELLS)
def test_odd_cells_stop_with_one_line_and_write_nothing(tmp_path, capsys, date, amount, status,
                                                        message):  # fmt: skip
    from clinicvalue.cli import main

    text = f"{ODD_HEAD}002,{date},{amount},{status}\n"
    path = _write(tmp_path, "visits.csv", text)
    code = main(["score", "--visits", str(path), "--as-of", "2024-10-31", "--no-clv",
                 "--out", str(tmp_path / "scores.csv")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert f"visits.csv, {message}" in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["visits.csv"]
    assert path.read_text() == text


@pytest.mark.parametrize(("date", "amount", "status", "message"), ODD_CELLS)
def test_odd_cells_are_rejected_rows_with_drop_invalid(tmp_path, date, amount, status, message):
    text = f"{ODD_HEAD}002,{date},{amount},{status}\n"
    data = load_visits(_write(tmp_path, "visits.csv", text), drop_invalid=True)
    assert data.visits["patient_id"].tolist() == ["001"]
    assert data.quality.rejected["line"].tolist() == [3]


def test_unknown_status_is_never_counted_as_a_visit_and_can_be_mapped(tmp_path):
    text = (
        "patient_id,visit_date,amount,status\n001,2024-05-01,100,已報到\n002,2024-05-02,50,爽約\n"
    )
    path = _write(tmp_path, "visits.csv", text)
    with pytest.raises(InputError, match=r"\[load.status_words\] \"已報到\" = \"completed\""):
        load_visits(path)
    prof = ClinicProfile.from_dict({"load": {"status_words": {"已報到": "completed"}}})
    data = load_visits(path, profile=prof)
    assert data.visits["patient_id"].tolist() == ["001"]  # 爽約 is a no-show: not a visit


def test_date_format_option_reads_two_digit_years(tmp_path, capsys):
    from clinicvalue.cli import main

    path = _write(tmp_path, "visits.csv", "patient_id,visit_date,amount\n001,10/05/24,100\n"
                  "001,31/12/24,100\n")  # fmt: skip
    out = tmp_path / "scores.csv"
    code = main(["score", "--visits", str(path), "--as-of", "2024-12-31", "--no-clv",
                 "--date-format", "%d/%m/%y", "--out", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    prof = ClinicProfile.from_dict({"load": {"date_format": "%d/%m/%y"}})
    data = load_visits(path, profile=prof)
    assert data.visits["visit_date"].tolist() == [pd.Timestamp("2024-05-10"),
                                                  pd.Timestamp("2024-12-31")]  # fmt: skip


def test_semicolon_file_with_decimal_commas_is_detected(tmp_path):
    text = (
        "patient_id;visit_date;amount\n"
        "001;2024-05-01;1.200,50\n001;2024-06-01;300\n002;2024-05-02;(80,25)\n"
    )
    data = load_visits(_write(tmp_path, "visits.csv", text))
    assert data.lines["amount"].tolist() == [1200.5, 300.0, -80.25]


def test_decimal_option_forces_the_mark(tmp_path):
    text = "patient_id;visit_date;amount\n001;2024-05-01;1.200\n"
    path = _write(tmp_path, "visits.csv", text)
    detected = load_visits(path)  # only a decimal comma fits "1.200" as money: said in a note
    assert detected.lines["amount"].tolist() == [1200.0]
    assert any("decimal comma" in n for n in detected.quality.notes)
    prof = ClinicProfile.from_dict({"load": {"decimal": "."}})
    assert load_visits(path, profile=prof).lines["amount"].tolist() == [1.2]


def test_accounting_negative_is_a_refund(tmp_path):
    text = 'patient_id,visit_date,amount\n001,2024-05-01,"1,500"\n001,2024-05-01,"(1,200)"\n'
    data = load_visits(_write(tmp_path, "visits.csv", text))
    assert data.lines["amount"].tolist() == [1500.0, -1200.0]
    assert data.visits["amount"].tolist() == [300.0]


@pytest.mark.parametrize(("scores", "scale"), [(["5", "4", "2"], 5), (["9", "10", "3"], 10),
                                               (["90", "45", "100"], 100)])  # fmt: skip
def test_satisfaction_scale_is_detected_and_put_on_100(tmp_path, scores, scale):
    rows = "".join(f"00{i},2024-05-0{i + 1},100,{s}\n" for i, s in enumerate(scores))
    data = load_visits(
        _write(tmp_path, "visits.csv", "patient_id,visit_date,amount,滿意度\n" + rows)
    )
    expected = [float(s) * 100 / scale for s in scores]
    assert data.visits.sort_values("patient_id")["satisfaction"].tolist() == expected
    if scale != 100:
        assert any(f"scale of {scale}" in n for n in data.quality.notes)


def test_satisfaction_outside_the_profile_scale_names_the_line(tmp_path):
    text = "patient_id,visit_date,amount,滿意度\n001,2024-05-01,100,4\n002,2024-05-02,100,7\n"
    prof = ClinicProfile.from_dict({"load": {"satisfaction_scale": 5}})
    with pytest.raises(InputError, match=r"line 3, column 滿意度: satisfaction score 7 is outside"):
        load_visits(_write(tmp_path, "visits.csv", text), profile=prof)


def test_an_enormous_line_is_refused_with_its_line_number(tmp_path, capsys):
    from clinicvalue.cli import main
    from clinicvalue.load._read import MAX_LINE_BYTES

    path = tmp_path / "visits.csv"
    with path.open("w") as f:
        f.write("patient_id,visit_date,amount,treatment\n001,2024-05-01,100,x\n")
        f.write("002,2024-05-02,100," + "y" * (MAX_LINE_BYTES + 10) + "\n")
    code = main(["validate", "--visits", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    length = len("002,2024-05-02,100,") + MAX_LINE_BYTES + 10
    assert f"visits.csv, line 3: line 3 is {length:,} bytes long, more than the 1,048,576" in err
