# bench/bench_lib.sh: helpers the benchmark scripts share (sourced, not run).

# bench_bytes_per_step RUN STEPS: stored bytes a step costs in run file RUN, its
# share of the step chunks plus the instruction table (snapshots apart).
bench_bytes_per_step() {
    sqlite3 "$1" "SELECT ((SELECT sum(length(data)) FROM chunk) +
        (SELECT sum(length(bytes) + length(disasm) + 16) FROM insn)) * 1.0 / $2" 2>/dev/null
}
