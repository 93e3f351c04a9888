#!/usr/bin/env python3
"""Checks what `lacl bench --json` promises, on a small set: for each backend run, the figures
bench/report.py reads (mpps, cycles_per_pkt, build_ms, bytes, mismatches), every answer
verified (no mismatch), and the build times' meaning: build_ms is the fastest of the --builds
timed, so it is never above first_build_ms (a backend built once reports the same figure
twice).

  bench/check_bench_json.py --lacl build/classifier/cli/lacl RULES TRACE [BACKEND,...]

Exit status: 0 when every check holds, 1 otherwise (each failure printed).
"""
import argparse
import json
import subprocess
import sys

FIELDS = ("mpps", "cycles_per_pkt", "build_ms", "first_build_ms", "bytes", "mismatches")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lacl", required=True, help="the lacl tool")
    p.add_argument("rules")
    p.add_argument("trace")
    p.add_argument("backends", help="comma-separated backends to run")
    args = p.parse_args()
    wanted = args.backends.split(",")
    cmd = [args.lacl, "bench", args.rules, args.trace, "--json", "--backend", args.backends,
           "--repeat", "1", "--min-packets", "10000", "--builds", "3"]
    run = subprocess.run(cmd, capture_output=True, text=True)
    failures = []
    if run.returncode != 0:
        failures.append(f"exit status {run.returncode}: {run.stderr.strip()}")
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError as e:
        print(f"check_bench_json: not JSON ({e}): {run.stdout[:200]!r}", file=sys.stderr)
        return 1
    rows = {b["name"]: b for b in report.get("backends", [])}
    for name in wanted:
        b = rows.get(name)
        if b is None:
            failures.append(f"{name}: no result")
            continue
        missing = [f for f in FIELDS if f not in b]
        if missing:
            failures.append(f"{name}: no {', '.join(missing)}")
            continue
        if b["mismatches"] != 0:
            failures.append(f"{name}: {b['mismatches']} mismatches")
        if not (b["mpps"] > 0 and b["cycles_per_pkt"] > 0 and b["bytes"] > 0):
            failures.append(f"{name}: a figure is not positive: {b}")
        if not 0 <= b["build_ms"] <= b["first_build_ms"]:
            failures.append(f"{name}: build_ms {b['build_ms']} is not the fastest build "
                            f"(first {b['first_build_ms']})")
    for f in failures:
        print(f"check_bench_json: {f}", file=sys.stderr)
    print(f"check_bench_json: {len(wanted)} backends, {len(failures)} failures", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
