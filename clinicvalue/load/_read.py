"""Read an export (CSV/TSV/TXT, Excel .xlsx, Parquet, a frame or a SQL source) as text cells.

Every cell comes back as a string, so identifiers such as ``00004`` never pass through a
numeric type; numbers from typed sources (Excel, Parquet, frames) are written without a
spurious ``.0``. Files are opened read-only and never modified.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from clinicvalue.errors import InputError
from clinicvalue.load._headers import known_header_words, norm_header

__all__ = ["CodedColumn", "RawTable", "read_raw", "decode_text", "MAX_LINE_BYTES"]

#: A text export's line (one record, or one physical line of a quoted multi-line value)
#: longer than this is refused: no clinic export has one, and reading it would take
#: memory out of all proportion.
MAX_LINE_BYTES = 1 << 20

_CJK_CANDIDATES = ("cp950", "big5", "gb18030")
_ENCODING_ALIASES = {"utf8": "utf-8", "utf-8": "utf-8", "big5": "cp950", "gbk": "gb18030"}


@dataclass(frozen=True)
class CodedColumn:
    """One column's cells as text: its distinct texts and, per row, a code into them.

    A visit log repeats its days, amounts and doctors, so every rule that reads a cell
    runs once per distinct text and is spread back to the rows through ``codes``.
    """

    codes: np.ndarray  # int64 per row, an index into texts
    texts: pd.Series  # distinct cell texts (str)
    # a numeric column's distinct values beside their texts (NaN: missing), when every
    # one reads back exactly from its text as an amount or a number; else None
    numbers: np.ndarray | None = None

    @classmethod
    def of(cls, cells: pd.Series) -> CodedColumn:
        """Code a column of text cells."""
        codes, uniques = pd.factorize(cells.reset_index(drop=True).astype(str))
        return cls(codes.astype(np.int64, copy=False), pd.Series(uniques, dtype=str))

    @classmethod
    def typed(cls, codes: np.ndarray, distinct: pd.Series) -> CodedColumn:
        """Code a typed column from its distinct values and per-row codes (-1: missing).

        Each value is written as text once (:func:`_distinct_text`); a missing value is
        the text "" (its code one past the distinct values).
        """
        text = _distinct_text(distinct).to_numpy(dtype=object)
        codes = np.where(codes < 0, len(text), codes).astype(np.int64, copy=False)
        return cls(codes, pd.Series(np.append(text, ""), dtype=str), _plain_numbers(distinct))

    def cells(self, rows: np.ndarray) -> np.ndarray:
        """Return the text of the given rows (a mask or positions)."""
        return self.texts.to_numpy(dtype=object)[self.codes[rows]]


@dataclass
class RawTable:
    """A table as read: header cells, data cells as text, and where each row came from."""

    name: str
    header: list[str]
    columns: list[CodedColumn]  # positional columns 0..n-1
    lines: np.ndarray  # line (text) / row (Excel) number of each data row
    fmt: str
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def read_raw(source: Any, *, label: str, encoding: str | None = None) -> RawTable:
    """Read one table's source into string cells.

    Parameters
    ----------
    source
        A path, a :class:`pandas.DataFrame`, or an object with ``read()`` and ``name``
        (a SQL source).
    label
        Which table this is (``visits`` …), for messages.
    encoding
        Force this text encoding instead of detecting it.
    """
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, name=f"{label} (data frame)", fmt="frame")
    if hasattr(source, "read") and hasattr(source, "name") and not isinstance(source, str | Path):
        return _from_frame(source.read(), name=str(source.name), fmt="sql")
    path = Path(source)
    name = path.name
    if not path.exists():
        raise InputError(f"file not found: {path}", file=name)
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file; give the export file itself", file=name)
    data = path.read_bytes()
    if not data.strip():
        raise InputError(
            "the file is empty (no header, no rows); export the table again", file=name
        )
    suffix = path.suffix.lower()
    if data[:4] == b"PK\x03\x04":
        return _from_xlsx(data, name)
    if data[:4] == b"PAR1":
        return _from_parquet(data, name)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError(
            "this is an old-style Excel .xls workbook; open it in Excel and save it as .xlsx "
            "(or export CSV)",
            file=name,
        )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") and suffix not in (".xlsx", ".xlsm", ".parquet"):
        try:  # Excel's "Unicode Text" export: UTF-16 with a BOM, tab-separated
            return _from_text(data.decode("utf-16"), name=name, encoding="utf-16")
        except UnicodeDecodeError:
            pass
    if _looks_binary(data):
        raise InputError(
            "the file is binary data, not a table (expected CSV/TSV text, an Excel .xlsx "
            "workbook or a Parquet file); check you exported the right file",
            file=name,
        )
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise InputError(
            f"the file is named {suffix} but is not an Excel workbook (it looks like CSV "
            "text); rename it to .csv",
            file=name,
        )
    if suffix == ".parquet":
        raise InputError(
            "the file is named .parquet but is not a Parquet file (it looks like CSV text); "
            "rename it to .csv",
            file=name,
        )
    _check_line_lengths(data, name)
    text, used = decode_text(data, name=name, encoding=encoding)
    return _from_text(text, name=name, encoding=used)


def _check_line_lengths(data: bytes, name: str) -> None:
    """Refuse a text file with a line longer than :data:`MAX_LINE_BYTES`."""
    if len(data) <= MAX_LINE_BYTES:
        return
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    bounds = np.concatenate(([-1], ends, [len(data)]))
    lengths = np.diff(bounds) - 1
    longest = int(np.argmax(lengths))
    if lengths[longest] > MAX_LINE_BYTES:
        raise InputError(
            f"line {longest + 1} is {lengths[longest]:,} bytes long, more than the "
            f"{MAX_LINE_BYTES:,} a line may have; the export is damaged or not a table "
            "(check the line endings and quotes)",
            file=name,
            line=longest + 1,
        )


def _looks_binary(data: bytes) -> bool:
    """Return whether bytes look like binary data rather than text in any encoding."""
    head = data[:65536]
    if b"\x00" in head:
        return True
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13, 27))
    return controls > max(4, len(head) // 200)


def decode_text(data: bytes, *, name: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text export, detecting UTF-8 (with or without BOM), Big5/CP950 or GB18030.

    Big5 bytes often decode as GB18030 without error and the other way round, so every
    strict decoding is scored by plausibility: the header words it yields, then the share
    of its Chinese characters that are common (first-level Big5 or GB2312 hanzi).
    """
    if encoding:
        enc = _ENCODING_ALIASES.get(encoding.lower().replace("_", "-"), encoding)
        try:
            return data.decode("utf-8-sig" if enc == "utf-8" else enc), enc
        except LookupError as exc:
            raise InputError(
                f"unknown encoding '{encoding}'; use utf-8, big5, cp950, gbk or gb18030",
                file=name,
            ) from exc
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(
                f"cannot read the file as {encoding} (bytes {data[exc.start : exc.end]!r} are "
                "not valid in it); leave the encoding out to detect it, or try utf-8, big5 "
                "or gb18030",
                file=name,
                line=line,
            ) from exc
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    scored: list[tuple[float, float, int, str, str]] = []
    for rank, enc in enumerate(_CJK_CANDIDATES):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        scored.append((_header_hits(text), _common_share(text), -rank, enc, text))
    if not scored:
        raise InputError(
            "cannot tell the file's text encoding (it is not UTF-8, Big5/CP950 or "
            "GB18030/GBK); save it as UTF-8 CSV or give the encoding with --encoding",
            file=name,
        )
    best = max(scored)
    return best[4], best[3]


