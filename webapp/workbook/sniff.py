"""Judge what a file really is from its bytes (never its name): which workbook format, or why it is none."""

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import olefile

from webapp.workbook.wording import said

ACCEPTED = said("Excel workbooks (.xlsx, .xlsm, .xls), OpenDocument spreadsheets (.ods) or CSV files (.csv)")

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS = b"application/vnd.oasis.opendocument.spreadsheet"
_SAMPLE = 64 * 1024
# Well-known kinds of file people upload by mistake, told apart by their first bytes.
_PROGRAM, _IMAGE = said("is a program, not a workbook"), said("is an image, not a workbook")
_OTHER_KINDS = {
    b"\x7fELF": _PROGRAM, b"MZ": _PROGRAM, b"\xca\xfe\xba\xbe": _PROGRAM,
    b"\xcf\xfa\xed\xfe": _PROGRAM, b"%PDF": said("is a PDF document, not a workbook"), b"\x89PNG": _IMAGE,
    b"\xff\xd8\xff": _IMAGE, b"GIF8": _IMAGE, b"\x1f\x8b": said("is a gzip archive, not a workbook"),
    b"Rar!": said("is a RAR archive, not a workbook"), b"7z\xbc\xaf": said("is a 7-Zip archive, not a workbook"),
}
# Bytes that Windows-1252 leaves undefined: a file holding them is not text in any encoding we read.
_CP1252_HOLES = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_BINARY = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_WEB_PAGE = re.compile(r"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|script)\b", re.IGNORECASE | re.DOTALL)


class NotAWorkbook(Exception):
    """Bytes that cannot be read as an accepted workbook; its Said finishes a sentence about the file."""


class PasswordProtected(NotAWorkbook):
    """An encrypted workbook: readable only with its password."""


@dataclass(frozen=True)
class Sniffed:
    """A file's real format; CSV files also carry their text encoding."""

    kind: str  # xlsx, xlsm, xls, ods or csv
    encoding: str = ""

    @property
    def is_zip(self) -> bool:
        """Tell whether the format is a zip of XML parts (and so can hide a zip bomb or XML entities)."""
        return self.kind in ("xlsx", "xlsm", "ods")


def sniff(path: Path) -> Sniffed:
    """Return the file's real format, or raise NotAWorkbook with the reason."""
    with open(path, "rb") as handle:
        head = handle.read(_SAMPLE)
    if not head:
        raise NotAWorkbook(said("is empty"))
    if head.startswith(_ZIP):
        return _sniff_zip(path)
    if head.startswith(_CFB):
        return _sniff_compound(path)
    for magic, kind in _OTHER_KINDS.items():
        if head.startswith(magic):
            raise NotAWorkbook(kind)
    return _sniff_text(head, path.stat().st_size > len(head))


def _sniff_zip(path: Path) -> Sniffed:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
            types = archive.open("[Content_Types].xml").read(_SAMPLE) if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise NotAWorkbook(said("is damaged (its zip structure cannot be read)")) from exc
    if "xl/workbook.xml" in names:
        macros = "xl/vbaProject.bin" in names or b"macroEnabled" in types
        return Sniffed("xlsm" if macros else "xlsx")
    if "xl/workbook.bin" in names:
        raise NotAWorkbook(said("is an Excel binary workbook (.xlsb), which cannot be read here"))
    if mimetype.strip() == _ODS or ("content.xml" in names and _ODS in mimetype):
        return Sniffed("ods")
    if "word/document.xml" in names or "ppt/presentation.xml" in names:
        raise NotAWorkbook(said("is a Word or PowerPoint file, not a workbook"))
    raise NotAWorkbook(said("is a zip archive, not a workbook"))


def _sniff_compound(path: Path) -> Sniffed:
    """Read the directory of an OLE compound file: a legacy .xls, or an encrypted modern workbook."""
    try:
        with olefile.OleFileIO(str(path)) as compound:
            streams = {"/".join(entry) for entry in compound.listdir(streams=True, storages=False)}
    except (OSError, ValueError, IndexError, RecursionError) as exc:
        raise NotAWorkbook(said("is damaged (its legacy Office structure cannot be read)")) from exc
    if {"EncryptionInfo", "EncryptedPackage"} & streams:
        raise PasswordProtected(said("is password-protected"))
    if "Workbook" in streams or "Book" in streams:
        return Sniffed("xls")
    raise NotAWorkbook(said("is an Office document that is not a workbook"))


def _sniff_text(head: bytes, truncated: bool) -> Sniffed:
    encoding = _text_encoding(head, truncated)
    sample = _decode_sample(head, encoding)
    if _WEB_PAGE.match(sample):
        raise NotAWorkbook(said("is a web page (HTML), not a workbook"))
    if sample.lstrip().startswith("<?xml"):
        raise NotAWorkbook(said("is an XML file, not a workbook"))
    # Any other text reads as rows of fields (one field per row is a table too): csvfile finds the delimiter.
    return Sniffed("csv", encoding)


def _text_encoding(head: bytes, truncated: bool) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pairs = head[: len(head) - len(head) % 2]
    if pairs and pairs[1::2].count(0) > 0.9 * (len(pairs) // 2) and not pairs[::2].count(0):
        return "utf-16-le"
    if pairs and pairs[::2].count(0) > 0.9 * (len(pairs) // 2) and not pairs[1::2].count(0):
        return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=not truncated)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _CP1252_HOLES.search(head):
        raise NotAWorkbook(said("is not a workbook (it is neither a spreadsheet nor readable text)"))
    return "cp1252"


def _decode_sample(head: bytes, encoding: str) -> str:
    try:
        sample = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise NotAWorkbook(said("is not a workbook (it is neither a spreadsheet nor readable text)")) from exc
    if _BINARY.search(sample):
        raise NotAWorkbook(said("is not a workbook (it holds binary data, like a program or an image)"))
    return sample
