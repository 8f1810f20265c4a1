"""Write a cell's value the way its number format shows it, for the common formats: percent (`0%`, `0.00%`),
currency and other text around a number (`"$"#,##0.00`, `[$€-407] #,##0.00`), fixed decimals, thousands
separators, negatives in their own section (`#,##0;(#,##0)`), dates and times (`d/m/yyyy`, `h:mm AM/PM`,
`[h]:mm:ss`). Any other format (fractions, scientific, conditions) gives None: the caller shows the raw value.
Numbers are rounded exactly (Decimal, half away from zero, as spreadsheet programs do).
"""

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from webapp.workbook.numbers import display_number

# Excel's built-in formats (ECMA-376 18.8.30), as the en-US locale shows them.
BUILT_IN = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)', 6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)', 8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "m/d/yyyy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM",
    20: "h:mm", 21: "h:mm:ss", 22: "m/d/yyyy h:mm",
    37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)",
    45: "mm:ss", 46: "[h]:mm:ss", 47: "mm:ss.0", 48: "##0.0E+0", 49: "@",
}

# One piece of a format: a quoted literal, an escaped character, a bracket ([Red], [$€-407], [h]), a padding
# or fill instruction, or any other single character.
_PIECE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.|.', re.DOTALL)
_DATE_TOKEN = re.compile(r"(?i)yyyy|yy|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p|\.0+")
_PLACEHOLDERS = set("0#?")
# Enough digits for any number a cell holds, so rounding to the format's decimals never loses the whole part.
_ROUNDING = Context(prec=400, rounding=ROUND_HALF_UP)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def format_value(value: object, code: str) -> str | None:
    """Return the value as the format shows it, or None when the format is not one this module writes."""
    if not code or code.lower() == "general" or type(value) is bool or isinstance(value, str):
        return None
    sections = _sections(code)
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return _date(value, _pieces(sections[0]))
    if not isinstance(value, (int, float)):
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except ArithmeticError:
        return None
    if not number.is_finite():
        return None
    section, signed = sections[0], True
    if number < 0 and len(sections) > 1:
        section, number, signed = sections[1], -number, False
    elif number == 0 and len(sections) > 2:
        section = sections[2]
    return _number(number, _pieces(section), signed)


def _sections(code: str) -> list[str]:
    sections, current = [], ""
    for piece in _PIECE.findall(code):
        if piece == ";":
            sections.append(current)
            current = ""
        else:
            current += piece
    return [*sections, current]


def _pieces(section: str) -> list[tuple[str, str]]:
    """Split a section into (kind, text) pieces: literal text to show, or format characters to interpret."""
    pieces = []
    for piece in _PIECE.findall(section):
        if piece.startswith('"'):
            pieces.append(("text", piece[1:-1]))
        elif piece.startswith("\\"):
            pieces.append(("text", piece[1:]))
        elif piece.startswith("_"):
            pieces.append(("text", " "))
        elif piece.startswith("*"):
            continue
        elif piece.startswith("["):
            pieces.append(_bracket(piece[1:-1]))
        elif piece in "$-+():!^&'~{}<>=  " or piece == "\u00a0":
            pieces.append(("text", piece))
        else:
            pieces.append(("code", piece))
    return pieces


def _bracket(inside: str) -> tuple[str, str]:
    if inside.startswith("$"):  # a currency and locale: [$€-407] shows €
        return "text", inside[1:].split("-", 1)[0]
    if re.fullmatch(r"(?i)h+|m+|s+", inside):
        return "elapsed", inside.lower()
    if re.match(r"[<>=]", inside):
        return "condition", inside
    return "skip", inside  # a colour such as [Red]


def _number(number: Decimal, pieces: list[tuple[str, str]], signed: bool) -> str | None:
    if any(kind in ("condition", "elapsed") for kind, _ in pieces):
        return None
    codes = "".join(text for kind, text in pieces if kind == "code")
    if any(c in codes for c in "/Ee") or any(c.isalpha() for c in codes):
        return None  # fractions, scientific notation and dates of a number are left to the raw value
    first = next((i for i, (k, t) in enumerate(pieces) if k == "code" and t in _PLACEHOLDERS | {"."}), None)
    if first is None:
        return None
    last = max(i for i, (k, t) in enumerate(pieces) if k == "code" and t in _PLACEHOLDERS | {".", ","})
    pattern = "".join(t for k, t in pieces[first : last + 1] if k == "code")
    number *= Decimal(100) ** codes.count("%")
    scaled = len(pattern) - len(pattern.rstrip(","))
    number /= Decimal(1000) ** scaled
    shown = _digits(abs(number), pattern.rstrip(","))
    if signed and number < 0 and shown.strip("0.,") != "":
        shown = "-" + shown
    before = "".join(_shown(k, t) for k, t in pieces[:first])
    after = "".join(_shown(k, t) for k, t in pieces[last + 1 :])
    return (before + shown + after).strip()


