# bench/bench_lib.sh: helpers the benchmark scripts share (sourced, not run).
# Sourcing it makes an unset variable an error (set -u), as every bench wants.
set -u

# bench_init BUILD_DIR: B becomes BUILD_DIR as an absolute path (relative to
# $root, the tree, as make passes it) and tmp a private directory removed when
# the script exits (a script with more to clean sets its own trap after).
bench_init() {
    B=$(cd "$root" && cd "$1" && pwd) || exit 2
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
}

# bench_bytes_per_step RUN STEPS: stored bytes a step costs in run file RUN, its
# share of the step chunks plus the instruction table (snapshots apart).
bench_bytes_per_step() {
    sqlite3 "$1" "SELECT ((SELECT sum(length(data)) FROM chunk) +
        (SELECT sum(length(bytes) + length(disasm) + 16) FROM insn)) * 1.0 / $2" 2>/dev/null
}
