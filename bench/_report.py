"""Turn the bench's figures into growth ratios, baseline ratios and a plain-text table."""

TARGETS_P95_MS = {
    "search_api_common": 100, "search_api_rare": 100, "search_api_phrase": 100, "search_api_filtered": 100,
    "regions_api_common": 100, "regions_api_rare": 100, "sum_type": 10, "sum_type_1_client": 10,
    "dashboard": 150, "dashboard_1_client": 150, "upload_100kb": 50,
}
GROWTH_TARGET = 3.0
_BASELINES = {"sum_type": "baseline_sum_type", "upload_100kb": "baseline_upload_100kb",
              "upload_1mb": "baseline_upload_1mb"}


def derive(result: dict) -> None:
    """Add `growth` (p95 at full size ÷ p95 at the first step) and `baseline_ratios` (baseline p95 ÷ p95)."""
    steps = sorted(result["steps"], key=int)
    first, last = result["steps"][steps[0]], result["steps"][steps[-1]]
    result["growth"] = {
        name: round(last[name]["p95_ms"] / first[name]["p95_ms"], 2)
        for name in last if not name.startswith("baseline") and first.get(name, {}).get("p95_ms")
    } if len(steps) > 1 else {}
    measured = {**last, **result.get("uploads", {})}
    if "upload_1mb" in measured:
        # Ten times the cells: the upload should cost about the same, processing inside the request should not.
        result["upload_1mb_vs_100kb_p95"] = {
            name: round(measured[f"{prefix}1mb"]["p95_ms"] / measured[f"{prefix}100kb"]["p95_ms"], 2)
            for name, prefix in (("upload", "upload_"), ("baseline", "baseline_upload_"))
        }
    result["baseline_ratios"] = {
        name: round(measured[baseline]["p95_ms"] / measured[name]["p95_ms"], 1)
        for name, baseline in _BASELINES.items() if name in measured and baseline in measured
    }


def _verdict(name: str, p95: float) -> str:
    target = TARGETS_P95_MS.get(name)
    if target is None:
        return ""
    return f"≤{target} ok" if p95 <= target else f"≤{target} MISSED"


def print_report(result: dict) -> None:
    """Print the figures as tables a person can read."""
    derive(result)
    steps = sorted(result["steps"], key=int)
    last = result["steps"][steps[-1]]
    print(f"\nbackend={result['backend']} ({result['search_server']}) docs={result['docs']:,} clients={result['clients']} "
          f"machine: {result['machine']['cpus']} cpus, {result['machine']['memory_gb']} GB")
    for step, seconds in result["load_seconds"].items():
        print(f"load up to {int(step):,} documents: copy {seconds['copy']} s, index {seconds['index']} s")
    header = f"{'path':<24}" + "".join(f"{f'p50@{int(s):,}':>12}{f'p95@{int(s):,}':>12}" for s in steps)
    print("\n" + header + f"{'req/s':>9}{'growth':>8}  target")
    for name, figures in last.items():
        if name.startswith("baseline"):
            continue
        cells = "".join(f"{result['steps'][s].get(name, {}).get('p50_ms', float('nan')):>12.1f}"
                        f"{result['steps'][s].get(name, {}).get('p95_ms', float('nan')):>12.1f}" for s in steps)
        growth = result["growth"].get(name)
        growth_text = f"{growth:>7.2f}×" if growth is not None else f"{'':>8}"
        print(f"{name:<24}{cells}{figures['requests_per_s']:>9.1f}{growth_text}  {_verdict(name, figures['p95_ms'])}")
    _print_baselines(result)
    if "upload_1mb_vs_100kb_p95" in result:
        ratio = result["upload_1mb_vs_100kb_p95"]
        print(f"1 MB workbook (10× the cells) ÷ 100 KB, p95: upload {ratio['upload']}×, "
              f"processing inside the request {ratio['baseline']}×")
    for name, run in result.get("workers", {}).items():
        print(f"{name.replace('_', ' ')} process(es): {run['documents_per_s']} documents/s end to end "
              f"({run['processed']} done, {run['failed']} failed in {run['seconds']} s)")
    print(f"category totals that disagree with their documents: {result.get('totals_mismatches')}")


def _print_baselines(result: dict) -> None:
    measured = {**result["steps"][max(result["steps"], key=int)], **result.get("uploads", {})}
    print(f"\n{'compared with baseline':<24}{'p50':>10}{'p95':>10}{'req/s':>9}{'base p95':>11}{'base req/s':>11}"
          f"{'p95 ratio':>10}  target")
    for name, baseline in _BASELINES.items():
        if name not in measured or baseline not in measured:
            continue
        ours, theirs = measured[name], measured[baseline]
        print(f"{name:<24}{ours['p50_ms']:>10.1f}{ours['p95_ms']:>10.1f}{ours['requests_per_s']:>9.1f}"
              f"{theirs['p95_ms']:>11.1f}{theirs['requests_per_s']:>11.1f}"
              f"{result['baseline_ratios'][name]:>9.1f}×  {_verdict(name, ours['p95_ms'])}")
