"""Look inside zipped workbooks (.xlsx, .xlsm, .ods) before any parser does: bombs, XML entities, sizes, formulas."""

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from webapp.workbook.wording import said

MAX_ZIP_ENTRIES = 10_000
MAX_COMPRESSION_RATIO = 200
# An XML declaration, comments and whitespace come first; a part whose root element does not start
# within this many bytes is not something a spreadsheet program wrote.
PROLOG_BYTES = 16 * 1024
_CHUNK = 1024 * 1024

_ENTITY_TRICK = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT = re.compile(r"<[A-Za-z_]")
_PREFIXED_ROOT = re.compile(rb"<\w+:worksheet\b")
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# A formula cell whose <f> is followed by the end of the cell (or an empty <v>): no cached value.
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"(?:</(?:\w+:)?f>|<(?:\w+:)?f\b[^>]*/>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
# In a workbook that asks to be recalculated on opening (fullCalcOnLoad), a 0 is what writers such as
# xlsxwriter store in place of a result they never computed.
_FORMULA_WITH_PLACEHOLDER = re.compile(
    rb"(?:</(?:\w+:)?f>|<(?:\w+:)?f\b[^>]*/>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*0?\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
# A cell whose first child is a formula: `<c r="B7" s="1"><f>SUM(B2:B6)</f><v>40</v></c>`.
# The search starts at the literal ` r="`, which the regex engine skips to quickly; a row's `r` is never followed
# by a formula.
_FORMULA_CELL = re.compile(rb" r=\"([A-Z]{1,3}[0-9]{1,7})\"[^>]*>\s*<(?:\w+:)?f\b")


class UnsafeArchive(Exception):
    """A zipped workbook refused before parsing; the message finishes a sentence about the file."""


@dataclass
class SheetPart:
    """One worksheet of an .xlsx/.xlsm: its name, its part in the zip, and the size its XML declares."""

    name: str
    path: str
    xml_bytes: int = 0


@dataclass
class ArchiveFacts:
    """What the archive check learnt: the worksheets of an .xlsx/.xlsm, in workbook order, and whether the
    workbook asks to be recalculated when opened (its formulas' saved results may be placeholders)."""

    sheets: list[SheetPart] = field(default_factory=list)
    full_calc_on_load: bool = False


def check_archive(path: Path, kind: str, max_unzipped_bytes: int, list_sheets: bool = True) -> ArchiveFacts:
    """Refuse zip bombs and XML entity tricks by reading only sizes and the start of each part.

    With list_sheets, also map an .xlsx's sheets to their parts (a damaged sheet list raises UnsafeArchive).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            _check_sizes(entries, max_unzipped_bytes)
            for entry in entries:
                if _is_xml(entry.filename):
                    _check_prolog(archive, entry)
            if kind == "ods" or not list_sheets:
                return ArchiveFacts()
            facts = _worksheets(archive)
            sizes = {entry.filename: entry.file_size for entry in entries}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise UnsafeArchive(said("is damaged (part of its zip structure cannot be read)")) from exc
    except ElementTree.ParseError as exc:
        raise UnsafeArchive(said("is damaged (its list of sheets cannot be read)")) from exc
    for sheet in facts.sheets:
        sheet.xml_bytes = sizes.get(sheet.path, 0)
    return facts


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".rels", ".vml"))


def _check_sizes(entries: list[zipfile.ZipInfo], limit: int) -> None:
    if len(entries) > MAX_ZIP_ENTRIES:
        raise UnsafeArchive(said("has %(count)s parts inside; a workbook may have at most %(limit)s",
                                 count=len(entries), limit=MAX_ZIP_ENTRIES))
    unzipped = sum(entry.file_size for entry in entries)
    if unzipped > limit:
        raise UnsafeArchive(said("would unpack to %(size)s MB, over the %(limit)s MB limit for one workbook",
                                 size=round(unzipped / 2**20), limit=round(limit / 2**20)))
    for entry in entries:
        if entry.file_size > 1_000_000 and entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1):
            raise UnsafeArchive(said(
                "is compressed far more than any real workbook (%(ratio)s to 1; the limit is %(limit)s to 1), "
                "which is how zip bombs look",
                ratio=entry.file_size // max(entry.compress_size, 1), limit=MAX_COMPRESSION_RATIO))


def _check_prolog(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    """Refuse a part that declares a DTD or entities."""
    with archive.open(entry) as stream:
        head = stream.read(PROLOG_BYTES)
    text = _as_text(head)
    if _ENTITY_TRICK.search(text):
        raise UnsafeArchive(said(
            "declares XML entities (a DOCTYPE), which spreadsheet programs never write and attacks use, "
            "so it was refused"))
    if len(head) == PROLOG_BYTES and not _ROOT.search(text):
        raise UnsafeArchive(said("is damaged (one of its XML parts has no content where it should start)"))


def _as_text(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:4].count(0) >= 2:
        for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
            try:
                return head[: len(head) - len(head) % 2].decode(encoding)
            except UnicodeDecodeError:
                continue
    return head.decode("latin-1")


def _worksheets(archive: zipfile.ZipFile) -> ArchiveFacts:
    """Map each sheet name to its XML part through workbook.xml and its relationships; read its calcPr."""
    targets = {}
    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        for rel in _elements(archive, "xl/_rels/workbook.xml.rels", f"{_RELS_NS}Relationship"):
            targets[rel.get("Id")] = rel.get("Target", "")
    facts = ArchiveFacts()
    for element in _elements(archive, "xl/workbook.xml", ("sheet", "calcPr")):
        if element.tag.endswith("calcPr"):
            facts.full_calc_on_load = element.get("fullCalcOnLoad") in ("1", "true")
            continue
        target = targets.get(element.get(_DOC_REL_ID), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        facts.sheets.append(SheetPart(element.get("name", ""), path))
    return facts


def _elements(archive: zipfile.ZipFile, part: str, tags: str | tuple[str, ...]):
    """Yield the elements of one small XML part with one of the given tags (namespace-blind when a tag has none)."""
    tags = (tags,) if isinstance(tags, str) else tags
    with archive.open(part) as stream:
        for _, element in ElementTree.iterparse(stream):
            local = element.tag.rpartition("}")[2]
            if element.tag in tags or local in tags:
                yield element


def count_cells(path: Path, parts: list[str], stop_after: int) -> int:
    """Count the cells that hold something in the worksheet parts, streamed; stop once past stop_after."""
    found = 0
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for part in parts:
            if part not in names:
                continue
            with archive.open(part) as stream:
                carry = b""
                while chunk := stream.read(_CHUNK):
                    chunk = carry + chunk
                    cut = max(chunk.rfind(b">") + 1, len(chunk) - 64)
                    found += len(_CELL_END.findall(chunk, 0, cut)) if b":c>" in chunk else chunk.count(b"</c>", 0, cut)
                    carry = chunk[cut:]
                    if found > stop_after:
                        return found
    return found


@dataclass
class FormulaScan:
    """One worksheet's formulas: how many carry no computed value, how many there are, the first cells holding one."""

    without_value: int = 0
    total: int = 0
    cells: list[str] = field(default_factory=list)


def count_formulas_without_value(path: Path, parts: list[str], full_calc_on_load: bool = False) -> list[int]:
    """Count, per worksheet part, formula cells that carry no computed value (streamed, bounded memory)."""
    return [scan.without_value for scan in scan_formulas(path, parts, full_calc_on_load)]


def scan_formulas(path: Path, parts: list[str], full_calc_on_load: bool = False, listed: int = 0) -> list[FormulaScan]:
    """Scan each worksheet part once (streamed): formulas without a computed value, and with listed > 0, where
    the formulas are (their count and the first `listed` cells).

    With full_calc_on_load, a saved 0 counts as no value: writers that ask for recalculation store it in
    place of results they never computed.
    """
    scans = []
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for part in parts:
            scans.append(_scan_part(archive, part, full_calc_on_load, listed) if part in names else FormulaScan())
    return scans


def _scan_part(archive: zipfile.ZipFile, part: str, placeholders: bool, listed: int) -> FormulaScan:
    scan = FormulaScan()
    carry = b""
    prefixed = None
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            chunk = carry + chunk
            if prefixed is None:  # `<x:worksheet …>`: element names carry a prefix, byte counts cannot tell
                prefixed = _PREFIXED_ROOT.search(chunk[:PROLOG_BYTES]) is not None
            # Cut after the last complete cell so no formula straddles two chunks.
            cut = chunk.rfind(b"</c>")
            cut = cut + 4 if cut >= 0 else max(len(chunk) - 4096, 0)
            _scan_chunk(scan, chunk[:cut], prefixed, placeholders, listed)
            carry = chunk[cut:]
    _scan_chunk(scan, carry, bool(prefixed), placeholders, listed)
    return scan


def _scan_chunk(scan: FormulaScan, chunk: bytes, prefixed: bool, placeholders: bool, listed: int) -> None:
    scan.without_value += _count_chunk(chunk, prefixed, placeholders)
    if not listed or not (prefixed or b"<f" in chunk):
        return
    if len(scan.cells) < listed or prefixed:
        found = _FORMULA_CELL.findall(chunk)
        scan.total += len(found)
        scan.cells += [ref.decode() for ref in found[: max(listed - len(scan.cells), 0)]]
    else:  # enough cells listed: only count (inside sheet data, a tag `<f>`, `<f …>` or `<f/>` is a formula)
        scan.total += chunk.count(b"<f>") + chunk.count(b"<f ") + chunk.count(b"<f/>")


def _count_chunk(chunk: bytes, prefixed: bool, placeholders: bool) -> int:
    pattern = _FORMULA_WITH_PLACEHOLDER if placeholders else _FORMULA_WITHOUT_VALUE
    if prefixed or placeholders:
        return len(pattern.findall(chunk)) if b"<f" in chunk or prefixed else 0
    # Most cells have no formula and most formulas have a value: plain byte counts settle both. `<f`
    # may also count a few other elements, which only sends the chunk to the exact regex.
    formulas = chunk.count(b"<f")
    if not formulas or formulas <= chunk.count(b"</f><v>") + chunk.count(b"/><v>"):
        return 0
    return len(pattern.findall(chunk))

