#!/usr/bin/env bash
# Builds lacl's libFuzzer targets with clang++ (-fsanitize=fuzzer,address,undefined) and runs each
# for SECONDS (default 20) from a seed corpus it makes:
#   fuzz_artifact       load_artifact / inspect_artifact on arbitrary bytes, and on a copy with
#                       fixed-up checksums; seeds: real artifacts written by `lacl compile`
#   fuzz_rule_parsers   parse_rule_file in every format (and detection), parse_trace,
#                       parse_classbench_rules; seeds: rule lines of each format and a trace
#
# Usage: tests/fuzz/run.sh [SECONDS]
# Exits 77 (meson: skipped) when clang++ or libFuzzer is not installed, 1 on a finding (the
# input is saved as lacl-fuzz-<target>-crash-* in FUZZ_CRASH_DIR, default the current directory;
# replay it with the printed command).
#
# Environment:
#   LACL          the lacl tool, for the seed artifacts (default: the first build*/ that has one)
#   FUZZ_JOBS     parallel fuzzing processes per target (default 1)
#   FUZZ_CORPUS   directory to keep the grown corpus in, one subdirectory per target (default:
#                 a temp directory, removed at the end)
#   FUZZ_TARGETS  which targets (default: "fuzz_artifact fuzz_rule_parsers")
#   FUZZ_BUILD_DIR  directory to keep the instrumented objects in between runs (default: temp)
#
# A long run, e.g. overnight on every core with the corpus kept for the next run:
#   FUZZ_CORPUS=$HOME/lacl-fuzz-corpus FUZZ_JOBS=$(nproc) tests/fuzz/run.sh 28800
set -euo pipefail

seconds=${1:-20}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
targets=${FUZZ_TARGETS:-fuzz_artifact fuzz_rule_parsers}
jobs=${FUZZ_JOBS:-1}
crash_dir=${FUZZ_CRASH_DIR:-$PWD}

if ! command -v clang++ >/dev/null 2>&1; then
  echo "SKIP: clang++ is not installed (Debian: clang, libclang-rt-14-dev)"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/lacl-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  >"$work/probe.cpp"
if ! clang++ -fsanitize=fuzzer,address,undefined "$work/probe.cpp" -o "$work/probe" 2>/dev/null; then
  echo "SKIP: clang++ cannot link libFuzzer with ASan/UBSan (Debian: libclang-rt-14-dev)"
  exit 77
fi

# Every classifier and rulesets source, compiled once with coverage instrumentation and the
# sanitizers. The per-ISA lookup files need the flags classifier/meson.build gives them.
cxxflags=(-std=c++20 -O1 -g -fno-omit-frame-pointer
  -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
  "-DLACL_VERSION=\"fuzz\"" -I"$root/classifier/include" -I"$root/rulesets/include")
