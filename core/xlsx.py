"""A small streaming XLSX writer: typed columns, frozen header, autofilter, fitted widths.

xlsxwriter spends about 10 µs a cell on 100k-row tables (over 10 s for 800k cells); writing the
sheet XML here with one template per column takes a tenth of that. The package layout, styles and
markup follow ECMA-376 (SpreadsheetML) and open in Excel, LibreOffice and openpyxl.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from xml.sax.saxutils import escape

# Cell styles (indexes into cellXfs below).
GENERAL, HEADER, INTEGER, DECIMAL, PERCENT, DATE, DATETIME, LABEL, TITLE = range(9)
Kind = str  # "text" | "integer" | "decimal" | "percent" | "date" | "datetime"
_STYLE_OF_KIND = {"integer": INTEGER, "decimal": DECIMAL, "percent": PERCENT, "date": DATE, "datetime": DATETIME}
_EPOCH = datetime(1899, 12, 30)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a header row (styled, frozen, filtered) over typed columns, or a plain list."""

    name: str
    header: Sequence[str]
    kinds: Sequence[Kind]
    widths: Sequence[float]
    rows: Callable[[], Iterator[Sequence[object]]]
    row_count: int
    table: bool = True  # False: a label/value sheet (About) without filter or frozen header
    title: str | None = None


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """The .xlsx bytes for `sheets`, in order."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", _content_types(len(sheets)))
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/workbook.xml", _workbook(sheets))
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        package.writestr("xl/styles.xml", _STYLES)
        for index, sheet in enumerate(sheets, start=1):
            with package.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True) as stream:
                for chunk in _sheet_xml(sheet):
                    stream.write(chunk.encode("utf-8"))
    return buffer.getvalue()


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: str) -> str:
    cleaned = _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    return escape(cleaned).replace("\r", "&#13;")


def _string_cell(ref: str, value: str, style: int = GENERAL) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'


def _serial(value: date) -> float:
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=None)
        delta = moment - _EPOCH
        return delta.days + delta.seconds / 86400
    return float((value - _EPOCH.date()).days)


def _cell(ref: str, kind: Kind, value: object) -> str:
    if value is None or value != value:  # missing (NaN, NaT, pd.NA compare unequal or raise below)
        return ""
    if kind in _STYLE_OF_KIND and not isinstance(value, bool):
        if isinstance(value, (int, float)):
            number = value / 100 if kind == "percent" else value
            return f'<c r="{ref}" s="{_STYLE_OF_KIND[kind]}"><v>{number!r}</v></c>'
        if isinstance(value, date):
            style = DATETIME if isinstance(value, datetime) else DATE
            return f'<c r="{ref}" s="{style}"><v>{_serial(value)!r}</v></c>'
    if isinstance(value, bool):
        return _string_cell(ref, "yes" if value else "no")
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, date):
        style = DATETIME if isinstance(value, datetime) else DATE
        return f'<c r="{ref}" s="{style}"><v>{_serial(value)!r}</v></c>'
    return _string_cell(ref, str(value))


def _safe(value: object) -> object:
    try:
        return None if value != value else value
    except (TypeError, ValueError):  # pd.NA refuses to be compared
        return None


def _sheet_xml(sheet: Sheet) -> Iterator[str]:
    letters = [column_letter(i) for i in range(max(len(sheet.header), 2))]
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        # Printed, every column fits the page width (as many pages down as it takes).
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
    )
    if sheet.table:
        yield (
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            "</sheetView></sheetViews>"
        )
    yield '<sheetFormatPr defaultRowHeight="15"/>'
    if sheet.widths:
        yield "<cols>"
        for index, width in enumerate(sheet.widths, start=1):
            yield f'<col min="{index}" max="{index}" width="{width:.1f}" customWidth="1"/>'
        yield "</cols>"
    yield "<sheetData>"
    row_number = 1
    if sheet.title is not None:
        yield f'<row r="1">{_string_cell("A1", sheet.title, TITLE)}</row><row r="2"/>'
        row_number = 3
    if sheet.table:
        cells = "".join(_string_cell(f"{letters[i]}{row_number}", h, HEADER) for i, h in enumerate(sheet.header))
        yield f'<row r="{row_number}">{cells}</row>'
        row_number += 1
    kinds = list(sheet.kinds)
    first_style = LABEL if not sheet.table else GENERAL
    for row in sheet.rows():
        parts = [f'<row r="{row_number}">']
        for col, value in enumerate(row):
            ref = f"{letters[col]}{row_number}"
            value = _safe(value)
            if col == 0 and first_style == LABEL and isinstance(value, str):
                parts.append(_string_cell(ref, value, LABEL))
            else:
                parts.append(_cell(ref, kinds[col] if col < len(kinds) else "text", value))
        parts.append("</row>")
        yield "".join(parts)
        row_number += 1
    yield "</sheetData>"
    if sheet.table and sheet.header:
        last = max(sheet.row_count + 1, 2)
        yield f'<autoFilter ref="A1:{letters[len(sheet.header) - 1]}{last}"/>'
    orientation = "landscape" if sheet.table and len(sheet.header) > 6 else "portrait"
    yield (
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        f'<pageSetup paperSize="9" orientation="{orientation}" fitToWidth="1" fitToHeight="0"/></worksheet>'
    )


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheets}</Types>"
    )


_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)


def _workbook(sheets: Sequence[Sheet]) -> str:
    entries = "".join(
        f'<sheet name="{escape(s.name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
        for i, s in enumerate(sheets, start=1)
    )
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"'{escape(s.name).replace(chr(39), chr(39) * 2)}'!$A$1:${column_letter(len(s.header) - 1)}"
        f"${max(s.row_count + 1, 2)}</definedName>"
        for i, s in enumerate(sheets)
        if s.table and s.header
    )
    defined = f"<definedNames>{names}</definedNames>" if names else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{entries}</sheets>{defined}</workbook>'
    )


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{i}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'{sheets}<Relationship Id="rId{count + 1}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'
    )


# numFmtId 3 "#,##0", 4 "#,##0.00" and 10 "0.00%" are built in; 164/165 are ours.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDCE6F1"/><bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="9">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
