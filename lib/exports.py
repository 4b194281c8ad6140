"""Exports that are safe to open in a spreadsheet.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return can run as a formula in
Excel or LibreOffice (CSV/formula injection); such cells get a leading apostrophe, which the
spreadsheet shows as text.
"""

from __future__ import annotations

import io

import pandas as pd

_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(_DANGEROUS_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and column names) cannot run as spreadsheet formulas."""
    out = frame.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object:
            # Series.map would infer a new dtype: whole numbers with gaps became floats ("45.0")
            out[column] = pd.Series([neutralise(v) for v in out[column]], index=out.index,
                                    dtype=object)
        elif pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM (so Excel reads accents right), neutralised cells, CRLF line ends (with
    pandas' default "\n" a cell holding a lone carriage return was left unquoted and split the
    row when read back)."""
    buffer = io.StringIO()
    safe_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8-sig")
