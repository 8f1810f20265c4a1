"""Look inside zipped workbooks (.xlsx, .xlsm, .ods) before any parser does: bombs, XML entities, sizes, formulas."""

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from webapp.workbook.cellref import column_index

MAX_ZIP_ENTRIES = 10_000
MAX_COMPRESSION_RATIO = 200
# An XML declaration, comments and whitespace come first; a part whose root element does not start
# within this many bytes is not something a spreadsheet program wrote.
PROLOG_BYTES = 16 * 1024
_CHUNK = 1024 * 1024

_ENTITY_TRICK = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT = re.compile(r"<[A-Za-z_]")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,3})\$?(\d{1,7})(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?\"")
_PREFIXED_ROOT = re.compile(rb"<\w+:worksheet\b")
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# A formula cell whose <f> is followed by the end of the cell (or an empty <v>): no cached value.
_FORMULA_WITHOUT_VALUE = re.compile(
    rb"(?:</(?:\w+:)?f>|<(?:\w+:)?f\b[^>]*/>)\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)


class UnsafeArchive(Exception):
    """A zipped workbook refused before parsing; the message finishes a sentence about the file."""


@dataclass
class SheetPart:
    """One worksheet of an .xlsx/.xlsm: its name, its part in the zip, and the size its XML declares."""

    name: str
    path: str
    declared_cells: int = 0


@dataclass
class ArchiveFacts:
    """What the archive check learnt: the worksheets of an .xlsx/.xlsm, in workbook order."""

    sheets: list[SheetPart] = field(default_factory=list)


def check_archive(path: Path, kind: str, max_unzipped_bytes: int, list_sheets: bool = True) -> ArchiveFacts:
    """Refuse zip bombs and XML entity tricks by reading only sizes and the start of each part.

    With list_sheets, also map an .xlsx's sheets to their parts (a damaged sheet list raises UnsafeArchive).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            _check_sizes(entries, max_unzipped_bytes)
            prologs = {entry.filename: _check_prolog(archive, entry) for entry in entries if _is_xml(entry.filename)}
            if kind == "ods" or not list_sheets:
                return ArchiveFacts()
            sheets = _worksheets(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise UnsafeArchive("is damaged (part of its zip structure cannot be read)") from exc
    except ElementTree.ParseError as exc:
        raise UnsafeArchive("is damaged (its list of sheets cannot be read)") from exc
    for sheet in sheets:
        sheet.declared_cells = _declared_cells(prologs.get(sheet.path, b""))
    return ArchiveFacts(sheets)


def _is_xml(name: str) -> bool:
    return name.endswith((".xml", ".rels", ".vml"))


def _check_sizes(entries: list[zipfile.ZipInfo], limit: int) -> None:
    if len(entries) > MAX_ZIP_ENTRIES:
        raise UnsafeArchive(f"has {len(entries):,} parts inside; a workbook may have at most {MAX_ZIP_ENTRIES:,}")
    unzipped = sum(entry.file_size for entry in entries)
    if unzipped > limit:
        raise UnsafeArchive(
            f"would unpack to {unzipped / 2**20:,.0f} MB, over the {limit / 2**20:,.0f} MB limit for one workbook"
        )
    for entry in entries:
        if entry.file_size > 1_000_000 and entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1):
            raise UnsafeArchive(
                "is compressed far more than any real workbook "
                f"({entry.file_size // max(entry.compress_size, 1):,} to 1; the limit is {MAX_COMPRESSION_RATIO} to 1), "
                "which is how zip bombs look"
            )


def _check_prolog(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    """Refuse a part that declares a DTD or entities; return its first bytes."""
    with archive.open(entry) as stream:
        head = stream.read(PROLOG_BYTES)
    text = _as_text(head)
    if _ENTITY_TRICK.search(text):
        raise UnsafeArchive(
            "declares XML entities (a DOCTYPE), which spreadsheet programs never write and attacks use, "
            "so it was refused"
        )
    if len(head) == PROLOG_BYTES and not _ROOT.search(text):
        raise UnsafeArchive("is damaged (one of its XML parts has no content where it should start)")
    return head


def _as_text(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:4].count(0) >= 2:
        for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
            try:
                return head[: len(head) - len(head) % 2].decode(encoding)
            except UnicodeDecodeError:
                continue
    return head.decode("latin-1")


def _worksheets(archive: zipfile.ZipFile) -> list[SheetPart]:
    """Map each sheet name to its XML part through workbook.xml and its relationships."""
    targets = {}
    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        for rel in _elements(archive, "xl/_rels/workbook.xml.rels", f"{_RELS_NS}Relationship"):
            targets[rel.get("Id")] = rel.get("Target", "")
    sheets = []
    for sheet in _elements(archive, "xl/workbook.xml", "sheet"):
        target = targets.get(sheet.get(_DOC_REL_ID), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        sheets.append(SheetPart(sheet.get("name", ""), path))
    return sheets


def _elements(archive: zipfile.ZipFile, part: str, tag: str):
    """Yield the elements of one small XML part with the given tag (namespace-blind when tag has none)."""
    with archive.open(part) as stream:
        for _, element in ElementTree.iterparse(stream):
            local = element.tag if tag.startswith("{") else element.tag.rpartition("}")[2]
            if local == tag:
                yield element


def _declared_cells(head: bytes) -> int:
    """Return how many cells the sheet's <dimension> says its used range spans (0 when it says nothing)."""
    found = _DIMENSION.search(head)
    if not found:
        return 0
    first_col, first_row, last_col, last_row = found.groups()
    if not last_col:
        return 1
    rows = abs(int(last_row) - int(first_row)) + 1
    columns = abs(column_index(last_col.decode()) - column_index(first_col.decode())) + 1
    return rows * columns


def count_formulas_without_value(path: Path, parts: list[str]) -> list[int]:
    """Count, per worksheet part, formula cells that carry no cached value (streamed, bounded memory)."""
    counts = []
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        for part in parts:
            counts.append(_count_in_part(archive, part) if part in names else 0)
    return counts


def _count_in_part(archive: zipfile.ZipFile, part: str) -> int:
    found = 0
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
            found += _count_chunk(chunk[:cut], prefixed)
            carry = chunk[cut:]
    return found + _count_chunk(carry, bool(prefixed))


def _count_chunk(chunk: bytes, prefixed: bool) -> int:
    if prefixed:
        return len(_FORMULA_WITHOUT_VALUE.findall(chunk))
    # Most cells have no formula and most formulas have a value: plain byte counts settle both. `<f`
    # may also count a few other elements, which only sends the chunk to the exact regex.
    formulas = chunk.count(b"<f")
    if not formulas or formulas <= chunk.count(b"</f><v>") + chunk.count(b"/><v>"):
        return 0
    return len(_FORMULA_WITHOUT_VALUE.findall(chunk))

