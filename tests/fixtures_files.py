"""Real workbook files written by the tests: every format, formulas with and without cached values, hostile files."""

import codecs
import csv
import datetime as dt
import io
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from openpyxl.utils import get_column_letter

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
    """Return the spreadsheet column name of a 0-based column index, by openpyxl (an independent oracle)."""
    return get_column_letter(index + 1)


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


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def _ods_cell(value: object) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, bool):
        flag = "true" if value else "false"
        attributes, shown = f'office:value-type="boolean" office:boolean-value="{flag}"', flag.upper()
    elif isinstance(value, (int, float)):
        attributes, shown = f'office:value-type="float" office:value="{value!r}"', value
    elif isinstance(value, dt.date):
        attributes, shown = f'office:value-type="date" office:date-value="{value.isoformat()}"', value
    elif isinstance(value, OdsTime):
        attributes, shown = f'office:value-type="time" office:time-value="{value.value}"', value.shown
    elif isinstance(value, OdsNumber):
        attributes, shown = f'office:value-type="{value.kind}" office:value="{value.value!r}"', escape(value.shown)
    else:
        attributes, shown = 'office:value-type="string"', escape(str(value))
    return f"<table:table-cell {attributes}><text:p>{shown}</text:p></table:table-cell>"


@dataclass(frozen=True)
class OdsNumber:
    """An OpenDocument number cell shown through its format: 0.25 as `25%` (kind `percentage`, `currency`)."""

    value: float
    shown: str
    kind: str = "percentage"


@dataclass(frozen=True)
class OdsTime:
    """An OpenDocument time cell: `value` as the file stores it (`PT288H00M00S`), `shown` as it displays."""

    value: str
    shown: str


def ods_bytes(sheets: dict[str, list[list[object]]], *, prolog: str = "", spaced: bool = False) -> bytes:
    """Write a minimal OpenDocument spreadsheet by hand (what LibreOffice needs to open it).

    spaced: put line breaks and indentation between the elements, as KOffice writes them.
    """
    gap = "\n    " if spaced else ""
    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join(f"{gap}<table:table-row>" + "".join(gap + _ods_cell(c) for c in row) + f"{gap}</table:table-row>" for row in rows)
        + f"{gap}</table:table>"
        for name, rows in sheets.items()
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {_ODS_NS} office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def xls_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """Write a legacy Excel 97-2003 .xls with xlwt."""
    import xlwt

    workbook = xlwt.Workbook()
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        sheet = workbook.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write(r, c, value, dates)
                elif value is not None:
                    sheet.write(r, c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ",", bom: bool = False) -> bytes:
    """Write CSV text the way spreadsheet programs export it, in the given encoding."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    if bom and encoding == "utf-8":
        data = codecs.BOM_UTF8 + data
    return data


def encrypted_xlsx_bytes(password: str = "secret") -> bytes:
    """Return a real password-protected .xlsx (ECMA-376 agile encryption, as Excel writes it)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx_bytes({"Secret": [[1, 2, 3]]}))).encrypt(password, encrypted)
    return encrypted.getvalue()


def _replace_part(content: bytes, part: str, data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, data if item.filename == part else source.read(item.filename))
    return buffer.getvalue()


def sheet_xml(cells: str, *, prolog: str = "") -> bytes:
    """Return a worksheet part holding the given raw <row> elements."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet {_NS}><sheetData>{cells}</sheetData></worksheet>'
    ).encode()


def xlsx_with_sheet_xml(data: bytes) -> bytes:
    """Return an .xlsx whose only sheet's XML is exactly `data`."""
    return _replace_part(xlsx_bytes({"S": [[1]]}), "xl/worksheets/sheet1.xml", data)


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)
EXTERNAL_ENTITY = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


def deflate_bomb(part_head: bytes, block: bytes, times: int, part_tail: bytes) -> tuple[bytes, int, int]:
    """Deflate head + block * times + tail quickly (full flushes make the block's bytes repeat); return data, crc, size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(part_head) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(part_tail) + compressor.flush()
    crc = zlib.crc32(part_head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    return start + repeated * times + end, zlib.crc32(part_tail, crc), len(part_head) + len(block) * times + len(part_tail)


def zip_with_raw_entry(content: bytes, part: str, deflated: tuple[bytes, int, int], declared_size: int | None = None) -> bytes:
    """Rebuild a zip with `part` replaced by pre-deflated data, optionally declaring a false uncompressed size."""
    data, crc, size = deflated
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    central = []

    def add(name: str, payload: bytes, crc: int, size: int, method: int) -> None:
        offset, encoded = out.tell(), name.encode()
        fields = (20, 0, method, 0, 0x21, crc, len(payload), size, len(encoded))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + encoded + payload)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset) + encoded)

    for item in source.infolist():
        if item.filename != part:
            raw = source.read(item.filename)
            add(item.filename, raw, zlib.crc32(raw), len(raw), zipfile.ZIP_STORED)
    add(part, data, crc, size if declared_size is None else declared_size, zipfile.ZIP_DEFLATED)
    directory = b"".join(central)
    start = out.tell()
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), start, 0))
    return out.getvalue()


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def burst_worker(worker_env):
    """Run `python worker.py --burst` as a real process (each read in a capped child) until the queue is empty."""

    def run(timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(ROOT / "worker.py"), "--burst"],
            cwd=ROOT, env={**worker_env, **env}, capture_output=True, text=True, timeout=timeout,
        )

    return run


def far_cell_workbook(last: str = "XFD1048576") -> bytes:
    """A 2 KB .xlsx with cells at A1 and `last` and no <dimension>: a reader that allocates the used
    range as a grid asks for every cell between (A1:T1048576 is 21 million cells, about 670 MB in
    python-calamine, which aborts the process when it cannot allocate them)."""
    row = "".join(filter(str.isdigit, last))
    cells = f'<row r="1"><c r="A1"><v>1</v></c></row><row r="{row}"><c r="{last}"><v>2</v></c></row>'
    return xlsx_with_sheet_xml(sheet_xml(cells))