_HEADER_WORDS = known_header_words()


def _header_hits(text: str) -> int:
    """Return how many cells of the first non-blank line are known header words."""
    first = next((ln for ln in text[:65536].splitlines() if ln.strip()), "")
    delim = _sniff(first)
    return sum(norm_header(c) in _HEADER_WORDS for c in first.split(delim))


def _common_share(text: str) -> float:
    """Return the share of Han characters that are first-level Big5 or GB2312 characters."""
    han = Counter(
        ch for ch in text[:20000] if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
    )
    total = sum(han.values())
    if not total:
        return 0.0
    return sum(n for ch, n in han.items() if _is_common(ch)) / total


def _is_common(ch: str) -> bool:
    """Return whether a Han character is in Big5 level 1 or GB2312 level 1."""
    try:
        b = ch.encode("big5")
        if 0xA4 <= b[0] <= 0xC6:
            return True
    except UnicodeEncodeError:
        pass
    try:
        g = ch.encode("gb2312")
        return 0xB0 <= g[0] <= 0xD7
    except UnicodeEncodeError:
        return False


def _sniff(line: str) -> str:
    """Return the most likely delimiter of a header line."""
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _from_text(text: str, *, name: str, encoding: str) -> RawTable:
    """Split decoded text into header and string cells, keeping each row's line number."""
    text = text.lstrip("\ufeff")
    lines = text[: 1 << 20].splitlines()
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        raise InputError(
            "the file is empty (no header, no rows); export the table again", file=name
        )
    delim = _sniff(lines[first])
    fast = _split_one_line_records(text, delim, first, lines[first])
    if fast is not None:
        header, columns = fast
        line_no = np.arange(len(columns[0].codes) if columns else 0) + first + 2
        return RawTable(name, header, columns, line_no, "text", encoding)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delim,
            header=None,
            skiprows=first,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if not found:
            raise InputError(f"cannot split the file into columns ({exc})", file=name) from exc
        width, line, saw = (int(g) for g in found.groups())
        raise InputError(
            f"this row has {saw} values but the header has {width} columns; quote values "
            f"that contain the delimiter '{delim}' or remove the extra values",
            file=name,
            line=line,
        ) from exc
    header = [str(h) for h in frame.iloc[0]]
    frame = frame.iloc[1:].reset_index(drop=True)
    frame = frame.fillna("").astype(str)
    line_no = np.arange(len(frame)) + first + 2
    n_lines = text.count("\n") + (0 if text.endswith(("\n", "\r")) else 1)
    if len(frame) and int(line_no[-1]) != n_lines:  # quoted values spanning several lines
        line_no = _record_start_lines(text, delim)[first + 1 : first + 1 + len(frame)]
    columns = [CodedColumn.of(frame.iloc[:, i]) for i in range(frame.shape[1])]
    return RawTable(name, header, columns, line_no, "text", encoding)


