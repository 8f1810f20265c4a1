"""Spreadsheet column names (A, B, …, AB) and their 0-based indexes, for cell references like `Prices!B7`."""


def column_index(letters: str) -> int:
    """Return the 0-based index of a column name (A → 0, AB → 27)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def column_letters(index: int) -> str:
    """Return the name of a 0-based column index (0 → A, 27 → AB)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name
