#!/usr/bin/env python3
"""Integration tests of lacl-dataplane over DPDK virtual devices: no hugepages, no PCI.

Each scenario starts lacl-dataplane with `--no-huge -m 256 --no-pci` and a unique
`--file-prefix`, feeds it pcap files, and checks its JSON report (and the pcap it wrote)
against the reference linear scan, computed by lacl-pcapgen --reference.

  replay     rule_hits equal the reference histogram exactly, rx == tx + dropped + malformed,
             and the TX pcap holds exactly the accepted frames, in order
  malformed  every malformed kind is counted and given the default action (accept and drop)
  swap       hot swaps by SIGHUP and by telemetry while traffic flows (net_pcap infinite_rx):
             every packet is counted once, and each generation's per-rule hits equal the
             reference of its rule set over exactly the stretch of traffic it classified;
             corrupt rule files are refused and traffic goes on
  artifact   the replay checks with --artifact (lacl compile -o), then hot swaps between
             artifacts; a damaged artifact is refused
  workers    two worker lcores (lcores 0-2, two queues) give the same totals as one
  null       net_null with two workers and RSS configured: starts, forwards, stops cleanly
  rte_acl    --backend rte_acl gives exactly the lacl backend's and the reference's counters and
             TX pcap, from a rule file and from an artifact, and keeps them across hot swaps;
             a bad --backend is refused with a clear error
  loopback   --inject into a net_ring loopback port: frames circulate, the report gives packets
             and Mpps per worker lcore over the measured interval (both backends); --packets
             that never arrive stop on --idle-timeout with exit status 3
  rss        real flow spreading: one net_tap port with two queues inside a private network
             namespace; the kernel's tun driver spreads the flows the test sends into the tap
             over the queues; both workers receive some and the totals and per-rule hits equal
             the reference exactly (skipped, exit 77, without root, `ip netns` or a usable tun)

Exit status: 0 pass, 1 fail, 77 skipped.
"""
import argparse
import glob
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

RUN_TIMEOUT = 90
# Lcores 0-2 (main + two workers) floating over CPUs 0-1: the machines here have two cores.
THREE_LCORES = "(0-2)@(0-1)"


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


# ---------------------------------------------------------------------------------------------
# pcap files (classic format; DPDK's net_pcap writes the nanosecond magic)

def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    check(len(data) >= 24, f"{path}: no pcap header")
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    else:
        endian = ">"
        check(struct.unpack_from(">I", data, 0)[0] in (0xA1B2C3D4, 0xA1B23C4D), f"{path}: not a pcap")
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack_from(endian + "IIII", data, off)
        off += 16
        frames.append(data[off:off + caplen])
        off += caplen
    check(off == len(data), f"{path}: truncated record at byte {off}")
    return frames


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)))
            f.write(fr)


