#!/usr/bin/env bash
# hv_sysregs: both engines through SVM world switches.  smi.S under hv
# smi=host: the guest's `out %al,$0xb2` raises an SMI that hv intercepts
# (#VMEXIT code 62h), hv runs, takes the SMI in host context (SMM entry and
# rsm inside hv), and VMRUNs the guest again, which prints and halts (~7,000
# steps).  Recorded to its end in both engines (live: hv recordings are not
# replayed, README), checked against:
#   - AMD APM vol 2 15.6 (#VMEXIT loads the host's GDTR/IDTR) and hv's own
#     symbol table: at the first step in hv's code after the `out`, GDTR is
#     hv's `gdt` (base) with limit gdt_end - gdt - 1;
#   - APM 15.13 (an SMI is intercepted at the instruction boundary): the step
#     after the `out` is hv's, the guest's next instruction did not run, as
#     hv's own log line says ("Intercept 98 @ 0x0000:0x00007c1d": the guest's
#     CS:IP at the #VMEXIT is the instruction after the 2-byte `out`);
#   - APM 15.5.1 (VMRUN loads the guest's GDTR/IDTR from the VMCB, where the
#     #VMEXIT saved them): the first step back in the guest's code (7c00-7dff;
#     SMM in between runs SeaBIOS's handler with the host's) has the GDTR/IDTR the
#     guest had at the `out`;
#   - each other: same count, every field of every step, same events.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3 nm
HVT=$HVT_BUILD/hvtrace
EXT=$HVT_BUILD/hvtrace-sqlite
t=$(hvt_tmpdir)
img=$HVT_BUILD/guests/cases/smi.img
elf=$HVT_BUILD/hv-i386.elf
cq() { sqlite3 "$1" -cmd ".load $EXT" "$2" 2>&1; }
sym() { nm "$1" | awk -v n="$2" '$3 == n { print $1 }'; }
out=$((0x$(sym "$HVT_BUILD/guests/cases/smi.elf" s_out)))
gdt=$((0x$(sym "$elf" gdt))); gdt_end=$((0x$(sym "$elf" gdt_end)))
want_host=$(printf '%x %x' $gdt $((gdt_end - gdt - 1)))

COLS="printf('%x', pc), mode, rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, rip, eflags, es, cs, ss, ds, fs, gs,
      es_base, cs_base, ss_base, ds_base, fs_base, gs_base, es_limit, cs_limit, ss_limit, ds_limit,
      fs_limit, gs_limit, es_attr, cs_attr, ss_attr, ds_attr, fs_attr, gs_attr,
      cr0, cr2, cr3, cr4, efer, gdtr_base, gdtr_limit, idtr_base, idtr_limit, smm"

for e in log rsp; do
    "$HVT" record --engine $e --with-hv=i386 --hv-opts smi=host --from 0000:7c00 --steps 20000 \
        --timeout 240 -o "$t/$e.db" "$img" > "$t/$e.out" 2>&1
    if [ ! -f "$t/$e.db" ]; then hvt_fail "hv_sysregs.$e.record" "$(tail -1 "$t/$e.out")"; continue; fi
    lo=$((0x$(sqlite3 "$t/$e.db" "SELECT value FROM meta WHERE key = 'hv_range'" | cut -d- -f1)))
    s=$(cq "$t/$e.db" "SELECT step FROM hvt_steps WHERE pc = $out ORDER BY step LIMIT 1")
    [ -n "$s" ] || { hvt_fail "hv_sysregs.$e" "no step at the guest's out ($(printf %x $out))"; continue; }
    host=$(cq "$t/$e.db" "SELECT printf('%x %x %x', pc, gdtr_base, gdtr_limit) FROM hvt_steps WHERE step = $s + 1")
    guest_dt=$(cq "$t/$e.db" "SELECT printf('%x %x %x %x', gdtr_base, gdtr_limit, idtr_base, idtr_limit) FROM hvt_steps WHERE step = $s")
    back=$(cq "$t/$e.db" "SELECT printf('%x %x %x %x', gdtr_base, gdtr_limit, idtr_base, idtr_limit) FROM hvt_steps
                          WHERE step > $s + 1 AND pc >= 0x7c00 AND pc < 0x7e00 ORDER BY step LIMIT 1")
    why=""
    sqlite3 "$t/$e.db" "SELECT line FROM serial_lines" |
        grep -q "Intercept 98 @ 0x0000:0x$(printf %08x $((out + 2)))" ||
        why="hv logged no SMI intercept at the instruction after the out ($(printf %x $((out + 2))));"
    [ "$((0x${host%% *}))" -ge "$lo" ] 2> /dev/null ||
        why="step $((s + 1)) after the out is at ${host%% *}, not in hv's code (from $(printf %x $lo));"
    [ "${host#* }" = "$want_host" ] || why="$why GDTR there '${host#* }' (hv's gdt symbol: '$want_host');"
    [ -n "$back" ] && [ "$back" = "$guest_dt" ] ||
        why="$why GDTR/IDTR back in the guest '${back:-no guest step}' (at the out: '$guest_dt');"
    if [ -z "$why" ]; then hvt_ok "hv_sysregs.$e.world_switch"; else hvt_fail "hv_sysregs.$e.world_switch" "${why% ;}"; fi
    cq "$t/$e.db" "SELECT $COLS FROM hvt_steps ORDER BY step" > "$t/$e.rows"
    sqlite3 "$t/$e.db" "SELECT step || ' ' || kind FROM event
                        WHERE kind NOT IN ('end-from-ram', 'end-before-exit', 'no-end-snapshot')
                        ORDER BY step, id" > "$t/$e.events"
done

if [ -f "$t/log.rows" ] && [ -f "$t/rsp.rows" ]; then
    if cmp -s "$t/log.rows" "$t/rsp.rows" && [ -s "$t/log.rows" ]; then
        hvt_ok hv_sysregs.steps
    else
        hvt_fail hv_sysregs.steps "log $(wc -l < "$t/log.rows") steps, rsp $(wc -l < "$t/rsp.rows"); first differing row: $(cmp "$t/log.rows" "$t/rsp.rows" 2>&1 | head -1)"
    fi
    if cmp -s "$t/log.events" "$t/rsp.events"; then hvt_ok hv_sysregs.events
    else hvt_fail hv_sysregs.events "(< log, > rsp) $(diff "$t/log.events" "$t/rsp.events" | grep '^[<>]' | head -4 | tr '\n' ' ')"; fi
fi
