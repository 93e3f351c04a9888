#!/usr/bin/env python3
"""End-to-end throughput of lacl-dataplane, lacl backend against rte_acl backend, in one run.

What it measures: Mpps per worker lcore of the whole application (RX burst, parsing, one classify
call per burst, actions, buffered TX) with 64-byte frames, on net_ring loopback ports: before the
workers start, lacl-dataplane --inject sends the frames into every TX queue; a net_ring vdev
without arguments uses one ring for RX and TX of each queue, so every forwarded frame comes back
and circulates. The rule sets here have no action column, so every rule (and the default) accepts
and no frame leaves the loop; the script checks that nothing was dropped or malformed.

Data: ClassBench acl1_100k (rules and trace) from the shared rule sets when present, else a
generated 100K ACL set and a trace drawn from it (`lacl gen`). The frames are `--frames` headers
taken at an even stride over the whole trace (a net_ring ring holds 1023 frames and paired ports
forward into each other's rings, so they are spread over `--rings` loopback ports,
`--per-queue` <= 511 each): every frame is classified again on
every lap, so the working set is those headers, not the whole trace; say so when quoting.

Each backend runs the same command (only --backend differs): main lcore 0 runs the control loop,
one worker lcore forwards (-l 0-1: the honest configuration on a 2-core machine). Mpps per
worker lcore is the report's lcores[].mpps: packets the worker received over the measured
interval (after --warmup, until --duration ends). Both backends are cross-checked against the
reference at load (lacl-dataplane's default verification).

  bench/dataplane_throughput.py --build build            # acl1_100k, ~1-2 minutes
  bench/dataplane_throughput.py --build build --smoke    # a few seconds, for the test suite

Writes a JSON result (--json) and prints a table, the ratio lacl/rte_acl and the command to
reproduce. Exit status: 0 ok, 1 a run failed or a check did not hold.
"""
import argparse
import json
import lzma
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

TARGET_MPPS = 14.88  # 10GbE line rate with 64-byte frames


def fail(message):
    print(f"dataplane_throughput: {message}", file=sys.stderr)
    sys.exit(1)


def run(argv, timeout):
    r = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        fail(f"{' '.join(map(str, argv))} exited {r.returncode}:\n{r.stderr[-4000:]}")
    return r


def unxz(src, dst):
    with lzma.open(src, "rb") as i, open(dst, "wb") as o:
        shutil.copyfileobj(i, o)
    return dst


def data(args, work):
    """(rules, trace, description): the shared set when present, else generated ones."""
    if args.rules:
        if not args.trace:
            fail("--rules needs --trace")
        return args.rules, args.trace, os.path.basename(args.rules)
    shared = os.path.join(args.shared, args.set)
    if not args.generate and os.path.exists(shared + ".rules.xz") and os.path.exists(shared + ".trace.xz"):
        rules = unxz(shared + ".rules.xz", os.path.join(work, args.set + ".rules"))
        trace = unxz(shared + ".trace.xz", os.path.join(work, args.set + ".trace"))
        return rules, trace, f"ClassBench {args.set}"
    rules = os.path.join(work, f"gen_acl_{args.count}.rules")
    trace = os.path.join(work, f"gen_acl_{args.count}.trace")
    run([args.lacl, "gen", "rules", "--profile", "acl", "--count", args.count, "--seed", 1, "-o", rules], 600)
    run([args.lacl, "gen", "trace", rules, "--count", max(args.frames, 10 * args.count), "--seed", 2,
         "-o", trace], 600)
    return rules, trace, f"generated acl {args.count} (lacl gen, seed 1)"