def ipv4_frame(src, dst, proto, sport=0, dport=0, size=64, ihl=5, total=None, vlan=None,
               ether_type=0x0800, version=4):
    """An Ethernet/IPv4 frame with fields as given (so malformed ones can be made)."""
    eth = bytes.fromhex("020000000001020000000002")
    if vlan is not None:
        eth += struct.pack(">HH", 0x8100, vlan)
    eth += struct.pack(">H", ether_type)
    header_len = max(ihl, 5) * 4
    l4 = struct.pack(">HH", sport, dport) + bytes(16 if proto == 6 else 4 if proto == 17 else 0)
    body_len = max(size - len(eth), header_len + len(l4))
    if total is None:
        total = body_len
    ip = struct.pack(">BBHHHBBH4s4s", (version << 4) | ihl, 0, total, 1, 0, 64, proto, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip += bytes([1] * (header_len - 20))
    frame = eth + ip + l4
    return frame + bytes(len(eth) + body_len - len(frame))


# ---------------------------------------------------------------------------------------------
# running the tools

class Env:
    def __init__(self, args, scenario):
        self.dataplane = args.dataplane
        self.pcapgen_bin = args.pcapgen
        self.lacl = args.lacl
        self.dir = tempfile.mkdtemp(prefix=f"lacl-dp-{scenario}-")
        self.prefix = f"lacl-dp-{scenario}-{os.getpid()}"
        self.runs = 0

    def path(self, name):
        return os.path.join(self.dir, name)

    def tool(self, *argv):
        r = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise Failure(f"{' '.join(map(str, argv))} failed ({r.returncode}):\n{r.stderr}")
        return r.stdout

    def gen_rules(self, name, count, seed, profile="acl"):
        path = self.path(name)
        self.tool(self.lacl, "gen", "rules", "--profile", profile, "--count", count, "--seed", seed,
                  "-o", path)
        return path

    def gen_trace(self, name, rules, count, seed, zipf=0.0):
        path = self.path(name)
        self.tool(self.lacl, "gen", "trace", rules, "--count", count, "--seed", seed, "--zipf", zipf,
                  "-o", path)
        return path

    def pcapgen(self, rules, trace, pcap, reference, *extra):
        self.tool(self.pcapgen_bin, rules, trace, "-o", pcap, "--reference", reference, *extra)
        with open(reference) as f:
            return json.load(f)

    def eal(self, lcores, vdevs):
        self.runs += 1
        args = [self.dataplane, "--lcores" if "@" in lcores else "-l", lcores, "--no-huge", "-m", "256", "--no-pci",
                "--file-prefix", f"{self.prefix}-{self.runs}", "--log-level", "*:warning"]
        for v in vdevs:
            args += ["--vdev", v]
        return args + ["--"]

    def run(self, lcores, vdevs, options, expect_ok=True):
        argv = [str(a) for a in self.eal(lcores, vdevs) + options]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        if expect_ok and r.returncode != 0:
            raise Failure(f"lacl-dataplane exited {r.returncode}\ncommand: {' '.join(argv)}\n"
                          f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        return r

    def start(self, lcores, vdevs, options):
        argv = [str(a) for a in self.eal(lcores, vdevs) + options]
        out = open(self.path(f"run{self.runs}.out"), "w")
        err = open(self.path(f"run{self.runs}.err"), "w")
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        proc.log_paths = (out.name, err.name)
        return proc

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def load_json(path):
    with open(path) as f:
        return json.load(f)


def with_actions(src, dst, every_drop=5, every_port0=11, every_bad_port=13):
    """Copies a ClassBench rule file adding an action column: a mix of accept, drop,
    accept:0 (a valid port) and accept:9 (no such port: forwarded to the paired port)."""
    with open(src) as f:
        lines = [l.rstrip("\r\n").rstrip("\t ") for l in f if l.strip()]
    out = []
    for i, l in enumerate(lines):
        if i % every_drop == every_drop - 1:
            action = "drop"
        elif i % every_port0 == 3:
            action = "accept:0"
        elif i % every_bad_port == 4:
            action = "accept:9"
        else:
            action = "accept"
        out.append(f"{l}\t{action}")
    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")
    return dst


def check_accounting(report, what):
    for p in report["ports"]:
        check(p["rx"] == p["tx"] + p["dropped"] + p["malformed"],
              f"{what}: port {p['port']}: rx {p['rx']} != tx {p['tx']} + dropped {p['dropped']}"
              f" + malformed {p['malformed']}")


# ---------------------------------------------------------------------------------------------
# scenarios

def scenario_replay(env):
    rules = with_actions(env.gen_rules("acl.rules", 1000, 5), env.path("acl-actions.rules"))
    trace = env.gen_trace("acl.trace", rules, 20000, 6, zipf=0.8)
    pcap_in, pcap_out, report = env.path("in.pcap"), env.path("out.pcap"), env.path("report.json")
    ref = env.pcapgen(rules, trace, pcap_in, env.path("ref.json"), "--vlan-every", "5",
                      "--options-every", "7")
    n = ref["packets"]
    # -l 0: the main lcore is the only worker (control moves to a control thread).
    env.run("0", [f"net_pcap0,rx_pcap={pcap_in},tx_pcap={pcap_out}"],
            ["--rules", rules, "--packets", n, "--report", report, "--tuning-budget-ms", "20"])
    rep = load_json(report)

    check(len(rep["rule_hits"]) == ref["rules"], "rule_hits is not sized to the rule set")
    if rep["rule_hits"] != ref["rule_hits"]:
        diff = [(i, a, b) for i, (a, b) in enumerate(zip(rep["rule_hits"], ref["rule_hits"])) if a != b]
        raise Failure(f"rule_hits differ from the reference at {len(diff)} rules, first: {diff[:5]}")
    check(rep["default_hits"] == ref["default_hits"],
          f"default_hits {rep['default_hits']} != reference {ref['default_hits']}")
    port = rep["ports"][0]
    check(port["rx"] == n, f"rx {port['rx']} != {n} frames in the pcap")
    check(port["malformed"] == 0, f"{port['malformed']} well-formed frames counted as malformed")
    check(port["tx"] == ref["accepted"], f"tx {port['tx']} != accepted {ref['accepted']}")
    check(port["dropped"] == ref["dropped"], f"dropped {port['dropped']} != {ref['dropped']}")
    check_accounting(rep, "replay")

    frames_in, frames_out = read_pcap(pcap_in), read_pcap(pcap_out)
    expected = [fr for fr, d in zip(frames_in, ref["decisions"]) if d == "A"]
    check(len(frames_out) == len(expected),
          f"out.pcap holds {len(frames_out)} frames, expected the {len(expected)} accepted ones")
    for i, (a, b) in enumerate(zip(frames_out, expected)):
        check(a == b, f"out.pcap frame {i} differs from the {i}-th accepted input frame")
    return f"{n} frames, {ref['accepted']} forwarded, {ref['dropped']} dropped, hits exact"


def scenario_malformed(env):
    rules = env.path("one.rules")
    with open(rules, "w") as f:
        f.write("@10.0.0.1/32\t192.168.1.2/32\t0 : 65535\t80 : 80\t0x06/0xFF\t0x0000/0x0000\tdrop\n")
    match = ipv4_frame("10.0.0.1", "192.168.1.2", 6, 1234, 80)
    miss = ipv4_frame("10.0.0.9", "192.168.1.2", 6, 1234, 80)
    kinds = {
        "truncated": [
            match[:10],                                             # inside Ethernet
            ipv4_frame("1.1.1.1", "2.2.2.2", 6, vlan=7)[:16],       # inside the 802.1Q tag
            match[:14 + 12],                                        # inside the IPv4 header
            ipv4_frame("1.1.1.1", "2.2.2.2", 6, 1, 2, total=22),    # ports beyond the IP packet
        ],
        "not_ipv4": [
            ipv4_frame("1.1.1.1", "2.2.2.2", 6, ether_type=0x0806),
            ipv4_frame("1.1.1.1", "2.2.2.2", 6, ether_type=0x86DD),
            ipv4_frame("1.1.1.1", "2.2.2.2", 6, ether_type=0x88A8),
            ipv4_frame("1.1.1.1", "2.2.2.2", 6, version=6),
        ],
        "bad_ihl": [
            ipv4_frame("10.0.0.1", "192.168.1.2", 6, 1234, 80, ihl=4),
            ipv4_frame("10.0.0.1", "192.168.1.2", 6, 1234, 80, ihl=0),
            ipv4_frame("10.0.0.1", "192.168.1.2", 17, ihl=15, size=60)[:60],  # 60-byte header in 46
        ],
        "bad_total_length": [
            ipv4_frame("10.0.0.1", "192.168.1.2", 6, 1234, 80, total=19),
            ipv4_frame("10.0.0.1", "192.168.1.2", 6, 1234, 80, total=1400),
        ],
    }
    # Interleave: valid frames between malformed ones, so one burst mixes both.
    frames, is_malformed = [], []
    for kind, fs in kinds.items():
        for fr in fs:
            frames += [fr, match, miss]
            is_malformed += [True, False, False]
    pcap_in = env.path("in.pcap")
    write_pcap(pcap_in, frames)

    for default in ("accept", "drop"):
        pcap_out, report = env.path(f"out-{default}.pcap"), env.path(f"report-{default}.json")
        env.run("0-1", [f"net_pcap0,rx_pcap={pcap_in},tx_pcap={pcap_out}"],
                ["--rules", rules, "--format", "classbench", "--default-action", default,
                 "--packets", len(frames), "--report", report])
        rep = load_json(report)
        port = rep["ports"][0]
        for kind, fs in kinds.items():
            check(rep["malformed_by_kind"][kind] == len(fs),
                  f"default {default}: {kind}: counted {rep['malformed_by_kind'][kind]}, sent {len(fs)}")
        n_bad = sum(is_malformed)
        check(port["malformed"] == n_bad, f"malformed {port['malformed']} != {n_bad}")
        check(port["rx"] == len(frames), f"rx {port['rx']} != {len(frames)}")
        check_accounting(rep, f"default {default}")
        check(rep["rule_hits"] == [n_bad], f"rule_hits {rep['rule_hits']} != [{n_bad}]")
        check(rep["default_hits"] == n_bad, f"default_hits {rep['default_hits']} != {n_bad}")
        out = read_pcap(pcap_out)
        if default == "accept":
            expected = [fr for fr in frames if fr != match]
        else:
            expected = []
        check(out == expected, f"default {default}: out.pcap holds {len(out)} frames, expected "
              f"{len(expected)} (malformed and unmatched frames take the default action)")
    return f"{sum(len(v) for v in kinds.values())} malformed frames of {len(kinds)} kinds"


class Telemetry:
    def __init__(self, prefix, timeout=30):
        roots = ["/var/run/dpdk", os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent"), "dpdk"),
                 "/tmp/dpdk"]
        deadline = time.time() + timeout
        while True:
            paths = [p for r in roots for p in glob.glob(os.path.join(r, prefix, "dpdk_telemetry.v2"))]
            if paths:
                try:
                    self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                    self.sock.connect(paths[0])
                    info = json.loads(self.sock.recv(16384).decode())
                    self.max_len = info.get("max_output_len", 16384)
                    return
                except OSError:
                    pass
            check(time.time() < deadline, f"no telemetry socket for --file-prefix {prefix}")
            time.sleep(0.05)

    def cmd(self, command):
        self.sock.send(command.encode())
        reply = json.loads(self.sock.recv(self.max_len).decode())
        return reply[command.split(",")[0]]

    def close(self):
        self.sock.close()


def wait_for(pred, what, timeout=20):
    deadline = time.time() + timeout
    while not pred():
        check(time.time() < deadline, f"timed out waiting for {what}")
        time.sleep(0.02)


def cyclic_hist(ids, start, count, rules):
    """Histogram of rule ids over packets start..start+count-1 of the endlessly repeated trace."""
    n = len(ids)
    hist, default = [0] * rules, 0
    full, rest = divmod(count, n)
    if full:
        for r in ids:
            if r >= 0:
                hist[r] += full
            else:
                default += full
    for j in range(rest):
        r = ids[(start + j) % n]
        if r >= 0:
            hist[r] += 1
        else:
            default += 1
    return hist, default


def reversed_dropping(src, dst):
    """The rules of `src` in reverse order, all dropping. A packet classified by this set hits a
    different rule id and action than by `src` whenever several rules match it."""
    with open(src) as f:
        lines = [l.rstrip("\r\n").rstrip("\t ") for l in f if l.strip()]
    with open(dst, "w") as f:
        f.write("".join(f"{l}\tdrop\n" for l in reversed(lines)))
    return dst


def swap_inputs(env, seed, pcap_in_name):
    """What a hot-swap scenario swaps between: set A (300 generated rules), set B (A reversed, all
    dropping), a trace drawn from A written as the pcap `pcap_in_name`, and each set's reference
    over that trace. Returns ({"A": a, "B": b}, refs, pcap_in)."""
    set_a = env.gen_rules("a.rules", 300, seed)
    set_b = reversed_dropping(set_a, env.path("b.rules"))
    trace = env.gen_trace("t.trace", set_a, 4096, seed + 1)
    pcap_in = env.path(pcap_in_name)
    refs = {"A": env.pcapgen(set_a, trace, pcap_in, env.path("ref-a.json")),
            "B": env.pcapgen(set_b, trace, env.path("b-" + pcap_in_name), env.path("ref-b.json"))}
    return {"A": set_a, "B": set_b}, refs, pcap_in


def replace_file(path, src=None, data=None):
    tmp = path + ".tmp"
    if src is not None:
        shutil.copy(src, tmp)
    else:
        with open(tmp, "wb") as f:
            f.write(data)
    os.replace(tmp, path)


def hot_swaps(env, source_option, files, refs, pcap_in, corrupt, signal_swaps=8, telemetry_swaps=8,
              lcores="0-1", extra_options=()):
    """Runs lacl-dataplane over the endlessly repeated pcap_in with `source_option` (--rules or
    --artifact) and hot-swaps between files["A"] and files["B"] while traffic flows: by SIGHUP
    (rewriting the configured file) and by /lacl/swap,<path>; then offers `corrupt` bytes both
    ways and checks they are refused. Returns the report after checking that every generation's
    per-rule hits equal its set's reference over exactly the stretch of traffic it classified."""
    ext = os.path.splitext(files["A"])[1]
    live, bad = env.path("live" + ext), env.path("corrupt" + ext)
    shutil.copy(files["A"], live)
    with open(bad, "wb") as f:
        f.write(corrupt)
    report = env.path("swap-report.json")
    extra = ["--format", "classbench"] if source_option == "--rules" else []
    proc = env.start(lcores, ["net_pcap0,rx_pcap=" + pcap_in + ",infinite_rx=1"],
                     [source_option, live, *extra, *extra_options, "--report", report,
                      "--generation-hits",
                      "--mbufs", "16384", "--tuning-budget-ms", "5", "--stats-interval", "1"])
    prefix = f"{env.prefix}-{env.runs}"
    sets = {1: "A"}  # generation -> rule set
    try:
        tel = Telemetry(prefix)
        # The commands answer null until registered, then {"error": ...} until forwarding starts.
        stats = lambda: tel.cmd("/lacl/stats") or {}
        wait_for(lambda: stats().get("rx", 0) > 0, "traffic")
        generation = 1

        def record(name):
            nonlocal generation
            generation += 1
            sets[generation] = name
            before = stats()["rx"]
            wait_for(lambda: stats()["rx"] > before + 2000, "traffic after a swap")

        for i in range(signal_swaps):
            name = "B" if i % 2 == 0 else "A"
            replace_file(live, src=files[name])
            proc.send_signal(signal.SIGHUP)
            wait_for(lambda: stats()["generation"] == generation + 1, f"SIGHUP swap to {name}")
            record(name)
        live_holds = sets[generation]
        for i in range(telemetry_swaps):
            name = "B" if i % 2 == 0 else "A"
            r = tel.cmd("/lacl/swap," + files[name])
            check(r.get("ok") == 1, f"telemetry swap to {name} refused: {r}")
            check(r["generation"] == generation + 1, f"swap reply {r}, expected generation {generation + 1}")
            record(name)

        # Corrupt bytes, by telemetry and by SIGHUP: refused, the serving set stays.
        failed = stats()["swaps_failed"]
        r = tel.cmd("/lacl/swap," + bad)
        check(r.get("ok") == 0 and os.path.basename(bad) in r.get("error", ""), f"corrupt file accepted: {r}")
        r = tel.cmd("/lacl/swap," + live)  # SIGHUP re-reads `live` from here on
        check(r.get("ok") == 1, f"swap back to {live} refused: {r}")
        record(live_holds)
        replace_file(live, data=corrupt)
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: stats()["swaps_failed"] == failed + 2, "the refused SIGHUP swap")
        st = stats()
        check(st["generation"] == generation, f"a refused swap changed the generation: {st}")
        before = st["rx"]
        wait_for(lambda: stats()["rx"] > before + 10000, "traffic after the refused swaps")
        check(proc.poll() is None, "lacl-dataplane died")
        top = tel.cmd("/lacl/rule_hits,5")
        check(len(top["top_rules"]) <= 5 and top["rules"] == refs["A"]["rules"], f"/lacl/rule_hits: {top}")
        check(f"port{0}" in st and st["port0"]["rx"] > 0, f"/lacl/stats has no port0: {st}")
        tel.close()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise Failure("lacl-dataplane did not stop on SIGINT")
    if proc.returncode != 0:
        with open(proc.log_paths[1]) as f:
            raise Failure(f"lacl-dataplane exited {proc.returncode}:\n{f.read()}")

    rep = load_json(report)
    check_accounting(rep, "swap")
    port = rep["ports"][0]
    check(port["malformed"] == 0, "malformed frames in a well-formed trace")
    gens = rep["generations"]
    check([g["generation"] for g in gens] == list(range(1, len(sets) + 1)),
          f"generations {[g['generation'] for g in gens]}, expected 1..{len(sets)}")
    check(rep["swaps"]["ok"] == len(sets) - 1 and rep["swaps"]["failed"] == 2,
          f"swaps {rep['swaps']}, expected {len(sets) - 1} done and 2 refused")
    total = sum(g["classified"] for g in gens)
    check(total == port["rx"], f"generations classified {total} packets, rx {port['rx']}: lost or double")

    # One worker and one queue: the generations classified consecutive stretches of the endless
    # trace, in order. Each stretch must match its own rule set's reference exactly.
    start, accepted = 0, 0
    for g in gens:
        name = sets[g["generation"]]
        r = refs[name]
        hist, default = cyclic_hist(r["rule_ids"], start, g["classified"], r["rules"])
        if g["rule_hits"] != hist or g["no_match"] != default:
            diff = [(i, a, b) for i, (a, b) in enumerate(zip(g["rule_hits"], hist)) if a != b]
            raise Failure(f"generation {g['generation']} (set {name}, packets {start}.."
                          f"{start + g['classified']}) differs from its reference: no_match "
                          f"{g['no_match']} vs {default}, rules {diff[:5]}")
        # A accepts everything; B drops what it matches and forwards the rest (default accept).
        accepted += g["classified"] if name == "A" else default
        start += g["classified"]
    check(port["tx"] == accepted and port["dropped"] == port["rx"] - accepted,
          f"tx {port['tx']} dropped {port['dropped']}, expected {accepted} forwarded")
    # rule_hits accumulates every generation per rule index.
    summed = [sum(g["rule_hits"][i] for g in gens) for i in range(refs["A"]["rules"])]
    check(rep["rule_hits"] == summed, "rule_hits is not the per-index sum over generations")
    return rep, len(sets) - 1


def scenario_swap(env):
    sets, refs, pcap_in = swap_inputs(env, 21, "in.pcap")
    rep, swaps = hot_swaps(env, "--rules", sets, refs, pcap_in,
                           b"@10.0.0.0/8 this is not a rule\n")
    return (f"{swaps} swaps and 2 refusals over {rep['ports'][0]['rx']} packets; every generation "
            f"matched its reference")


def scenario_artifact(env):
    rules = with_actions(env.gen_rules("acl.rules", 800, 51), env.path("acl-actions.rules"))
    trace = env.gen_trace("acl.trace", rules, 8000, 52, zipf=0.5)
    pcap_in, pcap_out, report = env.path("in.pcap"), env.path("out.pcap"), env.path("report.json")
    ref = env.pcapgen(rules, trace, pcap_in, env.path("ref.json"), "--options-every", "3")
    art = env.path("acl.lacl")
    env.tool(env.lacl, "compile", rules, "-o", art, "--tuning-budget-ms", "20")
    n = ref["packets"]
    env.run("0-1", [f"net_pcap0,rx_pcap={pcap_in},tx_pcap={pcap_out}"],
            ["--artifact", art, "--packets", n, "--report", report])
    rep = load_json(report)
    check(rep["classifier"]["kind"] == "artifact", f"classifier {rep['classifier']}")
    check(rep["rule_hits"] == ref["rule_hits"], "--artifact: rule_hits differ from the reference")
    check(rep["default_hits"] == ref["default_hits"], "--artifact: default_hits differ")
    check_accounting(rep, "--artifact")
    expected = [fr for fr, d in zip(read_pcap(pcap_in), ref["decisions"]) if d == "A"]
    check(read_pcap(pcap_out) == expected, "--artifact: out.pcap is not the accepted frames")

    # Hot swaps between artifacts; a damaged artifact (one byte changed) is refused.
    sets, refs, swap_in = swap_inputs(env, 53, "swap-in.pcap")
    files = {}
    for name, src in sets.items():
        files[name] = env.path(f"{name.lower()}.lacl")
        env.tool(env.lacl, "compile", src, "-o", files[name], "--tuning-budget-ms", "5")
    with open(files["A"], "rb") as f:
        damaged = bytearray(f.read())
    damaged[len(damaged) // 2] ^= 0x01
    # -l 0: the main lcore forwards and a control thread swaps.
    rep, swaps = hot_swaps(env, "--artifact", files, refs, swap_in, bytes(damaged),
                           signal_swaps=4, telemetry_swaps=4, lcores="0")
    return f"{n} frames exact from an artifact; {swaps} artifact swaps, 2 refusals"


def scenario_workers(env):
    rules = with_actions(env.gen_rules("fw.rules", 500, 31, profile="fw"), env.path("fw-actions.rules"))
    trace = env.gen_trace("fw.trace", rules, 12000, 32, zipf=1.0)
    pcap_in = env.path("in.pcap")
    ref = env.pcapgen(rules, trace, pcap_in, env.path("ref.json"), "--vlan-every", "3")
    frames = read_pcap(pcap_in)
    n = len(frames)
    halves = [frames[0::2], frames[1::2]]
    write_pcap(env.path("in0.pcap"), halves[0])
    write_pcap(env.path("in1.pcap"), halves[1])

    one = env.path("one.json")
    env.run("0-1", [f"net_pcap0,rx_pcap={pcap_in},tx_pcap={env.path('out.pcap')}"],
            ["--rules", rules, "--packets", n, "--report", one, "--tuning-budget-ms", "20"])
    two = env.path("two.json")
    env.run(THREE_LCORES, [f"net_pcap0,rx_pcap={env.path('in0.pcap')},rx_pcap={env.path('in1.pcap')},"
                    f"tx_pcap={env.path('out0.pcap')},tx_pcap={env.path('out1.pcap')}"],
            ["--rules", rules, "--packets", n, "--report", two, "--tuning-budget-ms", "20"])
    a, b = load_json(one), load_json(two)
    check(a["workers"] == 1 and b["workers"] == 2, f"workers {a['workers']} and {b['workers']}")
    check(a["rule_hits"] == ref["rule_hits"], "one worker: rule_hits differ from the reference")
    check(b["rule_hits"] == a["rule_hits"], "two workers: rule_hits differ from one worker's")
    check(b["default_hits"] == a["default_hits"], "two workers: default_hits differ")
    for key in ("rx", "tx", "dropped", "malformed"):
        check(a["ports"][0][key] == b["ports"][0][key],
              f"{key}: one worker {a['ports'][0][key]}, two workers {b['ports'][0][key]}")
    check_accounting(b, "two workers")
    # Worker q reads queue q and writes TX queue q: each output file holds its input's accepted
    # frames in order.
    decisions = ref["decisions"]
    for q in (0, 1):
        out = read_pcap(env.path(f"out{q}.pcap"))
        expected = [fr for fr, d in zip(halves[q], decisions[q::2]) if d == "A"]
        check(out == expected, f"out{q}.pcap: {len(out)} frames, expected {len(expected)}")
    return f"{n} frames: one and two workers agree ({b['ports'][0]['tx']} forwarded)"


def scenario_null(env):
    rules = env.gen_rules("acl.rules", 200, 41)
    report = env.path("report.json")
    r = env.run(THREE_LCORES, ["net_null0", "net_null1"],
                ["--rules", rules, "--duration", "1.5", "--report", report, "--stats-interval", "0.5"])
    rep = load_json(report)
    check(rep["workers"] == 2, f"workers {rep['workers']}")
    total = rep["totals"]
    check(total["rx"] > 0, "net_null delivered nothing")
    check_accounting(rep, "net_null")
    check("Mpps" in r.stdout, "no stats line")
    return f"{total['rx']} packets in {rep['duration_s']:.1f} s ({rep['mpps']:.2f} Mpps)"


def counters(rep):
    """What must not depend on the backend: per-rule and default hits, per-port dispositions."""
    return {"rule_hits": rep["rule_hits"], "default_hits": rep["default_hits"],
            "ports": [{k: p[k] for k in ("rx", "tx", "dropped", "malformed")} for p in rep["ports"]]}


def scenario_rte_acl(env):
    rules = with_actions(env.gen_rules("acl.rules", 600, 61), env.path("acl-actions.rules"))
    trace = env.gen_trace("acl.trace", rules, 6000, 62, zipf=0.5)
    pcap_in = env.path("in.pcap")
    ref = env.pcapgen(rules, trace, pcap_in, env.path("ref.json"), "--vlan-every", "4",
                      "--options-every", "5")
    n = ref["packets"]
    art = env.path("acl.lacl")
    env.tool(env.lacl, "compile", rules, "-o", art, "--tuning-budget-ms", "20")
    expected_out = [fr for fr, d in zip(read_pcap(pcap_in), ref["decisions"]) if d == "A"]
    reports = {}
    for name, source in (("lacl", ["--rules", rules]), ("rte_acl", ["--rules", rules]),
                         ("rte_acl-artifact", ["--artifact", art])):
        backend = name.split("-")[0]
        report, out = env.path(f"{name}.json"), env.path(f"{name}.pcap")
        env.run("0-1", [f"net_pcap0,rx_pcap={pcap_in},tx_pcap={out}"],
                [*source, "--backend", backend, "--packets", n, "--report", report,
                 "--tuning-budget-ms", "20"])
        rep = load_json(report)
        check(rep["classifier"]["backend"] == backend, f"{name}: classifier {rep['classifier']}")
        check(rep["rule_hits"] == ref["rule_hits"], f"{name}: rule_hits differ from the reference")
        check(rep["default_hits"] == ref["default_hits"], f"{name}: default_hits differ")
        check_accounting(rep, name)
        check(read_pcap(out) == expected_out, f"{name}: the TX pcap is not the accepted frames")
        reports[name] = rep
    for name in ("rte_acl", "rte_acl-artifact"):
        check(counters(reports[name]) == counters(reports["lacl"]),
              f"{name}: counters differ from the lacl backend's")

    r = env.run("0", ["net_null0"], ["--rules", rules, "--backend", "nope"], expect_ok=False)
    check(r.returncode == 2 and "--backend: unknown backend 'nope' (expected lacl or rte_acl)"
          in r.stderr, f"bad --backend: exit {r.returncode}, stderr {r.stderr!r}")

    # Hot swaps with rte_acl serving: each new context is built off the fast path and the old
    # one freed after RCU; every generation must still match its own reference.
    sets, refs, swap_in = swap_inputs(env, 63, "swap-in.pcap")
    rep, swaps = hot_swaps(env, "--rules", sets, refs, swap_in,
                           b"@10.0.0.0/8 this is not a rule\n", signal_swaps=2, telemetry_swaps=2,
                           extra_options=["--backend", "rte_acl"])
    check(rep["classifier"]["backend"] == "rte_acl", f"classifier {rep['classifier']}")
    return (f"{n} frames: rte_acl (rules and artifact) equals lacl and the reference; "
            f"{swaps} rte_acl swaps exact; bad --backend refused")


def scenario_loopback(env):
    rules = env.gen_rules("acl.rules", 300, 71)  # no action column: every rule accepts
    trace = env.gen_trace("acl.trace", rules, 2000, 72)
    pcap_in = env.path("in.pcap")
    env.pcapgen(rules, trace, pcap_in, env.path("ref.json"))
    summary = []
    for backend in ("lacl", "rte_acl"):
        report = env.path(f"{backend}.json")
        r = env.run("0-1", ["net_ring0"],
                    ["--rules", rules, "--backend", backend, "--inject", pcap_in,
                     "--inject-per-queue", "256", "--duration", "1.2", "--warmup", "0.3",
                     "--report", report, "--tuning-budget-ms", "20"])
        rep = load_json(report)
        check_accounting(rep, backend)
        port = rep["ports"][0]
        check(port["rx"] > 256 and port["dropped"] == 0 and port["malformed"] == 0,
              f"{backend}: ports {rep['ports']}: the injected frames did not circulate")
        check(sum(rep["rule_hits"]) + rep["default_hits"] == port["rx"], f"{backend}: hits do not add up")
        lc = rep["lcores"]
        check(len(lc) == 1 and lc[0]["packets"] > 0 and lc[0]["mpps"] > 0,
              f"{backend}: lcores {lc}")
        check(0.45 < rep["measured_s"] < 2.0 and rep["warmup_s"] == 0.3,
              f"{backend}: measured {rep['measured_s']} s after {rep['warmup_s']} s")
        check(abs(lc[0]["packets"] / rep["measured_s"] / 1e6 - lc[0]["mpps"]) < 1e-6,
              f"{backend}: Mpps is not packets over the measured interval")
        check("per worker lcore" in r.stdout, f"{backend}: no per-worker line in the text report")
        summary.append(f"{backend} {lc[0]['mpps']:.2f} Mpps")

    # --packets that never arrive: stop after --idle-timeout, say so, exit 3, still report.
    report = env.path("short.json")
    r = env.run("0-1", [f"net_pcap0,rx_pcap={pcap_in}"],
                ["--rules", rules, "--packets", "100000", "--idle-timeout", "0.5", "--report", report],
                expect_ok=False)
    check(r.returncode == 3 and "only 2000 packet(s) arrived" in r.stderr,
          f"--packets short: exit {r.returncode}, stderr {r.stderr!r}")
    check(load_json(report)["totals"]["rx"] == 2000, "--packets short: no report")
    return "net_ring loopback: " + ", ".join(summary) + "; short --packets stops with status 3"


class Skip(Exception):
    pass


# Sends every frame of a pcap (argv[1]) out of an interface (argv[2]) through a packet socket.
SEND_FRAMES = """
import socket, struct, sys, time
data = open(sys.argv[1], "rb").read()
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[2], 0))
off, n = 24, 0
while off + 16 <= len(data):
    size = struct.unpack("<I", data[off + 8:off + 12])[0]
    s.send(data[off + 16:off + 16 + size])
    off, n = off + 16 + size, n + 1
    if n % 256 == 0:
        time.sleep(0.001)  # let the workers drain the tun queues
"""


def scenario_rss(env):
    if os.geteuid() != 0 or shutil.which("ip") is None or not os.path.exists("/dev/net/tun"):
        raise Skip("needs root, iproute2 (ip netns) and /dev/net/tun for a net_tap port in a "
                   "private namespace")
    rules = with_actions(env.gen_rules("fw.rules", 500, 81, profile="fw"), env.path("fw-actions.rules"))
    trace = env.gen_trace("fw.trace", rules, 8000, 82, zipf=0.5)
    pcap_in = env.path("in.pcap")
    ref = env.pcapgen(rules, trace, pcap_in, env.path("ref.json"))
    n = ref["packets"]
    ns, iface = f"lacl-rss-{os.getpid()}", "lacltap0"
    netns = ["ip", "netns", "exec", ns]
    r = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
    if r.returncode != 0:
        raise Skip(f"ip netns add: {r.stderr.strip()}")
    proc = None
    try:
        # Nothing but the test's frames may reach the tap: no IPv6 (router solicitations, DAD).
        env.tool(*netns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                 "net.ipv6.conf.default.disable_ipv6=1")
        report = env.path("report.json")
        argv = netns + [str(a) for a in env.eal(THREE_LCORES, [f"net_tap0,iface={iface}"]) +
                        ["--rules", rules, "--packets", n, "--idle-timeout", "20", "--report", report]]
        err_path = env.path("rss.err")
        with open(env.path("rss.out"), "w") as out, open(err_path, "w") as err:
            proc = subprocess.Popen(argv, stdout=out, stderr=err)

        def forwarding():
            with open(err_path) as f:
                return "forwarding on" in f.read()

        wait_for(lambda: forwarding() or proc.poll() is not None, "lacl-dataplane to start forwarding")
        if proc.poll() is not None:
            err = open(err_path).read()
            # The tap could not be created (e.g. no usable /dev/net/tun): EAL's vdev probe fails.
            if "net_tap0" in err and ("EAL initialisation failed" in err or "no Ethernet port" in err):
                raise Skip("net_tap cannot be created here: " + err.strip().splitlines()[-1])
            raise Failure("lacl-dataplane exited before forwarding:\n" + err)
        env.tool(*netns, "ip", "link", "set", iface, "txqueuelen", "10000")
        env.tool(*netns, sys.executable, "-c", SEND_FRAMES, pcap_in, iface)
        proc.wait(timeout=RUN_TIMEOUT)
        check(proc.returncode == 0, f"lacl-dataplane exited {proc.returncode}:\n{open(err_path).read()}")
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    rep = load_json(report)
    check(rep["workers"] == 2, f"workers {rep['workers']}")
    port = rep["ports"][0]
    check(port["rx"] == n and port["malformed"] == 0, f"port {port}, expected {n} well-formed frames")
    check(rep["rule_hits"] == ref["rule_hits"], "rule_hits differ from the reference")
    check(rep["default_hits"] == ref["default_hits"], "default_hits differ from the reference")
    check(port["dropped"] == ref["dropped"] and port["tx"] == ref["accepted"],
          f"port {port}, expected {ref['accepted']} forwarded and {ref['dropped']} dropped")
    check_accounting(rep, "rss")
    spread = [l["packets"] for l in rep["lcores"]]
    check(len(spread) == 2 and min(spread) > 0, f"one worker got nothing: {spread}")
    return f"{n} frames over one net_tap port: workers got {spread[0]} and {spread[1]}, hits exact"


SCENARIOS = {
    "replay": scenario_replay,
    "malformed": scenario_malformed,
    "swap": scenario_swap,
    "artifact": scenario_artifact,
    "workers": scenario_workers,
    "null": scenario_null,
    "rte_acl": scenario_rte_acl,
    "loopback": scenario_loopback,
    "rss": scenario_rss,
}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", choices=sorted(SCENARIOS))
    p.add_argument("--dataplane", required=True)
    p.add_argument("--pcapgen", required=True)
    p.add_argument("--lacl", required=True)
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    env = Env(args, args.scenario)
    t0 = time.time()
    try:
        summary = SCENARIOS[args.scenario](env)
    except Skip as e:
        print(f"SKIP {args.scenario}: {e}")
        env.cleanup()
        return 77
    except (Failure, subprocess.TimeoutExpired) as e:
        print(f"FAIL {args.scenario}: {e}\n(work directory: {env.dir})")
        return 1
    except Exception:
        traceback.print_exc()
        print(f"FAIL {args.scenario}: the test itself broke (work directory: {env.dir})")
        return 1
    print(f"ok {args.scenario} ({time.time() - t0:.1f} s): {summary}")
    if not args.keep:
        env.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