isa_flags() {
  case "$1" in
    *_avx2.cpp) echo "-mavx2 -mbmi2 -mpopcnt" ;;
    *_avx512.cpp) echo "-mavx512f -mavx512bw -mavx512vl -mavx512dq -mbmi2 -mpopcnt" ;;
  esac
}
# FUZZ_BUILD_DIR keeps the objects between runs; each is rebuilt when its source or any header
# is newer.
build=${FUZZ_BUILD_DIR:-$work/build}
mkdir -p "$build/obj"
newest_header=$(ls -t "$root"/classifier/include/lacl/*.hpp "$root"/classifier/include/lacl/detail/*.hpp \
  "$root"/classifier/src/*.hpp "$root"/rulesets/include/lacl/*.hpp 2>/dev/null | head -n 1)
start=$(date +%s)
pids=()
for src in "$root"/classifier/src/*.cpp "$root"/rulesets/src/*.cpp; do
  obj="$build/obj/$(basename "$(dirname "$(dirname "$src")")")_$(basename "$src" .cpp).o"
  if [ -f "$obj" ] && [ "$obj" -nt "$src" ] && [ "$obj" -nt "$newest_header" ]; then continue; fi
  # shellcheck disable=SC2046
  clang++ "${cxxflags[@]}" $(isa_flags "$src") -c "$src" -o "$obj" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$(nproc)" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p"; done
# Objects of sources that no longer exist must not be linked.
for obj in "$build"/obj/*.o; do
  base=$(basename "$obj" .o)
  [ -f "$root/${base%%_*}/src/${base#*_}.cpp" ] || rm -f "$obj"
done
for t in $targets; do
  clang++ "${cxxflags[@]}" -fsanitize=fuzzer "$root/tests/fuzz/$t.cpp" "$build"/obj/*.o -o "$work/$t"
done
echo "built $targets in $(( $(date +%s) - start )) s"

# Seeds.
seeds="$work/seeds"
mkdir -p "$seeds/fuzz_artifact" "$seeds/fuzz_rule_parsers"
lacl=${LACL:-}
if [ -z "$lacl" ]; then
  for cand in "$root"/build*/classifier/cli/lacl; do
    if [ -x "$cand" ]; then lacl=$cand; break; fi
  done
fi
if [ -n "$lacl" ] && [ -x "$lacl" ]; then
  for spec in "acl 20 1" "fw 40 2" "ipc 60 3" "acl 3 4"; do
    read -r profile count seed <<<"$spec"
    rules="$work/$profile-$count.rules"
    "$lacl" gen rules --profile "$profile" --count "$count" --seed "$seed" -o "$rules"
    "$lacl" compile "$rules" -o "$seeds/fuzz_artifact/$profile-$count.lacl" --tuning-budget-ms 5
    "$lacl" compile "$rules" -o "$seeds/fuzz_artifact/$profile-$count-1set.lacl" --max-isets 1 \
      --epsilon 4 --tuning-budget-ms 5
    cp "$rules" "$seeds/fuzz_rule_parsers/"
    "$lacl" gen trace "$rules" --count 20 --seed "$seed" -o "$seeds/fuzz_rule_parsers/$profile.trace"
  done
else
  echo "warning: no lacl tool found (set LACL): fuzz_artifact starts without real artifacts"
fi
printf 'LACLART\0' >"$seeds/fuzz_artifact/magic"
cat >"$work/artifact.dict" <<'EOF'
"LACLART\x00"
"\x01\x00\x00\x00"
"\x04\x03\x02\x01"
"\x40\x00\x00\x00"
"meta"
"report"
"classifier"
"actions"
"isets"
"remainder"
"\xff\xff\xff\xff"
EOF
printf '@192.168.1.0/24\t10.0.0.0/8\t0 : 65535\t80 : 80\t0x06/0xFF\t0x0000/0x0000\t\n@0.0.0.0/0\t0.0.0.0/0\t1024 : 65535\t0 : 65535\t0x00/0x00\t0x1000/0x1000\tdrop\n' \
  >"$seeds/fuzz_rule_parsers/classbench.rules"
printf '@192.168.0.0/16 10.1.0.0/16 0 : 65535 22 : 22 0x06/0xff\nR0.0.0.0/0 0.0.0.0/0 0 : 65535 0 : 65535 0x00/0x00 1\n' \
  >"$seeds/fuzz_rule_parsers/l3fwd.rules"
printf '*filter\n:FORWARD DROP [0:0]\n-A FORWARD -s 10.0.0.0/8 -p tcp -m tcp --dport 80:90 -j ACCEPT\n-A FORWARD -d 1.2.3.4/32 -p udp --sport 53 -j DROP\nCOMMIT\n' \
  >"$seeds/fuzz_rule_parsers/iptables.save"
printf '3232235777\t167772161\t1000\t80\t6\t0\t0\n' >"$seeds/fuzz_rule_parsers/trace"
if [ -d "$root/rulesets/samples" ]; then
  cp "$root"/rulesets/samples/* "$seeds/fuzz_rule_parsers/" 2>/dev/null || true
fi

status=0
for t in $targets; do
  corpus="${FUZZ_CORPUS:+$FUZZ_CORPUS/$t}"
  corpus=${corpus:-$work/corpus/$t}
  mkdir -p "$corpus"
  flags=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536
    -print_final_stats=1 -artifact_prefix="$crash_dir/lacl-fuzz-$t-")
  [ "$t" = fuzz_artifact ] && flags+=(-dict="$work/artifact.dict")
  # Any -jobs value switches libFuzzer to worker processes that log to ./fuzz-<n>.log.
  [ "$jobs" -gt 1 ] && flags+=(-jobs="$jobs" -workers="$jobs")
  log="$work/$t.log"
  rm -f "$work"/fuzz-*.log
  set +e
  (cd "$work" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$work/$t" "${flags[@]}" "$corpus" "$seeds/$t" >"$log" 2>&1)
  rc=$?
  set -e
  logs=("$log")
  for f in "$work"/fuzz-*.log; do [ -f "$f" ] && logs+=("$f"); done
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "${logs[@]}" | awk '{s+=$1} END {print s+0}')
  cov=$( (grep -ho 'cov: [0-9]*' "${logs[@]}" || true) | tail -n 1)
  if [ $rc -ne 0 ]; then
    tail -n 60 "$log"
    echo "$t: FAILED after $execs executions ($cov); replay: $t $crash_dir/lacl-fuzz-$t-crash-*"
    status=1
  else
    echo "$t: $execs executions in ${seconds} s, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) files, no finding"
  fi
done
exit $status