def _split_one_line_records(
    text: str, delim: str, first: int, header_line: str
) -> tuple[list[str], list[CodedColumn]] | None:
    """Split text with Arrow's CSV reader when it gives exactly what the full reader would.

    That is when every record is one physical line with as many values as the header:
    no blank lines, no value spanning lines, no ragged row. For anything else (or any
    reading error) return None, and the full reader splits the file and words the
    problem.
    """
    import pyarrow.csv as pcsv

    width = len(next(csv.reader([header_line], delimiter=delim)))
    n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if "\r" in text.replace("\r\n", "\n") or width == 0:
        return None
    names = [f"c{i}" for i in range(width)]
    try:
        table = pcsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pcsv.ReadOptions(skip_rows=first, column_names=names),
            parse_options=pcsv.ParseOptions(
                delimiter=delim, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != n_lines - first or table.num_rows < 1:
        return None
    header = [str(v) for v in table.slice(0, 1).to_pylist()[0].values()]
    body = table.slice(1)
    columns = []
    for name in names:
        coded = pc.dictionary_encode(body.column(name).combine_chunks())
        texts = pd.Series(coded.dictionary.to_numpy(zero_copy_only=False), dtype=str)
        codes = coded.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
        columns.append(CodedColumn(codes, texts))
    return header, columns


def _record_start_lines(text: str, delim: str) -> np.ndarray:
    """Return the physical line on which each CSV record starts (1-based)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    starts = []
    end = 0
    for _ in reader:
        starts.append(end + 1)
        end = reader.line_num
    return np.asarray(starts, dtype=np.int64)


def _from_xlsx(data: bytes, name: str) -> RawTable:
    """Read the first worksheet of a workbook as string cells (Excel row numbers kept)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(
            "the file is a ZIP archive but not a readable Excel .xlsx workbook; open it in "
            "Excel and save it again as .xlsx, or export CSV",
            file=name,
        ) from exc
    try:
        ws = wb.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    first = next((i for i, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if first is None:
        raise InputError("the workbook's first sheet is empty (no header, no rows)", file=name)
    header = rows[first]
    width = len(header)
    while width and not header[width - 1].strip():
        width -= 1
    body = [(r + [""] * width)[:width] for r in rows[first + 1 :]]
    frame = pd.DataFrame(body, columns=list(range(width)), dtype=str)
    line_no = np.arange(len(frame)) + first + 2
    columns = [CodedColumn.of(frame.iloc[:, i]) for i in range(width)]
    return RawTable(name, header[:width], columns, line_no, "xlsx")


def _cell_text(value: object) -> str:
    """Return an Excel cell's value as text (4 → '4', 1200.5 → '1200.5', dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return unicodedata.normalize("NFC", str(value))


def _from_parquet(data: bytes, name: str) -> RawTable:
    """Read Parquet bytes column by column, each distinct value written as text once.

    Text columns stored dictionary-encoded are read as their dictionary, so a visit log's
    repeated days, doctors and treatments are never hashed again; the texts are those a
    data frame of the file would give (:func:`_column_text`).
    """
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(io.BytesIO(data))
        texts = [f.name for f in schema if _is_text(f.type)]
        table = pq.read_table(io.BytesIO(data), read_dictionary=texts)
    except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
        raise InputError(
            f"the file starts like Parquet but cannot be read ({exc}); export it again",
            file=name,
        ) from exc
    meta = table.schema.pandas_metadata or {}
    index = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
    names = [c for c in table.column_names if c not in index]
    columns = [_arrow_text(table.column(c)) for c in names]
    note = f"{name}: line numbers in messages count data rows from 1 (there is no header line)"
    return RawTable(name, names, columns, np.arange(table.num_rows) + 1, "parquet", None, [note])


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _arrow_text(col: pa.ChunkedArray) -> CodedColumn:
    """Return an Arrow column as text: its dictionary written once, the rows as codes."""
    try:
        if pa.types.is_dictionary(col.type):
            indices, values = _row_group_dictionaries(col)
        else:
            whole = pc.dictionary_encode(col.combine_chunks())
            indices, values = whole.indices, whole.dictionary
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):  # nested types: via a frame
        return _column_text(col.to_pandas())
    if _is_text(values.type):  # the texts as they are; a missing one is "", one past the end
        codes = indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
        texts = pa.concat_arrays([pc.fill_null(values, ""), pa.array([""], values.type)])
        return CodedColumn(codes.astype(np.int64), pd.Series(texts, dtype="str"))
    codes = indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return CodedColumn.typed(codes, pa.table({"v": values}).to_pandas()["v"])


def _row_group_dictionaries(col: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """Return each row's index (null: missing) into a dictionary column's values.

    The batches of one row group share its dictionary, so each dictionary is taken once
    and the rows' indices are shifted to its place among them. Values seen in more than
    one row group then appear more than once, which the loader's rules allow; when the
    dictionaries are small beside the column (days, doctors) they are merged instead.
    """
    place: dict[tuple[int, ...], int] = {}
    dictionaries: list[pa.Array] = []
    starts: list[int] = []
    for chunk in col.chunks:
        d = chunk.dictionary
        key = (*(b.address if b is not None else 0 for b in d.buffers()), d.offset, len(d))
        if key not in place:
            place[key] = sum(len(x) for x in dictionaries)
            dictionaries.append(d)
        starts.append(place[key])
    if not dictionaries:
        return pa.array([], pa.int64()), pa.array([], col.type.value_type)
    values = pa.concat_arrays(dictionaries)
    wide = [c.indices.cast(pa.int64()) for c in col.chunks]
    if len(values) > max(len(col) // 16, 1):
        shifted = [pc.add(i, start) for i, start in zip(wide, starts, strict=True)]
        return pa.chunked_array(shifted, pa.int64()).combine_chunks(), values
    merged = pc.dictionary_encode(values)  # few values: one copy of each
    into = merged.indices.cast(pa.int64())
    mapped = [pc.take(into[start:], i) for i, start in zip(wide, starts, strict=True)]
    return pa.chunked_array(mapped, pa.int64()).combine_chunks(), merged.dictionary


def _from_frame(frame: pd.DataFrame, *, name: str, fmt: str) -> RawTable:
    """Turn a typed frame into string cells; row numbers count data rows from 1."""
    header = [str(c) for c in frame.columns]
    columns = [_column_text(frame.iloc[:, i]) for i in range(frame.shape[1])]
    note = f"{name}: line numbers in messages count data rows from 1 (there is no header line)"
    return RawTable(name, header, columns, np.arange(len(frame)) + 1, fmt, None, [note])


def _column_text(col: pd.Series) -> CodedColumn:
    """Return a typed column as text without spurious decimals or 'nan'."""
    codes, uniques = pd.factorize(col.reset_index(drop=True), use_na_sentinel=True)
    return CodedColumn.typed(codes, pd.Series(uniques, dtype=col.dtype))


def _plain_numbers(distinct: pd.Series) -> np.ndarray | None:
    """Return a numeric column's values with NaN for the missing slot, or ``None``.

    Only ints and floats that are finite and below 10**15 qualify: their texts
    (``1200``, ``80.5``) read back as exactly these numbers, so parsing them again
    would give the same result. Anything else (``inf``, ``1e+16``) goes by its text.
    """
    kind = distinct.dtype
    if pd.api.types.is_bool_dtype(kind) or not (
        pd.api.types.is_integer_dtype(kind) or pd.api.types.is_float_dtype(kind)
    ):
        return None
    values = distinct.to_numpy(dtype="float64", na_value=np.nan)
    known = values[~np.isnan(values)]
    if not (np.isfinite(known).all() and (np.abs(known) < 1e15).all()):
        return None
    return np.append(values, np.nan)


def _distinct_text(col: pd.Series) -> pd.Series:
    """Write each value of a typed column as text (missing values as '')."""
    col = col.reset_index(drop=True)
    missing = col.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        out = col.dt.strftime("%Y-%m-%d %H:%M:%S").astype(object)
    elif pd.api.types.is_bool_dtype(col.dtype):
        out = col.map({True: "TRUE", False: "FALSE"}).astype(object)
    elif pd.api.types.is_integer_dtype(col.dtype):
        out = col.astype(str).astype(object)
    elif pd.api.types.is_float_dtype(col.dtype):
        vals = col.to_numpy(dtype=float, na_value=np.nan)
        integral = np.isfinite(vals) & (np.floor(vals) == vals) & (np.abs(vals) < 1e15)
        out = pd.Series(vals.astype(str), dtype=object)
        out[integral] = vals[integral].astype(np.int64).astype(str)
    elif pd.api.types.is_string_dtype(col.dtype) and not pd.api.types.is_object_dtype(col.dtype):
        out = col.astype(object)
    else:
        out = col.map(_cell_text, na_action="ignore").astype(object)
    out[missing] = ""
    return out.astype(str)