def sample_trace(trace, n, out):
    """n lines at an even stride over the whole trace (all of it when shorter)."""
    with open(trace) as f:
        lines = [l for l in f if l.strip()]
    if not lines:
        fail(f"{trace}: empty trace")
    stride = max(1, len(lines) // n)
    picked = lines[::stride][:n]
    with open(out, "w") as f:
        f.writelines(picked)
    return len(picked), len(lines)


def dataplane_argv(args, rules, pcap, backend, report, prefix):
    eal = [args.dataplane, "-l", args.lcores, "--no-huge", "-m", args.eal_mem, "--no-pci",
           "--file-prefix", prefix, "--log-level", "*:warning",
           # rte_acl's best implementation (AVX512X32) needs it; lacl is not affected.
           "--force-max-simd-bitwidth=512"]
    for r in range(args.rings):
        eal += ["--vdev", f"net_ring{r}"]
    return [*eal, "--", "--rules", rules, "--backend", backend, "--inject", pcap,
            "--inject-per-queue", args.per_queue, "--burst", args.burst,
            "--duration", args.duration, "--warmup", args.warmup, "--report", report, "--quiet"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", help="build directory (finds the three tools in it)")
    p.add_argument("--dataplane", help="lacl-dataplane (default: BUILD/dataplane/lacl-dataplane)")
    p.add_argument("--pcapgen", help="lacl-pcapgen (default: BUILD/dataplane/lacl-pcapgen)")
    p.add_argument("--lacl", help="lacl (default: BUILD/classifier/cli/lacl)")
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument("--shared", default=os.path.join(here, "..", "..", "shared", "rulesets"),
                   help="ClassBench sets (xz); default: ../shared/rulesets beside the checkout")
    p.add_argument("--set", default="acl1_100k", help="ClassBench set name in --shared")
    p.add_argument("--generate", action="store_true", help="use a generated set even when --shared has one")
    p.add_argument("--count", type=int, default=100000, help="rules of the generated set")
    p.add_argument("--rules", help="a rule file instead (with --trace)")
    p.add_argument("--trace", help="its trace")
    p.add_argument("--backends", default="lacl,rte_acl")
    p.add_argument("--lcores", default="0-1", help="EAL -l: the main lcore, then the worker lcores")
    p.add_argument("--rings", type=int, default=16, help="net_ring loopback ports")
    p.add_argument("--per-queue", type=int, default=500,
                   help="frames injected per ring; ports are paired (0<->1, ...), so a ring can "
                        "hold its own and its peer's: at most 511 with 2+ rings, 1023 with one")
    p.add_argument("--burst", type=int, default=32)
    p.add_argument("--duration", type=float, default=10.0, help="seconds of forwarding per backend")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds before the measured interval")
    p.add_argument("--eal-mem", type=int, default=2048, help="EAL -m (rte_acl's tables for 100K rules: ~440 MiB)")
    p.add_argument("--json", help="write the result here")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--smoke", action="store_true",
                   help="a few seconds: generated 1000-rule set, 2 rings, 0.6 s runs (for the test suite)")
    args = p.parse_args()
    if args.smoke:
        args.generate, args.count = True, 1000
        args.rings, args.per_queue, args.duration, args.warmup, args.eal_mem = 2, 256, 0.6, 0.2, 256
    for tool, rel in (("dataplane", "dataplane/lacl-dataplane"), ("pcapgen", "dataplane/lacl-pcapgen"),
                      ("lacl", "classifier/cli/lacl")):
        if getattr(args, tool) is None:
            if not args.build:
                fail(f"give --build or --{tool}")
            setattr(args, tool, os.path.join(args.build, rel))
        setattr(args, tool, os.path.abspath(getattr(args, tool)))
    workers = len(expand_lcores(args.lcores)) - 1
    if workers < 1:
        fail("--lcores needs a main lcore and at least one worker lcore")
    args.frames = args.rings * args.per_queue * workers

    work = tempfile.mkdtemp(prefix="lacl-dp-throughput-")
    try:
        rules, trace, source = data(args, work)
        sub = os.path.join(work, "frames.trace")
        frames, trace_lines = sample_trace(trace, args.frames, sub)
        pcap = os.path.join(work, "frames.pcap")
        run([args.pcapgen, rules, sub, "-o", pcap, "--frame-size", 64], 600)
        with open(rules) as f:
            rule_count = sum(1 for l in f if l.strip() and not l.startswith("#"))

        results, commands = {}, {}
        for backend in args.backends.split(","):
            report = os.path.join(work, f"{backend}.json")
            argv = dataplane_argv(args, rules, pcap, backend, report, f"lacl-dp-tput-{os.getpid()}-{backend}")
            commands[backend] = " ".join(shlex.quote(str(a)) for a in argv)
            t0 = time.time()
            run(argv, timeout=args.duration + 900)
            rep = json.load(open(report))
            totals = rep["totals"]
            if totals["dropped"] or totals["malformed"] or totals["rx"] != totals["tx"]:
                fail(f"{backend}: frames left the loop: {totals}")
            if not rep["lcores"]:
                fail(f"{backend}: no per-worker measurement in the report")
            gen = rep["generations"][-1]
            results[backend] = {
                "mpps_per_worker_lcore": [round(l["mpps"], 3) for l in rep["lcores"]],
                "packets_per_worker_lcore": [l["packets"] for l in rep["lcores"]],
                "worker_lcores": [l["lcore"] for l in rep["lcores"]],
                "measured_s": rep["measured_s"],
                "algorithm": rep["classifier"]["algorithm"],
                "classifier_bytes": rep["classifier"]["bytes"],
                "load_ms": gen["load_ms"],
                "wall_s": round(time.time() - t0, 1),
            }

        mean = lambda b: sum(results[b]["mpps_per_worker_lcore"]) / len(results[b]["mpps_per_worker_lcore"])
        ratio = mean("lacl") / mean("rte_acl") if "lacl" in results and "rte_acl" in results else None
        me = ["python3", os.path.abspath(__file__)] + [os.path.abspath(a) if os.path.exists(a) else a
                                                          for a in sys.argv[1:]]
        out = {
            "rules": source,
            "rule_lines": rule_count,
            "frames": frames,
            "trace_lines": trace_lines,
            "frame_bytes": 64,
            "rings": args.rings,
            "per_queue": args.per_queue,
            "burst": args.burst,
            "lcores": args.lcores,
            "worker_lcores": workers,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "backends": results,
            "ratio_lacl_over_rte_acl": round(ratio, 3) if ratio else None,
            "target_mpps_per_worker_lcore": TARGET_MPPS,
            "lacl_meets_target": mean("lacl") >= TARGET_MPPS if "lacl" in results else None,
            "reproduce": " ".join(shlex.quote(a) for a in me),
            "dataplane_commands": commands,
        }
        print(f"lacl-dataplane end to end: {source} ({rule_count} rules), {frames} distinct 64-byte "
              f"frames (an even stride over {trace_lines} trace lines) circulating on {args.rings} "
              f"net_ring loopback port(s); lcores {args.lcores} ({workers} worker), burst {args.burst}, "
              f"{args.duration - args.warmup:.1f} s measured after {args.warmup:.1f} s warm-up")
        print(f"{'backend':10} {'Mpps/worker lcore':>18} {'algorithm':>10} {'bytes':>12} {'load ms':>9}")
        for b, r in results.items():
            print(f"{b:10} {', '.join(f'{m:.2f}' for m in r['mpps_per_worker_lcore']):>18} "
                  f"{r['algorithm']:>10} {r['classifier_bytes']:>12} {r['load_ms']:>9.0f}")
        if ratio:
            print(f"lacl / rte_acl: {ratio:.2f}x; target {TARGET_MPPS} Mpps per worker lcore with lacl: "
                  f"{'met' if out['lacl_meets_target'] else 'NOT met'}")
        print("reproduce: " + out["reproduce"])
        if args.json:
            with open(args.json, "w") as f:
                json.dump(out, f, indent=2)
                f.write("\n")
        return 0
    finally:
        if args.keep:
            print(f"work directory: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def expand_lcores(spec):
    """EAL -l list ("0-1", "0,2-3") as a list of lcore ids."""
    out = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out += range(int(lo), int(hi or lo) + 1)
    return out


if __name__ == "__main__":
    sys.exit(main())
