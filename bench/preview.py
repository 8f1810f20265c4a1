"""What a document page's preview costs the web process: reading the file (the baseline, as pages did before
previews were stored) against reading the preview the worker stored.

    .venv/bin/python bench/preview.py                  # the 2M-cell workbook of bench/extract.py (~30 MB)
    .venv/bin/python bench/preview.py --cells 200000

Baseline: open the workbook with python-calamine and read the first 21 rows of each of its first 10 sheets, the
way the page did. Ours: load the stored preview (the JSON the worker wrote, made once before timing) and turn it
into the objects the page renders. Each run is its own subprocess, so its peak resident memory is its own; the
best of several runs is kept. The last line printed is one JSON object.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _baseline(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    rows = sum(len(workbook.get_sheet_by_name(name).to_python(nrows=21)) for name in workbook.sheet_names[:10])
    workbook.close()
    return rows


def _ours(stored: Path) -> int:
    from webapp.workbook.preview import Preview

    preview = Preview.from_dict(json.loads(stored.read_text()))
    return sum(len(sheet.rows) for sheet in preview.sheets)


def measure(side: str, path: Path) -> None:
    """Run one side once in this process and print its time and peak memory as JSON."""
    if side == "ours":
        import webapp.workbook.preview  # noqa: F401 - imports are not part of the timing, for either side
    else:
        import python_calamine  # noqa: F401
    before_mb = _high_water_mb()
    started = time.perf_counter()
    rows = (_ours if side == "ours" else _baseline)(path)
    seconds = time.perf_counter() - started
    peak_mb = _high_water_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "added_mb": peak_mb - before_mb, "rows": rows}))


def _high_water_mb() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss it does not carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _run(side: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--measure", side, str(path)], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(cells: int, repeat: int) -> dict:
    """Store the preview once (as the worker does), then time both sides, alternating; keep each side's best."""
    from bench.extract import workbook
    from webapp.workbook.extract import extract

    path = workbook(cells)
    stored = Path(tempfile.gettempdir()) / f"preview-{cells}.json"
    stored.write_text(json.dumps(extract(path).preview.as_dict()))
    best: dict[str, dict] = {}
    for attempt in range(1, repeat + 1):
        for side, source in (("baseline", path), ("ours", stored)):
            result = _run(side, source)
            print(f"  {cells:>9,} cells  {side:<8} run {attempt}: {result['seconds']:7.3f} s  "
                  f"+{result['added_mb']:6.1f} MB (peak {result['peak_mb']:6.1f} MB)", flush=True)
            if side not in best or result["seconds"] < best[side]["seconds"]:
                best[side] = result
    return {"cells": cells, "file_mb": round(path.stat().st_size / 2**20, 1), "stored_kb": round(stored.stat().st_size / 1024, 1),
            "baseline_s": round(best["baseline"]["seconds"], 4), "ours_s": round(best["ours"]["seconds"], 4),
            "baseline_added_mb": round(best["baseline"]["added_mb"], 1), "ours_added_mb": round(best["ours"]["added_mb"], 1),
            "runs": repeat}


def main() -> None:
    """Print the comparison; the last line is one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=2_000_000, help="workbook size (default 2M cells, ~30 MB)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side")
    parser.add_argument("--measure", nargs=2, metavar=("SIDE", "PATH"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        measure(options.measure[0], Path(options.measure[1]))
        return
    result = compare(options.cells, options.repeat)
    print(f"preview of a {result['file_mb']} MB workbook: reading the file {result['baseline_s']} s "
          f"+{result['baseline_added_mb']} MB, the stored preview ({result['stored_kb']} KB) {result['ours_s']} s "
          f"+{result['ours_added_mb']} MB")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
