"""Downloads of what the pages show, as .xlsx and .csv, from the same answers the pages and the JSON API read.

Each export is a list of sheets (`tables.Sheet`): a title, typed columns and a stream of rows. The same
sheets are written either way: `as_xlsx` into a streamed workbook file (xlsxwriter's constant_memory
mode, one row in memory at a time), `as_csv` as lines sent while they are made (the first sheet only).
Numbers stay exact (`tables.number_cell`) and no text can run as a formula in either format.
"""
