#!/usr/bin/env python3
"""Benchmark report: runs `lacl bench --json` over a list of rule sets and writes a markdown report
with the ratios measured in that one run (lacl against rte_acl's best implementation and against
the rte_hash floor) and PNG plots of throughput and memory against rule count, per family.

    /usr/bin/python3 bench/report.py --lacl build/classifier/cli/lacl \
        -o build/bench-report/report.md
    ninja -C build bench-report          # the same, through meson

Rule sets: the ClassBench sets in ../shared/rulesets when present (acl1, fw1, ipc1 at 1k, 10k and
100k by default; `--sets all` for every one there, up to --max-rules), generated ones (`lacl gen`,
profiles acl/fw/ipc, seed 1, 10 packets per rule) otherwise. rte_acl runs above 10K rules only with --big: its build takes ~13 s and several GiB at
100K. Plots need matplotlib (Debian: python3-matplotlib, which /usr/bin/python3 sees); without it
the report is written without plots.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

DEFAULT_SETS = "acl1_1k,fw1_1k,ipc1_1k,acl1_10k,fw1_10k,ipc1_10k,acl1_100k,fw1_100k,ipc1_100k"
BIG_RULES = 10_000


def parse_args():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lacl", default=os.path.join(root, "build", "classifier", "cli", "lacl"),
                   help="the lacl tool (default: build/classifier/cli/lacl)")
    p.add_argument("--shared", default=os.path.join(root, "..", "shared", "rulesets"),
                   help="directory of ClassBench *.rules.xz / *.trace.xz "
                        "(default: ../shared/rulesets)")
    p.add_argument("--sets", default=DEFAULT_SETS,
                   help="comma-separated set names <family><n>_<size>k, or 'all': every "
                        "ClassBench set in --shared up to --max-rules (default: %(default)s)")
    p.add_argument("--max-rules", type=int, default=100_000,
                   help="with --sets all, the largest sets to include (default: %(default)s)")
    p.add_argument("--generated", action="store_true",
                   help="use generated sets even when ClassBench sets are present")
    p.add_argument("--big", action="store_true", help="run rte_acl above 10K rules too")
    p.add_argument("--big-eal-mem", type=int, default=8192,
                   help="EAL memory (MiB) for rte_acl above 100K rules: acl1_500k's tables "
                        "take 2.1 GiB, over lacl bench's default (default: %(default)s)")
    p.add_argument("--repeat", type=int, default=5, help="timed samples per backend (best is kept)")
    p.add_argument("--min-packets", type=int, default=1_000_000, help="packets per timed sample")
    p.add_argument("-o", "--output",
                   default=os.path.join(root, "build", "bench-report", "report.md"),
                   help="markdown file to write; the PNGs go next to it")
    return p.parse_args()


def all_sets(args):
    """Every ClassBench set in --shared with both files, up to --max-rules: by size, then name."""
    names = []
    for f in os.listdir(args.shared) if os.path.isdir(args.shared) else []:
        m = re.fullmatch(r"([a-z]+\d*_\d+k)\.rules\.xz", f)
        if m and os.path.exists(os.path.join(args.shared, m.group(1) + ".trace.xz")):
            if set_size(m.group(1))[1] <= args.max_rules:
                names.append(m.group(1))
    if not names:
        sys.exit(f"report.py: --sets all: no ClassBench sets in {args.shared}")
    return sorted(names, key=lambda n: (set_size(n)[1], n))


def set_size(name):
    m = re.fullmatch(r"([a-z]+)(\d*)_(\d+)k", name)
    if not m:
        sys.exit(f"report.py: bad set name '{name}' (expected e.g. acl1_10k)")
    return m.group(1), int(m.group(3)) * 1000


def run(cmd, **kw):
    return subprocess.run(cmd, check=False, text=True, capture_output=True, **kw)


def prepare_set(args, name, work):
    """Returns (label, rules path, trace path), from ClassBench when present, else generated."""
    family, size = set_size(name)
    rules_xz = os.path.join(args.shared, name + ".rules.xz")
    if not args.generated and os.path.exists(rules_xz):
        paths = []
        for kind in ("rules", "trace"):
            out = os.path.join(work, f"{name}.{kind}")
            with open(out, "w") as f:
                subprocess.run(["xz", "-dc", os.path.join(args.shared, f"{name}.{kind}.xz")],
                               stdout=f, check=True)
            paths.append(out)
        return name, paths[0], paths[1]
    label = f"gen_{family}_{size // 1000}k"
    rules = os.path.join(work, label + ".rules")
    trace = os.path.join(work, label + ".trace")
    subprocess.run([args.lacl, "gen", "rules", "--profile", family, "--count", str(size),
                    "--seed", "1", "-o", rules], check=True)
    subprocess.run([args.lacl, "gen", "trace", rules, "--count", str(10 * size), "--seed", "2",
                    "-o", trace], check=True)
    return label, rules, trace


def fmt_bytes(b):
    if b is None:
        return "-"
    for unit, div in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= div:
            return f"{b / div:.1f} {unit}"
    return f"{b} B"


def ratio(a, b):
    return f"{a / b:.3g}x" if a is not None and b else "-"


def plot(results, outdir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return [], "matplotlib is not available to this interpreter (Debian: python3-matplotlib " \
                   "with /usr/bin/python3): no plots"
    families = sorted({r["family"] for r in results})
    files = []
    for metric, ylabel, key in (("throughput", "Mpps (burst 256, 1 core)", "mpps"),
                                ("memory", "bytes", "bytes")):
        fig, axes = plt.subplots(1, len(families), figsize=(5 * len(families), 4), squeeze=False)
        for ax, fam in zip(axes[0], families):
            rows = sorted((r for r in results if r["family"] == fam), key=lambda r: r["rules"])
            names = []
            for r in rows:
                for b in r["backends"]:
                    label = b["name"]
                    if label not in names:
                        names.append(label)
            for name in names:
                xs, ys = [], []
                for r in rows:
                    for b in r["backends"]:
                        if b["name"] == name:
                            xs.append(r["rules"])
                            ys.append(b[key])
                ax.plot(xs, ys, marker="o", label=name)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(fam)
            ax.set_xlabel("rules")
            ax.set_ylabel(ylabel)
            ax.grid(True, which="both", alpha=0.3)
            ax.legend()
        fig.tight_layout()
        path = os.path.join(outdir, metric + ".png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        files.append(os.path.basename(path))
    return files, None


def main():
    args = parse_args()
    if not os.access(args.lacl, os.X_OK):
        sys.exit(f"report.py: {args.lacl} is not an executable lacl tool "
                 "(build it, or pass --lacl)")
    have_dpdk = "rte_acl" in run([args.lacl, "bench", "--help"]).stdout
    outdir = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(outdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="lacl-report-")
    results, commands, failures = [], [], []
    try:
        names = all_sets(args) if args.sets == "all" else [s for s in args.sets.split(",") if s]
        for name in names:
            family, size = set_size(name)
            label, rules, trace = prepare_set(args, name, work)
            backends = ["lacl", "lacl_untuned"]
            if have_dpdk:
                if size <= BIG_RULES or args.big:
                    backends.append("rte_acl")
                backends.append("hash")
            cmd = [args.lacl, "bench", rules, trace, "--json", "--backend", ",".join(backends),
                   "--repeat", str(args.repeat), "--min-packets", str(args.min_packets)]
            if "rte_acl" in backends and size > 100_000:
                cmd += ["--eal-mem", str(args.big_eal_mem)]
            shown = " ".join(os.path.basename(c) if c in (rules, trace) else c for c in cmd)
            commands.append(shown.replace(args.lacl, "lacl"))
            print(f"report.py: {label}: {' '.join(backends)}", file=sys.stderr, flush=True)
            p = run(cmd)
            try:
                data = json.loads(p.stdout)
            except json.JSONDecodeError:
                failures.append(f"{label}: lacl bench failed: {p.stderr.strip()}")
                continue
            if p.returncode != 0:
                failures.append(f"{label}: {p.stderr.strip()}")
            data["label"] = label
            data["family"] = family
            results.append(data)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    plots, plot_note = plot(results, outdir) if results else ([], None)
    write_report(args, results, commands, failures, plots, plot_note, have_dpdk)
    print(f"report.py: wrote {args.output}", file=sys.stderr)
    return 1 if failures else 0


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def write_report(args, results, commands, failures, plots, plot_note, have_dpdk):
    def get(r, name):
        return next((b for b in r["backends"] if b["name"] == name), None)

    out = []
    out.append("# lacl benchmark report\n")
    now = datetime.datetime.now().isoformat(timespec="seconds")
    out.append(f"Generated {now} on {cpu_model()} ({os.cpu_count()} CPUs). One core, bursts of "
               f"256 packets, the best of {args.repeat} samples of at least {args.min_packets} "
               "packets, counting the thread's on-CPU time (cycles at the TSC rate). Every "
               "backend was verified against the reference before it was timed. Ratios compare "
               "numbers measured in the same run; absolute numbers on a shared machine are "
               "noisy. ClassBench traces repeat headers in bursts (about a third are distinct), "
               "which favours caches.\n")
    if not have_dpdk:
        out.append("This lacl was built without DPDK: no rte_acl or hash columns.\n")
    out.append("## Ratios\n")
    out.append("| set | rules | packets (distinct) | lacl Mpps | rte_acl Mpps (impl) | hash Mpps | "
               "throughput lacl/rte_acl | memory lacl/rte_acl | build lacl/rte_acl | "
               "throughput lacl/hash | untuned: throughput, build lacl/rte_acl |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        lacl, acl, hsh = get(r, "lacl"), get(r, "rte_acl"), get(r, "hash")
        fast = get(r, "lacl_untuned")
        out.append("| {} | {} | {} ({}) | {} | {} | {} | {} | {} | {} | {} | {}, {} |".format(
            r["label"], r["rules"], r["packets"], r.get("distinct_packets", "?"),
            f"{lacl['mpps']:.2f}" if lacl else "-",
            f"{acl['mpps']:.2f} ({acl['impl']})" if acl else "-",
            f"{hsh['mpps']:.2f}" if hsh else "-",
            ratio(lacl and lacl["mpps"], acl and acl["mpps"]),
            ratio(lacl and lacl["bytes"], acl and acl["bytes"]),
            ratio(lacl and lacl["build_ms"], acl and acl["build_ms"]),
            ratio(lacl and lacl["mpps"], hsh and hsh["mpps"]),
            ratio(fast and fast["mpps"], acl and acl["mpps"]),
            ratio(fast and fast["build_ms"], acl and acl["build_ms"])))
    out.append("\nThroughput ratio > 1: lacl is faster. Memory and build ratios < 1: lacl is "
               "smaller or builds faster. rte_acl's bytes are its run-time tables (EAL heap "
               "growth across rte_acl_build); lacl's are everything its classifier holds, rule "
               "rows included; the hash floor stores the trace's own distinct 5-tuples. lacl's "
               "build time includes its tuner's measurements (by default stopped once they have "
               "taken as long as the compile without them, `--tuning-ratio`, and at most 150 ms, "
               "`--tuning-budget-ms`); `lacl_untuned` is the same compiler without them (a zero "
               "budget): the partition and the indexes alone, with the default knobs.\n")
    out.append("## All numbers\n")
    out.append("| set | backend | impl | Mpps | cycles/pkt | build ms | bytes | mismatches |")
    out.append("|---|---|---|---:|---:|---:|---:|---:|")
    for r in results:
        for b in r["backends"]:
            out.append(f"| {r['label']} | {b['name']} | {b['impl'] or '-'} | {b['mpps']:.2f} | "
                       f"{b['cycles_per_pkt']:.1f} | {b['build_ms']:.1f} | "
                       f"{fmt_bytes(b['bytes'])} | {b['mismatches']} |")
    # The same note on several sets is listed once, with the sets it applies to.
    notes = {}
    for r in results:
        for n in r.get("notes", []) + [f"reference: {r['reference']}"]:
            notes.setdefault(n, []).append(r["label"])
    if notes:
        out.append("\n## Notes\n")
        out.extend(f"- {n} ({', '.join(sets)})" for n, sets in notes.items())
    if failures:
        out.append("\n## Failures\n")
        out.extend(f"- {f}" for f in failures)
    if plots or plot_note:
        out.append("\n## Plots\n")
        out.extend(f"![{p}]({p})" for p in plots)
        if plot_note:
            out.append(plot_note)
    out.append("\n## Commands\n")
    out.append("```")
    out.extend(commands)
    out.append("```\n")
    with open(args.output, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
