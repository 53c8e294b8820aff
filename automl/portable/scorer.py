"""Score rows with a compact model exported by AutoML Studio: numpy and onnxruntime only.

This file is copied into every export as `predict.py` and must import nothing but the standard library,
numpy and onnxruntime (a test checks it). It replays what the app does to a row before its model sees it,
from `preprocess.json`: each column read as training read it (numbers with separators, true / false
words, dates), the cleaning recipe, AutoGluon's feature generation (two-valued columns to 0/1, categories
to codes, dates to numbers); then `model.onnx` gives each tree ensemble's raw score in double precision
and the probabilities, the decision threshold and the labels are computed here as the app computes them.

    python predict.py IN.csv --out OUT.csv        # the input columns, prediction, one proba_ column per class
    python -c "from predict import Scorer; print(Scorer('.').predict_rows([{'age': 30}]))"
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import sys
from pathlib import Path
from typing import Any, Iterable

import numpy as np

__all__ = ["Scorer", "main", "read_column", "score_csv"]

_CURRENCY = "$€£¥₹"
_US = re.compile(rf"^\(?[+-]?[{_CURRENCY}]?\s?[+-]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?\s?[{_CURRENCY}]?\s?%?\)?$")
_EU = re.compile(rf"^\(?[+-]?[{_CURRENCY}]?\s?[+-]?(?:\d{{1,3}}(?:\.\d{{3}})+|\d+)(?:,\d+)?\s?[{_CURRENCY}]?\s?%?\)?$")
_PLAIN = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_STRIP = re.compile(rf"[()%\s{_CURRENCY}]")
_DATE = re.compile(r"^(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4}))"
                   r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?$")
_TRUE, _FALSE = frozenset({"true", "t"}), frozenset({"false", "f"})
_NAT = np.datetime64("NaT", "ns")


def _missing(v: Any) -> bool:
    if v is None or isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, (str, bool, int)):
        return False
    try:
        return bool(v != v)  # NaT (numpy's or pandas')
    except (TypeError, ValueError):
        return False


class Scorer:
    """An exported compact model, loaded once: `predict_rows` for dicts, `predict_columns` for columns."""

    def __init__(self, folder: str | Path, threads: int = 1) -> None:
        import onnxruntime as ort

        folder = Path(folder)
        self.spec = json.loads((folder / "preprocess.json").read_text(encoding="utf-8"))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options,
                                            providers=["CPUExecutionProvider"])
        self.markers = frozenset(self.spec["missing_markers"])
        self.columns = [c["name"] for c in self.spec["columns"]]
        out = self.spec["output"]
        self.classes = out.get("classes") or []
        self.output_columns = ["prediction"] + [f"proba_{c}" for c in self.classes]

    # ---- the cleaning recipe, as the app replays it for predictions -------------------------------------
    def _recipe(self, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        for step in self.spec["recipe"]:
            kind, col = step["kind"], step.get("column")
            if kind == "drop_columns":
                for c in step["columns"]:
                    cols.pop(c, None)
            elif kind == "rename_column":
                cols[step["new_name"]] = cols.pop(col)
            elif kind == "fill_missing":
                s = cols[col]
                hole = np.isnan(s) if s.dtype == np.float64 else np.array([_missing(v) for v in s], dtype=bool)
                s = s.copy()
                s[hole] = step["fill_value_"]
                cols[col] = s
            elif kind == "clip_outliers":
                s = _as_float(cols[col])
                lo, hi = step.get("low_"), step.get("high_")
                cols[col] = np.clip(s, -np.inf if lo is None else lo, np.inf if hi is None else hi)
            elif kind == "group_rare":
                keep = set(step.get("keep_") or ())
                cols[col] = np.asarray([v if _missing(v) or _text(v) in keep else step["other"] for v in cols[col]],
                                       dtype=object)
            elif kind == "clean_text":
                cols[col] = np.asarray([None if _missing(v) else _clean(_text(v), step["trim"], step["lower"])
                                        for v in cols[col]], dtype=object)
            elif kind == "cast_type" and step["to"] == "number":
                cols[col] = _as_float(cols[col])
            elif kind == "cast_type" and step["to"] == "category":
                cols[col] = np.asarray([None if _missing(v) else _text(v) for v in cols[col]], dtype=object)
            elif kind == "cast_type" and step["to"] == "boolean":
                truth = {"true": True, "yes": True, "y": True, "1": True, "t": True,
                         "false": False, "no": False, "n": False, "0": False, "f": False}
                cols[col] = np.asarray([None if _missing(v) else truth.get(_text(v).strip().lower())
                                        for v in cols[col]], dtype=object)
            elif kind == "expand_date":
                for part in step["parts"]:
                    cols[f"{col}_{part}"] = _date_part(cols[col], part, missing=True)
                if step["drop"]:
                    cols.pop(col)
            else:
                raise ValueError(f"preprocess.json has a step this scorer does not know: {kind}")
        return cols

    # ---- AutoGluon's feature generation, then the model's input matrix ----------------------------------
    def _features(self, cols: dict[str, np.ndarray], n: int) -> np.ndarray:
        X = np.empty((n, len(self.spec["features"])), dtype=np.float64)
        for j, f in enumerate(self.spec["features"]):
            s, kind = cols[f["column"]], f["kind"]
            if kind == "number":
                x = _as_float(s)
                if f.get("integer"):
                    x = np.trunc(np.where(np.isnan(x), 0.0, x))
            elif kind == "flag":
                true = f["true"]
                uniques, at = _factorize(s)
                x = np.asarray([1.0 if not _missing(v) and v == true else 0.0 for v in uniques], dtype=np.float64)[at]
            elif kind == "category":
                codes = {_key(c): i for i, c in enumerate(f["categories"])}
                fill = f.get("fill")
                uniques, at = _factorize(s)
                x = np.asarray([codes.get(_key(fill if _missing(v) and fill is not None else v), math.nan)
                                if not (_missing(v) and fill is None) else math.nan for v in uniques],
                               dtype=np.float64)[at]
            elif kind in ("date", "date_part"):
                d = s.astype("datetime64[ns]")
                d = np.where(np.isnat(d), np.datetime64(int(f["fill_ns"]), "ns"), d)
                x = d.astype(np.int64).astype(np.float64) if kind == "date" else _date_part(d, f["part"])
            else:
                raise ValueError(f"preprocess.json has a feature kind this scorer does not know: {kind}")
            X[:, j] = x
        return X

    def predict_columns(self, columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """Columns of raw values (text as in a CSV file, or JSON numbers, booleans, null) -> the answers."""
        missing = [c for c in self.columns if c not in columns]
        if missing:
            raise ValueError(f"the rows lack {len(missing)} column(s) the model needs: {', '.join(missing)}")
        n = len(columns[self.columns[0]]) if self.columns else 0
        cols = {c["name"]: read_column(columns[c["name"]], c, self.markers) for c in self.spec["columns"]}
        X = self._features(self._recipe(cols), n)
        raw = self.session.run(None, {self.session.get_inputs()[0].name: X})[0]
        return self._answers(raw)

    def predict_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        columns = {c: [r.get(c) for r in rows] for c in self.columns}
        answers = self.predict_columns(columns)
        return [{k: answers[k][i] for k in self.output_columns} for i in range(len(rows))]

    # ---- raw scores -> probabilities and answers, as the app computes them -------------------------------
    def _answers(self, raw: np.ndarray) -> dict[str, list[Any]]:
        out = self.spec["output"]
        members, width = out["members"], raw.shape[1] // out["members"]
        parts = [raw[:, m * width:(m + 1) * width] for m in range(members)]
        if out["task"] == "regression":
            value = np.mean(parts, axis=0)[:, 0] if members > 1 else parts[0][:, 0]
            return {"prediction": value.tolist()}
        if out["task"] == "binary":
            pos = np.mean([1.0 / (1.0 + np.exp(-p[:, 0])) for p in parts], axis=0)
            proba = np.column_stack([1.0 - pos, pos])
        else:
            proba = np.mean([_softmax(p) for p in parts], axis=0)
        if out.get("temperature"):
            proba = _softmax(np.log(proba) / out["temperature"])
        full = np.zeros((len(proba), len(self.classes)))
        for k, position in enumerate(out["class_positions"]):
            full[:, position] = proba[:, k]
        if out["task"] == "binary":
            threshold = out["threshold"]
            pos_i = self.classes.index(out["positive"])
            hit = full[:, pos_i] >= threshold if out["threshold_inclusive"] else full[:, pos_i] > threshold
            labels = np.where(hit, out["positive"], self.classes[1 - pos_i]).tolist()
        else:
            labels = [self.classes[i] for i in np.argmax(full, axis=1)]
        answers: dict[str, list[Any]] = {"prediction": labels}
        for i, c in enumerate(self.classes):
            answers[f"proba_{c}"] = full[:, i].tolist()
        return answers


def read_column(values: list[Any] | np.ndarray, read: dict[str, Any], markers: frozenset[str]) -> np.ndarray:
    """Raw values of one column (text from a file, or JSON values) read as training read the column: a float
    array for numbers, datetime64[ns] for dates, objects (True / False / None, text / None) otherwise. Each
    distinct value is read once."""
    kind = read["read_as"]
    if kind == "number" and isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        return values.astype(np.float64, copy=False)  # numbers already read (the endpoint's reader ran first)
    uniques, codes = _factorize(values)
    read_once = [_read_one(v, kind, read, markers) for v in uniques]
    if kind == "number":
        return np.asarray(read_once, dtype=np.float64)[codes]
    if kind == "date":
        return np.asarray(read_once, dtype="datetime64[ns]")[codes]
    return _objects(read_once)[codes]


def _objects(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _factorize(values: Any) -> tuple[list[Any], np.ndarray]:
    """(distinct values, each value's position among them): each distinct value is then handled once. Text
    (the common case) is keyed by itself; anything else by (type, value), so that 1, 1.0 and True stay apart."""
    values = values.tolist() if isinstance(values, np.ndarray) else list(values)
    index: dict[Any, int] = {}
    if set(map(type, values)) <= {str, type(None)}:
        codes = [index.setdefault(v, len(index)) for v in values]
        uniques = list(index)
    else:
        codes = [index.setdefault((type(v), v), len(index)) for v in values]
        uniques = [k[1] for k in index]
    return uniques, np.asarray(codes, dtype=np.intp)


def _read_one(v: Any, kind: str, read: dict[str, Any], markers: frozenset[str]) -> Any:
    if _missing(v):
        return math.nan if kind == "number" else _NAT if kind == "date" else None
    text = v.strip() if isinstance(v, str) else None
    if text is not None and text in markers:
        return math.nan if kind == "number" else _NAT if kind == "date" else None
    style = read.get("style") or "native"
    if kind == "number":
        if text is None:
            return float(v) if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) \
                else math.nan
        if style == "native" and _PLAIN.match(text):
            return float(text)
        return _number(text, "us" if style == "native" else style)
    if kind == "boolean":
        if isinstance(v, bool):
            return v
        low = text.lower() if text is not None else ""
        return True if low in _TRUE else False if low in _FALSE else None
    if kind == "date":
        if text is not None:
            return _date(text, bool(read.get("day_first")))
        try:  # a date already read (datetime, numpy or pandas)
            return np.datetime64(v, "ns")
        except (TypeError, ValueError):
            return _NAT
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v if isinstance(v, str) else str(v)


def _clean(text: str, trim: bool, lower: bool) -> str:
    text = text.strip() if trim else text
    return text.lower() if lower else text


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _key(v: Any) -> Any:
    return ("b", v) if isinstance(v, bool) else ("n", float(v)) if isinstance(v, (int, float)) else ("s", v)


def _text(v: Any) -> str:
    if isinstance(v, np.datetime64):
        return str(v).replace("T", " ")
    return str(v)


def _as_float(s: np.ndarray) -> np.ndarray:
    if s.dtype == np.float64:
        return s
    out = []
    for v in s:
        if _missing(v):
            out.append(math.nan)
        elif isinstance(v, (bool, int, float)):
            out.append(float(v))
        else:
            t = str(v).strip()
            out.append(float(t) if _PLAIN.match(t) else math.nan)
    return np.asarray(out, dtype=np.float64)


def _number(text: str, style: str) -> float:
    if not (_US if style == "us" else _EU).match(text):
        return math.nan
    percent = text.endswith("%") or text.endswith("%)")
    negative = text.startswith("(") and text.endswith(")")
    cleaned = _STRIP.sub("", text)
    cleaned = cleaned.replace(",", "") if style == "us" else cleaned.replace(".", "").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return math.nan
    value = -value if negative else value
    return value / 100 if percent else value


def _date(text: str, day_first: bool) -> np.datetime64:
    m = _DATE.match(text)
    if not m:
        return _NAT
    if m.group(1):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        a, b, y = int(m.group(4)), int(m.group(5)), m.group(6)
        day, month = (a, b) if day_first else (b, a)
        if month > 12 and day <= 12:  # 13/04/2020 month first, 04/13/2020 day first: the other way round
            day, month = month, day
        year = int(y)
        if len(y) <= 2:  # as dateutil: the century that puts the year within 50 years of this one
            this = int(np.datetime_as_string(np.datetime64("today", "Y")))
            year += this // 100 * 100
            if year >= this + 50:
                year -= 100
            elif year < this - 50:
                year += 100
    hour, minute = int(m.group(7) or 0), int(m.group(8) or 0)
    second, fraction = int(m.group(9) or 0), m.group(10) or ""
    try:
        stamp = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}"
        return np.datetime64(stamp, "ns")
    except ValueError:
        return _NAT


def _date_part(d: np.ndarray, part: str, missing: bool = False) -> np.ndarray:
    d = d.astype("datetime64[ns]")
    nat = np.isnat(d)
    safe = np.where(nat, np.datetime64(0, "ns"), d)
    if part == "year":
        x = safe.astype("datetime64[Y]").astype(np.int64) + 1970
    elif part == "month":
        x = safe.astype("datetime64[M]").astype(np.int64) % 12 + 1
    elif part == "day":
        x = (safe.astype("datetime64[D]") - safe.astype("datetime64[M]")).astype(np.int64) + 1
    elif part == "dayofweek":
        x = (safe.astype("datetime64[D]").astype(np.int64) + 3) % 7
    elif part == "hour":
        x = (safe - safe.astype("datetime64[D]")).astype("timedelta64[h]").astype(np.int64)
    else:
        raise ValueError(f"unknown date part {part}")
    x = x.astype(np.float64)
    if missing:
        x[nat] = math.nan
    return x


def _read_csv(path: str) -> tuple[list[str], list[list[str]]]:
    """A CSV file's header and rows as text: UTF-8 (with or without a BOM), UTF-16 with a BOM, else Windows-1252;
    the delimiter found among , ; tab and |."""
    raw = Path(path).read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = raw.decode("utf-16")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter, quotechar='"')
    header = next(reader)
    return header, [row for row in reader if row]


def score_csv(scorer: Scorer, source: str, out: str, chunk_rows: int = 50_000) -> int:
    """Score a CSV file into another: its columns as written, then the prediction and the probabilities."""
    header, rows = _read_csv(source)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header + scorer.output_columns)
        for start in range(0, len(rows), chunk_rows):
            chunk = rows[start:start + chunk_rows]
            columns = {name: [r[i] if i < len(r) else "" for r in chunk] for i, name in enumerate(header)}
            answers = scorer.predict_columns(columns)
            for i, r in enumerate(chunk):
                writer.writerow(r + [_cell(answers[k][i]) for k in scorer.output_columns])
    return len(rows)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return repr(v)
    text = str(v)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _PLAIN.match(text) else text


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score a CSV file with this exported model.")
    parser.add_argument("data", help="a CSV file with the model's columns (schema.json)")
    parser.add_argument("--out", required=True, help="where to write the scored CSV")
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime threads (0: all cores)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        n = score_csv(Scorer(Path(__file__).resolve().parent, threads=args.threads), args.data, args.out)
    except (OSError, ValueError, StopIteration) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{n} row(s) scored; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
