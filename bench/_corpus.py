"""Deterministic synthetic data for the scale bench: categories, extracted texts and workbooks."""

import hashlib
import io
import json
import random
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from webapp.workbook.numbers import display_number, exact_decimal, numbers_in_text

VOCABULARY = 20_000
CATEGORIES = 1_000
REGIONS = 20
TYPES = 50
TEXT_BYTES = 2_000
_ONSETS = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
           "br", "ch", "dr", "gl", "pl", "st", "tr", "sh"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ea"]
_CODAS = ["", "", "n", "r", "s", "l", "m", "x", "th"]


def _words(count: int, rng: random.Random) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < count:
        syllables = rng.choice((2, 2, 3, 3, 4))
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables)) + rng.choice(_CODAS)
        words.setdefault(word, None)
    return list(words)


@dataclass(frozen=True)
class Category:
    """One bench category as create_category receives it."""

    name: str
    region: str
    type: str


@dataclass
class Row:
    """One document row as the worker would leave it after counting."""

    category_index: int
    filename: str
    sha256: str
    size: int
    total: Decimal
    text: str
    numbers: str
    breakdown: str


class Corpus:
    """A Zipf-distributed 20,000-word vocabulary with product codes and numbers, reproducible by seed."""

    def __init__(self, seed: int = 7):
        rng = random.Random(seed)
        self.words = _words(VOCABULARY, rng)
        self._cumulative = []
        running = 0.0
        for rank in range(1, VOCABULARY + 1):
            running += 1.0 / rank
            self._cumulative.append(running)
        self.regions = [f"Region {chr(65 + i % 26)}{i // 26 or ''}" for i in range(REGIONS)]
        self.types = [f"type-{self.words[100 + i]}" for i in range(TYPES)]
        self.categories = [
            Category(f"cat-{i:04d}", self.regions[rng.randrange(REGIONS)], self.types[rng.randrange(TYPES)])
            for i in range(CATEGORIES)
        ]

    @property
    def common_word(self) -> str:
        """Return the most frequent word: it appears in nearly every document."""
        return self.words[0]

    @property
    def rare_word(self) -> str:
        """Return a word from the far tail of the vocabulary: a handful of documents at 100k."""
        return self.words[VOCABULARY - 10]

    @property
    def phrase(self) -> str:
        """Return a two-word phrase that occurs in many documents, quoted for websearch syntax."""
        return f'"{self.words[1]} {self.words[2]}"'

    def row(self, index: int) -> Row:
        """Return document number `index` with its text, numbers and exact total (deterministic)."""
        rng = random.Random(index * 7919 + 13)
        lines, total, numbers = self._cells(rng)
        text = "\n".join(lines)
        breakdown = {"sheets": [{"name": "Sheet1", "numeric_sum": display_number(total)}], "skipped_numbers": 0}
        sha = hashlib.sha256(f"bench-document-{index}".encode()).hexdigest()
        return Row(index % CATEGORIES, f"bench-{index}.xlsx", sha, 40_000 + len(text), total, text,
                   " ".join(sorted(numbers)), json.dumps(breakdown))

    def _cells(self, rng: random.Random) -> tuple[list[str], Decimal, set[str]]:
        lines, numbers, total, size = ["Sheet1"], set(), Decimal(0), 0
        while size < TEXT_BYTES:
            words = " ".join(rng.choices(self.words, cum_weights=self._cumulative, k=rng.randint(3, 9)))
            code = f"{rng.choice('ABCDEFGHKLMNPQRSTX')}{rng.choice(('', 'X', 'P'))}-{rng.randint(10, 9999)}"
            amount = exact_decimal(round(rng.uniform(0, 100_000), rng.choice((0, 1, 2))))
            found, _ = numbers_in_text(f"{words}\t{code}")
            for value in (*found, amount):
                total += value
                numbers.add(display_number(value))
            line = f"{words}\t{code}\t{display_number(amount)}"
            lines.append(line)
            size += len(line) + 1
        return lines, total, numbers


class WorkbookFactory:
    """Real .xlsx files of a given size, each with different bytes so uploads are never duplicates."""

    def __init__(self, corpus: Corpus, target_bytes: int):
        import openpyxl

        rng = random.Random(target_bytes)
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "Prices"
        rows = 0
        while True:
            for _ in range(200):
                words = " ".join(rng.choices(corpus.words[:2000], k=3))
                sheet.append([words, f"X-{rng.randint(10, 999)}", rng.randint(1, 9999), round(rng.uniform(0, 500), 2)])
            rows += 200
            buffer = io.BytesIO()
            workbook.save(buffer)
            if buffer.tell() >= target_bytes:
                break
        self.cells = rows * 4
        self._base = buffer.getvalue()

    @property
    def size(self) -> int:
        """Return the size in bytes of every variant."""
        return len(self._base)

    def variant(self, key: str) -> bytes:
        """Return the workbook with a unique title, so its sha256 differs from every other variant."""
        source = zipfile.ZipFile(io.BytesIO(self._base))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == "docProps/core.xml":
                    data = re.sub(rb"<dc:title>.*?</dc:title>|(?=</cp:coreProperties>)",
                                  f"<dc:title>bench {key}</dc:title>".encode(), data, count=1)
                target.writestr(item, data)
        return out.getvalue()
