"""Reading one workbook file: sniff, archive checks, sheets, CSV, numbers, extract, preview.

Pure Python: no Flask, no database, and no import from the rest of `webapp`. Feed it a path, get
text, an exact sum and per-sheet facts.
"""
