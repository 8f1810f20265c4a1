"""Peak memory of the web process while it accepts a 50 MB upload, against a baseline that reads it whole.

    .venv/bin/python bench/upload_memory.py [--mb 50]

Each row is a fresh gunicorn (one process, one thread, so the request runs in the process measured) on embedded
PostgreSQL and Redis: after one small warm-up upload its resident memory is read, then one upload of N MB (a CSV,
an accepted format) is sent and the process's peak resident memory (VmHWM) read again. Rows: the upload into the
local folder, into SeaweedFS (S3), and the baseline, the same app with the spool replaced by reading the whole
upload into memory (bench/_whole_upload_app.py). No worker runs: only the request is measured. The last line
printed is one JSON object.
"""

import argparse
import json
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._servers import Stack  # noqa: E402
from webapp.embedded import EmbeddedS3  # noqa: E402


def _csv(megabytes: int) -> bytes:
    line = b"12.5,order 7 of 3.25 kg,1234.50,widget,42\n"
    return line * (megabytes * 2**20 // len(line) + 1)


def _post(url: str, filename: str, content: bytes) -> int:
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return response.status


def _memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def measure(stack: Stack, app: str, content: bytes, label: str, settings: dict[str, str]) -> dict:
    """Serve the app afresh, warm it up, send one big upload and return its peak memory growth."""
    # The limit is raised above the upload: a 50 MB file plus its multipart framing is just over 50 MB.
    limit = str(len(content) // 2**20 + 10)
    base, master = stack.serve(app=app, workers=1, threads=1, MAX_UPLOAD_MB=limit, **settings)
    try:
        category = f"memory-{uuid.uuid4().hex[:8]}"
        body = json.dumps({"name": category, "region": "Bench", "type": "memory"}).encode()
        urllib.request.urlopen(urllib.request.Request(f"{base}/api/categories", data=body,
                                                      headers={"Content-Type": "application/json"}), timeout=30)
        _post(f"{base}/api/categories/{category}/files", "warm-up.csv", _csv(1)[:50_000])
        (worker,) = psutil.Process(master.pid).children()
        before = _memory_kb(worker.pid, "VmRSS")
        started = time.monotonic()
        status = _post(f"{base}/api/categories/{category}/files", "big.csv", content)
        seconds = time.monotonic() - started
        peak = _memory_kb(worker.pid, "VmHWM")
    finally:
        stack.stop(master)
    row = {"status": status, "rss_before_mb": round(before / 1024, 1), "peak_mb": round(peak / 1024, 1),
           "peak_growth_mb": round((peak - before) / 1024, 1), "seconds": round(seconds, 2)}
    print(f"{label:<34} status {status}  before {row['rss_before_mb']:>6} MB  peak {row['peak_mb']:>6} MB  "
          f"growth {row['peak_growth_mb']:>6} MB  {seconds:5.2f} s", flush=True)
    return row


def main() -> None:
    """Measure each row and print one JSON object last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args()
    content = _csv(args.mb)[: args.mb * 2**20]
    stack = Stack("postgres")
    s3 = EmbeddedS3(stack.folder / "s3")
    try:
        stack.start_databases()
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=stack.env,
                       check=True, capture_output=True)
        s3_settings = s3.start()
        print(f"upload of {len(content) / 2**20:.0f} MB; peak = VmHWM of the one gunicorn process", flush=True)
        rows = {
            "local_folder": measure(stack, "wsgi:app", content, "spooled, local folder", {}),
            "s3": measure(stack, "wsgi:app", content, "spooled, SeaweedFS (S3)", s3_settings),
            "baseline_whole_in_memory": measure(stack, "bench._whole_upload_app:app", content,
                                                "baseline: read whole into memory", {}),
        }
    finally:
        s3.stop()
        stack.close()
    baseline = rows["baseline_whole_in_memory"]["peak_growth_mb"]
    for name in ("local_folder", "s3"):
        rows[name]["baseline_growth_ratio"] = round(baseline / max(rows[name]["peak_growth_mb"], 0.1), 1)
    print(json.dumps({"upload_mb": args.mb, "rows": rows}))


if __name__ == "__main__":
    main()
