"""Spreadsheet-safe exports: CSV and XLSX bytes with formula-like cells neutralised."""

from __future__ import annotations

import io

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells cannot be interpreted as formulas."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_cell)
    safe.columns = [str(neutralise_cell(str(c))) for c in safe.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV (UTF-8 with BOM so Excel detects the encoding), formula-safe."""
    return neutralise_frame(frame).to_csv(index=False, na_rep="").encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """An .xlsx workbook with one sheet, formula-safe and with strings kept as strings."""
    buffer = io.BytesIO()
    safe = neutralise_frame(frame)
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe[column] = safe[column].dt.tz_localize(None)
    with pd.ExcelWriter(
        buffer,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        safe.to_excel(writer, sheet_name=sheet_name[:31], index=False, na_rep="")
    return buffer.getvalue()
