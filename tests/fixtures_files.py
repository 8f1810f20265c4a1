"""Real workbook files written by the tests: every format, formulas with and without cached values, hostile files."""

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

_EPOCH = dt.datetime(1899, 12, 30)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class Formula:
    """A formula cell; `cached` None means the writer never computed it (no <v>)."""

    text: str
    cached: object = None


def column_letters(index: int) -> str:
    """Return the spreadsheet column name of a 0-based column index (0 → A, 27 → AB)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


class _Strings:
    def __init__(self):
        self.index: dict[str, int] = {}

    def ref(self, text: str) -> int:
        return self.index.setdefault(text, len(self.index))

    def xml(self) -> bytes:
        items = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in self.index)
        count = len(self.index)
        return f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS} count="{count}" uniqueCount="{count}">{items}</sst>'.encode()


def _cell(ref: str, value: object, strings: _Strings) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        formula = f"<f>{escape(value.text)}</f>"
        cached = value.cached
        if cached is None:
            return f'<c r="{ref}">{formula}</c>'
        kind = ' t="b"' if isinstance(cached, bool) else ' t="str"' if isinstance(cached, str) else ""
        shown = int(cached) if isinstance(cached, bool) else escape(str(cached))
        return f'<c r="{ref}"{kind}>{formula}<v>{shown}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, dt.datetime):
        return f'<c r="{ref}" s="2"><v>{(value - _EPOCH).total_seconds() / 86400!r}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="1"><v>{(dt.datetime(value.year, value.month, value.day) - _EPOCH).days}</v></c>'
    return f'<c r="{ref}" t="s"><v>{strings.ref(str(value))}</v></c>'


def _write_sheet(stream, rows: Iterable[Sequence[object]], strings: _Strings, dimension: str | None, prolog: str) -> None:
    stream.write(f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet {_NS}>'.encode())
    if dimension:
        stream.write(f'<dimension ref="{dimension}"/>'.encode())
    stream.write(b"<sheetData>")
    letters: list[str] = []
    for number, row in enumerate(rows, start=1):
        while len(letters) < len(row):
            letters.append(column_letters(len(letters)))
        cells = "".join(_cell(f"{letters[i]}{number}", value, strings) for i, value in enumerate(row))
        if cells:
            stream.write(f'<row r="{number}">{cells}</row>'.encode())
    stream.write(b"</sheetData></worksheet>")


_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {_NS}>'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
    '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def write_xlsx(
    target,
    sheets: dict[str, Iterable[Sequence[object]]],
    *,
    dimensions: dict[str, str] | None = None,
    prolog: str = "",
    compresslevel: int = 6,
    macro_enabled: bool = False,
) -> None:
    """Write an .xlsx (or .xlsm) the way spreadsheet programs do, streaming rows; `target` is a path or a stream."""
    strings = _Strings()
    names = list(sheets)
    main = "application/vnd.ms-excel.sheet.macroEnabled.main+xml" if macro_enabled else (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(names) + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS_NS}">'
            f'<Relationship Id="rId1" Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        sheet_list = "".join(
            f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(names, start=1)
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<workbook {_NS} xmlns:r="{_DOC_REL}">'
            f"<sheets>{sheet_list}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_DOC_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        n = len(names)
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS_NS}">{rels}'
            f'<Relationship Id="rId{n + 1}" Type="{_DOC_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId{n + 2}" Type="{_DOC_REL}/styles" Target="styles.xml"/></Relationships>',
        )
        archive.writestr("xl/styles.xml", _STYLES)
        for i, name in enumerate(names, start=1):
            with archive.open(f"xl/worksheets/sheet{i}.xml", "w") as stream:
                buffered = io.BufferedWriter(stream, 1 << 20)
                _write_sheet(buffered, sheets[name], strings, (dimensions or {}).get(name), prolog)
                buffered.flush()
        archive.writestr("xl/sharedStrings.xml", strings.xml())


def xlsx_bytes(sheets: dict[str, Iterable[Sequence[object]]], **options) -> bytes:
    """Return the bytes of an .xlsx written by write_xlsx."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets, **options)
    return buffer.getvalue()


@pytest.fixture
def files_dir(tmp_path) -> Path:
    """A scratch folder for generated files."""
    return tmp_path
