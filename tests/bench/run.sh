#!/usr/bin/env bash
# Benchmark: cargo-jwtlint against ripgrep over a large tree of real Rust code.
#
#   tests/bench/run.sh [WORKDIR]      (default WORKDIR: /tmp/jwtlint-bench)
#
# 1. Builds a scratch Cargo project with a pinned set of popular crates and `cargo vendor`s it
#    (several million lines of Rust; done once, reused on later runs).
# 2. Builds cargo-jwtlint in release mode.
# 3. Times `cargo-jwtlint --format json <tree>` and `rg -c -e <same words>` over the same tree
#    (the prefilter's own words), interleaved, RUNS times each; reports medians.
# 4. Peak RSS of one run of each with /usr/bin/time -v.
# 5. The same at 25% / 50% / 100% of the tree (subsets of whole crates).
# Needs: network for the first vendor, rg (apt `ripgrep` or `cargo install ripgrep`), GNU time.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${1:-/tmp/jwtlint-bench}"
RUNS="${RUNS:-5}"
mkdir -p "$WORK"
cd "$WORK"

if [ ! -d vendor ]; then
  mkdir -p scratch/src
  echo 'fn main() {}' > scratch/src/main.rs
  cat > scratch/Cargo.toml <<'TOML'
[package]
name = "scratch"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
syn = { version = "2", features = ["full", "visit", "visit-mut", "fold", "extra-traits"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["full"] }
regex = "1"
clap = { version = "4", features = ["derive"] }
rayon = "1"
hyper = { version = "1", features = ["full"] }
reqwest = { version = "0.12", features = ["json", "rustls-tls"], default-features = false }
jsonwebtoken = "9"
windows-sys = { version = "0.61", features = ["Win32_Foundation", "Win32_System", "Win32_Security", "Win32_Networking", "Win32_UI", "Win32_Graphics", "Win32_Storage", "Win32_Media", "Win32_Devices"] }
chrono = "0.4"
time = "0.3"
uuid = { version = "1", features = ["v4"] }
rand = "0.9"
anyhow = "1"
thiserror = "2"
tracing = "0.1"
tracing-subscriber = "0.3"
axum = "0.8"
tower = { version = "0.5", features = ["full"] }
futures = "0.3"
bytes = "1"
url = "2"
base64 = "0.22"
itertools = "0.14"
nom = "8"
toml = "0.9"
sqlx = { version = "0.8", default-features = false, features = ["postgres", "runtime-tokio"] }
image = "0.25"
TOML
  # The exact versions are pinned by tests/bench/scratch.lock (written on the first run).
  if [ -f "$HERE/tests/bench/scratch.lock" ]; then cp "$HERE/tests/bench/scratch.lock" scratch/Cargo.lock; fi
  (cd scratch && cargo vendor --versioned-dirs ../vendor >/dev/null 2>&1)
  [ -f "$HERE/tests/bench/scratch.lock" ] || cp scratch/Cargo.lock "$HERE/tests/bench/scratch.lock"
fi

TREE="$WORK/vendor"
LINES=$(find "$TREE" -name '*.rs' -print0 | xargs -0 cat | wc -l)
FILES=$(find "$TREE" -name '*.rs' | wc -l)
BYTES=$(find "$TREE" -name '*.rs' -print0 | xargs -0 cat | wc -c)
echo "tree: $TREE  $FILES .rs files, $LINES lines, $BYTES bytes"

(cd "$HERE" && cargo build --release --quiet)
BIN="$HERE/target/release/cargo-jwtlint"

# The words rg searches for: exactly the prefilter's patterns (printed by the binary's test
# helper would need a flag; derive them from the catalogue the same way, via the library test).
WORDS_FILE="$WORK/words.txt"
(cd "$HERE" && JWTLINT_PRINT_PATTERNS="$WORDS_FILE" cargo test --release --quiet --lib prefilter::tests::print_patterns >/dev/null 2>&1) || true
if [ ! -s "$WORDS_FILE" ]; then echo "could not get the pattern list" >&2; exit 1; fi
RG_ARGS=(-g '*.rs' -g 'Cargo.toml' -g 'Cargo.lock')
while read -r w; do RG_ARGS+=(-e "$w"); done < "$WORDS_FILE"

median() { sort -n | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
now() { date +%s.%N; }

bench() { # $1 = label, $2.. = tree dirs
  local label="$1"; shift
  local tj=() tr=()
  # warm the page cache
  "$BIN" --format json "$@" >/dev/null 2>&1 || true
  rg -c "${RG_ARGS[@]}" "$@" >/dev/null 2>&1 || true
  for _ in $(seq "$RUNS"); do
    local a b
    a=$(now); "$BIN" --format json "$@" >/dev/null 2>&1 || true; b=$(now)
    tj+=("$(echo "$b - $a" | bc)")
    a=$(now); rg -c "${RG_ARGS[@]}" "$@" >/dev/null 2>&1 || true; b=$(now)
    tr+=("$(echo "$b - $a" | bc)")
  done
  local mj mr
  mj=$(printf '%s\n' "${tj[@]}" | median)
  mr=$(printf '%s\n' "${tr[@]}" | median)
  local rss_j rss_r
  # (exit 1 = findings / no match: not a failure of the benchmark)
  rss_j=$( { /usr/bin/time -v "$BIN" --format json "$@" 2>&1 >/dev/null || true; } | awk -F: '/Maximum resident/{gsub(/ /,"",$2); print $2}')
  rss_r=$( { /usr/bin/time -v rg -c "${RG_ARGS[@]}" "$@" 2>&1 >/dev/null || true; } | awk -F: '/Maximum resident/{gsub(/ /,"",$2); print $2}')
  local l
  l=$(find "$@" -name '*.rs' -print0 | xargs -0 cat | wc -l)
  printf '%-6s lines=%-9s jwtlint=%6.2fs rg=%6.2fs ratio=%5.2fx  peakRSS jwtlint=%sMB rg=%sMB\n' \
    "$label" "$l" "$mj" "$mr" "$(echo "$mj / $mr" | bc -l)" "$((rss_j/1024))" "$((rss_r/1024))"
}

mapfile -t CRATES < <(ls -d "$TREE"/*/ | sort)
N=${#CRATES[@]}
# Subsets by whole crates, interleaved so each subset has a mix of big and small crates.
sub() { local step=$1; local out=(); for i in $(seq 0 $((N-1))); do if (( i % 4 < step )); then out+=("${CRATES[$i]}"); fi; done; printf '%s\n' "${out[@]}"; }
mapfile -t Q1 < <(sub 1)
mapfile -t Q2 < <(sub 2)
echo "patterns: $(wc -l < "$WORDS_FILE"), runs: $RUNS, cores: $(nproc)"
bench "25%" "${Q1[@]}"
bench "50%" "${Q2[@]}"
bench "100%" "$TREE"

# The 15 MB generated file that imports jsonwebtoken (tests/bench/gen_large.sh): parsed item by
# item above 1 MiB (src/split.rs). Median wall time of RUNS runs, peak RSS of one.
LARGE="$WORK/large15"
[ -f "$LARGE/src/lib.rs" ] || "$HERE/tests/bench/gen_large.sh" "$LARGE" 15
tl=()
for _ in $(seq "$RUNS"); do
  a=$(now); (cd "$LARGE" && "$BIN" --format json . >/dev/null 2>&1) || true; b=$(now)
  tl+=("$(echo "$b - $a" | bc)")
done
rss_l=$( { (cd "$LARGE" && /usr/bin/time -v "$BIN" --format json . 2>&1 >/dev/null) || true; } | awk -F: '/Maximum resident/{gsub(/ /,"",$2); print $2}')
printf 'large  15 MB generated file: jwtlint=%6.2fs peakRSS=%sMB\n' "$(printf '%s\n' "${tl[@]}" | median)" "$((rss_l/1024))"
