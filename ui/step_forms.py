"""Widgets that build one cleaning step from its parameters (used by the Clean page to add and edit steps)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from automl.data.steps import (
    STEP_TYPES,
    CastType,
    CleanText,
    ClipOutliers,
    DropColumns,
    DropDuplicates,
    DropMissingTarget,
    ExpandDate,
    FillMissing,
    FilterRows,
    GroupRare,
    RenameColumn,
    Step,
)

__all__ = ["step_form"]


def _index(options: list, value: Any) -> int:
    return options.index(value) if value in options else 0


def step_form(kind: str, columns: list[str], key: str, initial: Step | None = None) -> Step:
    """Draw the inputs of a step of `kind`, prefilled from `initial`; return the step they describe."""
    cls = STEP_TYPES[kind]
    init = initial if isinstance(initial, cls) else cls()
    col = getattr(init, "column", "")

    def pick_column(label: str = "Column") -> str:
        return st.selectbox(label, columns, index=_index(columns, col), key=f"{key}.column")

    if cls is DropColumns:
        chosen = st.multiselect("Columns to drop", columns, default=[c for c in init.columns if c in columns],
                                key=f"{key}.columns")
        return DropColumns(columns=tuple(chosen))
    if cls in (DropDuplicates, DropMissingTarget):
        st.caption("Applies to training rows only; rows to predict are never dropped.")
        return cls()
    return _FORMS[cls](init, pick_column, key)


def _fill_missing(init: FillMissing, pick_column, key: str) -> Step:
    column = pick_column()
    strategies = ["median", "mean", "most_frequent", "constant"]
    strategy = st.selectbox("Fill with", strategies, index=_index(strategies, init.strategy),
                            key=f"{key}.strategy", format_func=lambda s: s.replace("_", " "))
    value = st.text_input("Constant", value="" if init.value is None else str(init.value),
                          key=f"{key}.value") if strategy == "constant" else None
    return FillMissing(column=column, strategy=strategy, value=_number_or_text(value))


def _cast_type(init: CastType, pick_column, key: str) -> Step:
    targets = ["number", "category", "date", "boolean"]
    return CastType(column=pick_column(), to=st.selectbox("Read as", targets, index=_index(targets, init.to),
                                                          key=f"{key}.to"))


def _expand_date(init: ExpandDate, pick_column, key: str) -> Step:
    column = pick_column("Date column")
    parts = st.multiselect("Parts", list(ExpandDate.PARTS), default=list(init.parts), key=f"{key}.parts")
    drop = st.checkbox("Drop the original column", value=init.drop, key=f"{key}.drop")
    return ExpandDate(column=column, parts=tuple(parts), drop=drop)


def _clip_outliers(init: ClipOutliers, pick_column, key: str) -> Step:
    column = pick_column()
    methods = ["quantile", "iqr"]
    method = st.radio("Bounds", methods, index=_index(methods, init.method), horizontal=True, key=f"{key}.method",
                      format_func=lambda m: "quantiles" if m == "quantile" else "IQR rule")
    if method == "quantile":
        lower, upper = st.slider("Keep between quantiles", 0.0, 1.0, (float(init.lower), float(init.upper)),
                                 0.005, key=f"{key}.q")
        return ClipOutliers(column=column, method=method, lower=lower, upper=upper)
    k = st.number_input("k (bounds = quartiles ± k × IQR)", 0.5, 10.0, float(init.k), 0.5, key=f"{key}.k")
    return ClipOutliers(column=column, method=method, k=k)


def _group_rare(init: GroupRare, pick_column, key: str) -> Step:
    column = pick_column()
    share = st.number_input("Group categories rarer than (% of rows)", 0.01, 50.0, 100 * init.min_share, 0.5,
                            key=f"{key}.share")
    other = st.text_input("Name of the group", value=init.other, key=f"{key}.other")
    return GroupRare(column=column, min_share=share / 100, other=other or "Other")


def _rename_column(init: RenameColumn, pick_column, key: str) -> Step:
    column = pick_column()
    return RenameColumn(column=column, new_name=st.text_input("New name", value=init.new_name or column,
                                                              key=f"{key}.new").strip())


def _clean_text(init: CleanText, pick_column, key: str) -> Step:
    column = pick_column()
    trim = st.checkbox("Trim spaces", value=init.trim, key=f"{key}.trim")
    lower = st.checkbox("Lower-case", value=init.lower, key=f"{key}.lower")
    return CleanText(column=column, trim=trim, lower=lower)


def _filter_rows(init: FilterRows, pick_column, key: str) -> Step:
    column = pick_column()
    ops = ["==", "!=", "<", "<=", ">", ">=", "is missing", "is not missing"]
    op = st.selectbox("Keep rows where the column", ops, index=_index(ops, init.op), key=f"{key}.op")
    value = None
    if "missing" not in op:
        value = _number_or_text(st.text_input("Value", value="" if init.value is None else str(init.value),
                                              key=f"{key}.fvalue"))
    st.caption("Applies to training rows only; rows to predict are never dropped.")
    return FilterRows(column=column, op=op, value=value)


_FORMS = {FillMissing: _fill_missing, CastType: _cast_type, ExpandDate: _expand_date, ClipOutliers: _clip_outliers,
          GroupRare: _group_rare, RenameColumn: _rename_column, CleanText: _clean_text, FilterRows: _filter_rows}


def _number_or_text(value: str | None) -> Any:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "." not in value else number