def _shown(kind: str, text: str) -> str:
    return text if kind == "text" or (kind == "code" and text == "%") else ""


def _digits(number: Decimal, pattern: str) -> str:
    whole_pattern, _, fraction_pattern = pattern.partition(".")
    places = sum(c in _PLACEHOLDERS for c in fraction_pattern)
    required = fraction_pattern.count("0")
    with localcontext(_ROUNDING):
        rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{rounded:f}".partition(".")
    fraction = fraction.rstrip("0").ljust(required, "0") if places else ""
    minimum = whole_pattern.count("0")
    whole = whole.lstrip("0").rjust(minimum, "0")
    if "," in whole_pattern and whole:
        whole = f"{int(whole):,}"
    if "." in pattern and (fraction or fraction_pattern):
        return f"{whole}.{fraction}" if fraction or required else f"{whole}."
    return whole


def _date(value: dt.date | dt.time | dt.timedelta, pieces: list[tuple[str, str]]) -> str | None:
    if any(kind == "condition" for kind, _ in pieces):
        return None
    if any(kind == "elapsed" for kind, _ in pieces) or isinstance(value, dt.timedelta):
        return _elapsed(value) if isinstance(value, dt.timedelta) else None
    items = _date_items(pieces)
    tokens = [t.lower() for k, t in items if k == "token"]
    if not tokens:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        moment = dt.datetime.combine(dt.date(1899, 12, 31), value)
    twelve = "am/pm" in tokens or "a/p" in tokens
    out, seen = [], 0
    for kind, text in items:
        if kind == "text":
            out.append(text)
            continue
        previous = tokens[seen - 1] if seen else ""
        following = tokens[seen + 1] if seen + 1 < len(tokens) else ""
        out.append(_date_token(text.lower(), moment, twelve, previous, following))
        seen += 1
    return "".join(out)


def _date_items(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Split a date format into date tokens (`yyyy`, `mm`, `AM/PM`) and the text between them."""
    items: list[tuple[str, str]] = []
    run = ""
    for kind, text in [*pieces, ("end", "")]:
        if kind == "code":
            run += text
            continue
        position = 0
        for match in _DATE_TOKEN.finditer(run):
            items.append(("text", run[position : match.start()]))
            items.append(("token", match.group()))
            position = match.end()
        items.append(("text", run[position:]))
        run = ""
        if kind == "text":
            items.append(("text", text))
    return [(k, t) for k, t in items if t]


def _date_token(lower: str, moment: dt.datetime, twelve: bool, previous: str, following: str) -> str:
    minutes = lower in ("m", "mm") and (previous.startswith("h") or following.startswith("s"))
    hour = moment.hour % 12 or 12 if twelve else moment.hour
    table = {
        "yyyy": f"{moment.year:04d}", "yy": f"{moment.year % 100:02d}",
        "mmmmm": _MONTHS[moment.month - 1][0], "mmmm": _MONTHS[moment.month - 1], "mmm": _MONTHS[moment.month - 1][:3],
        "mm": f"{moment.minute:02d}" if minutes else f"{moment.month:02d}",
        "m": str(moment.minute) if minutes else str(moment.month),
        "dddd": _DAYS[moment.weekday()], "ddd": _DAYS[moment.weekday()][:3], "dd": f"{moment.day:02d}", "d": str(moment.day),
        "hh": f"{hour:02d}", "h": str(hour), "ss": f"{moment.second:02d}", "s": str(moment.second),
        "am/pm": "AM" if moment.hour < 12 else "PM", "a/p": "A" if moment.hour < 12 else "P",
    }
    if lower.startswith("."):
        return "." + f"{moment.microsecond:06d}"[: len(lower) - 1]
    return table[lower]


def _elapsed(value: dt.timedelta) -> str:
    """Write a duration as elapsed hours, minutes and seconds (`288:00:00`), as `[h]:mm:ss` shows it."""
    seconds = int(value.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


def general(value: float | int) -> str:
    """Write a number the way the General format shows it here: exactly, without float noise."""
    return display_number(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
