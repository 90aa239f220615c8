#!/usr/bin/env bash
# gdb_scripts: runs each GDB command file of scripts/gdb/ in `gdb -batch` against
# QEMU (-S, gdbstub on a private unix socket) and checks what it prints against
# truth obtained without those scripts: the guests' serial output (E820 entries,
# A20 answers, the TPM answer), QEMU's own per-instruction log (the PCs rm-si
# steps through), the guest images and ELF symbols (boot sector bytes, the
# instruction that hooks int 15h), objdump of the boot sector, and QEMU's pmemsave
# (the IVT as physical memory).
# The ivt-watch guest (a boot sector that hooks int 15h, as GRUB and XMHF do) is
# assembled here from tests/guests/guest.inc: no shared guest writes the IVT.
# Not checked here: KVM (not available on these machines).
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-i386 qemu-system-x86_64 gdb objdump as ld objcopy od awk

G=$HVT_ROOT/scripts/gdb
d=$(hvt_tmpdir)

# gdb_boot OUT QEMU IMG [GDB ARGS...]: boot IMG under QEMU with -S and a gdbstub on
# OUT/gdb.sock, run `gdb -batch` with realmode.gdb and the given arguments (SOCK in
# them stands for the socket); GDB's output goes to OUT/gdb.out, the guest's serial
# to OUT/serial.txt.  QEMU and GDB each run under timeout (lib.sh).
gdb_boot() {
    local out=$1 qemu=$2 img=$3 a args=() n=0; shift 3
    mkdir -p "$out"
    for a in "$@"; do args+=("${a//SOCK/$out/gdb.sock}"); done
    hvt__spawn "$out" "$qemu" "${HVT_QEMU_ARGS[@]}" -serial "file:$out/serial.txt" \
        -drive "file=$img,format=raw,if=ide,snapshot=on" -S \
        -gdb "unix:$out/gdb.sock,server=on,wait=off"
    local qpid=$hvt__pid
    while [ ! -S "$out/gdb.sock" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
    timeout "$HVT_QEMU_TIMEOUT" gdb -batch -nx -x "$G/realmode.gdb" "${args[@]}" \
        > "$out/gdb.out" 2>&1
    hvt__pid=$qpid
    hvt__wait "$out" || true
}

# at0x7c00: arguments that connect and stop at the boot sector's first instruction.
AT7C00=(-ex 'rm-connect SOCK' -ex 'hbreak *0x7c00' -ex continue -ex delete)

# seg_lin "SSSS:OOOO": the linear address as 0x%x.
seg_lin() { printf '0x%x\n' $(( (16#${1%%:*} << 4) + 16#${1##*:} )); }

# realmode: rm-where and rm-si against QEMU's exec log; rm-ivt against pmemsave;
# rm-hb's pair stops at 07c0:0000 = linear 0x7c00.
check_realmode() {
    local o=$d/rm t=$d/rm-trace want got first
    gdb_boot "$o" qemu-system-i386 "$(hvt_guest_img hello)" -ex 'rm-connect SOCK' \
        -ex 'rm-hb 0x07c0 0' -ex continue -ex rm-where -ex 'rm-si 40' -ex 'rm-ivt 32' \
        -ex "monitor pmemsave 0 0x400 \"$o/ivt.bin\""
    first=$(objdump -D -b binary -m i8086 "$HVT_BUILD/guests/hello.bin" |
            awk -F'\t' '/^ +0:/ { split($3, m, " "); print m[1] }')
    if grep -q '^rm-where 0000:7c00 linear 0x7c00 real' "$o/gdb.out" &&
       grep -A1 '^rm-where' "$o/gdb.out" | tail -1 | grep -qw "$first"; then
        hvt_ok gdb.realmode.where
    else hvt_fail gdb.realmode.where "want 0000:7c00 and '$first': $(grep -A1 rm-where "$o/gdb.out" | tr '\n' ' ')"; fi

    if ! hvt_qemu_trace hello "$t"; then
        hvt_fail gdb.realmode.si "QEMU exec-log run: status $(cat "$t/status")"; return
    fi
    want=$(hvt_qemu_eips_from "$t/qemu.log" 0x7c00 | head -40 | tr '\n' ' ')
    got=$(grep -E '^[0-9a-f]{4}:[0-9a-f]{4} ' "$o/gdb.out" | while read -r cs _; do
              seg_lin "$cs"; done | tr '\n' ' ')
    [ -n "$got" ] && [ "$got" = "$want" ] && hvt_ok gdb.realmode.si ||
        hvt_fail gdb.realmode.si "rm-si linear PCs '$got', QEMU exec log '$want'"

    want=$(od -An -v -tx2 -w4 "$o/ivt.bin" | awk '{ printf "ivt %02x %s:%s\n", NR - 1, $2, $1 }')
    got=$(awk '/^ivt / { print $1, $2, $3 }' "$o/gdb.out")
    [ -n "$got" ] && [ "$got" = "$(echo "$want" | head -32)" ] && hvt_ok gdb.realmode.ivt ||
        hvt_fail gdb.realmode.ivt "rm-ivt differs from pmemsave: $(diff <(echo "$got") <(echo "$want" | head -32) | head -3 | tr '\n' ' ')"
}

# qemu-system-x86_64 refuses an i8086 description: rm-x falls back to objdump;
# the same first steps must come out, decoded as 16-bit code.
check_realmode64() {
    local o=$d/rm64 got
    gdb_boot "$o" qemu-system-x86_64 "$(hvt_guest_img hello)" "${AT7C00[@]}" -ex 'rm-si 3'
    got=$(grep -E '^[0-9a-f]{4}:[0-9a-f]{4} ' "$o/gdb.out" | awk -F'\t' '{ print $1 "|" $3 }' |
          tr -s ' ' | tr '\n' ';')
    case $got in
        "0000:7c00 7c00:|cli;0000:7c01 7c01:|ljmp \$0x0,\$0x7c06;0000:7c06 7c06:|xor %ax,%ax;")
            hvt_ok gdb.realmode.x86_64 ;;
        *) hvt_fail gdb.realmode.x86_64 "rm-si on x86_64: '$got'" ;;
    esac
}

# int15-e820: the entries GDB read at ES:DI after each return equal the guest's
# "E820 ..." lines; A20 calls and answers equal its "A20 ..." lines; each caller
# address follows an `int $0x15` (cd 15) in the image.
check_int15() {
    local o=$d/i15 want got bad=""
    gdb_boot "$o" qemu-system-i386 "$(hvt_guest_img e820)" -x "$G/int15-e820.gdb" \
        "${AT7C00[@]}" -ex 'int15-e820 11'
    want=$(grep '^E820 ' "$o/serial.txt" | tr -d '\r')
    got=$(sed -n 's/^int15 e820 ret base=\([0-9a-f]*\) len=\([0-9a-f]*\) type=\([0-9a-f]*\) \(CF=.\) EBX=\([0-9a-f]*\).*/E820 \1 \2 \3 \4 EBX=\5/p' "$o/gdb.out")
    [ -n "$want" ] && [ "$got" = "$want" ] && hvt_ok gdb.int15.e820 ||
        hvt_fail gdb.int15.e820 "GDB: '$(echo "$got" | tr '\n' ';')' guest: '$(echo "$want" | tr '\n' ';')'"
    want=$(grep '^A20 ' "$o/serial.txt" | tr -d '\r')
    got=$(awk '/^int15 call .* AX=24/ { split($5, a, "="); ax = a[2] }
               /^int15 a20 ret/ { print "A20 " ax " " $4 " " $5 }' "$o/gdb.out")
    [ -n "$want" ] && [ "$got" = "$want" ] && hvt_ok gdb.int15.a20 ||
        hvt_fail gdb.int15.a20 "GDB: '$(echo "$got" | tr '\n' ';')' guest: '$(echo "$want" | tr '\n' ';')'"
    while read -r from; do
        [ "$(od -An -tx1 -j $(( $(seg_lin "$from") - 0x7c00 - 2 )) -N 2 \
             "$HVT_BUILD/guests/e820.img" | tr -d ' ')" = cd15 ] || bad="$bad $from"
    done < <(awk '/^int15 call from/ { print $4 }' "$o/gdb.out")
    [ -z "$bad" ] && grep -q '^int15 call from' "$o/gdb.out" && hvt_ok gdb.int15.caller ||
        hvt_fail gdb.int15.caller "no int 15h before return address(es):$bad"
}

# int1a-tcg: the call reaches an `out` to 0xb2, SMM is entered right after it
# (CS a000, IP 8000: SMBASE 0xa0000 under SeaBIOS), and it returns EAX=0x23 as the
# guest printed.  With QEMU's default step mask (7) the SMI stays masked: no SMM,
# the call does not return within the bound, and the guest never prints its
# answer (QEMU is ended through the monitor: the guest is wedged).
check_int1a() {
    local o=$d/i1a o7=$d/i1a7 tpm
    gdb_boot "$o" qemu-system-i386 "$(hvt_guest_img tpm)" -x "$G/int1a-tcg.gdb" \
        "${AT7C00[@]}" -ex 'int1a-tcg 5000'
    tpm=$(grep '^TPM ' "$o/serial.txt" | tr -d '\r')
    if grep -q '^int1a out-b2 step' "$o/gdb.out" &&
       grep -A3 '^int1a out-b2' "$o/gdb.out" | grep -q '^int1a step [0-9]* a000:8000 ' &&
       grep -q '^int1a ret after [0-9]* steps EAX=00000023 ' "$o/gdb.out" &&
       [ "${tpm%% EBX*}" = "TPM EAX=00000023" ]; then
        hvt_ok gdb.int1a.smi
        echo "# $(grep '^int1a ret' "$o/gdb.out")"
    else
        hvt_fail gdb.int1a.smi "guest '$tpm'; GDB: $(grep -E '^int1a (out-b2|ret|gave)' "$o/gdb.out" | tr '\n' ';')"
    fi
    gdb_boot "$o7" qemu-system-i386 "$(hvt_guest_img tpm)" -x "$G/int1a-tcg.gdb" \
        "${AT7C00[@]}" -ex 'set $i1a_sstep = 7' -ex 'int1a-tcg 1000' -ex 'monitor quit'
    if grep -q '^int1a out-b2 step' "$o7/gdb.out" &&
       grep -q '^int1a gave up after 1000 steps' "$o7/gdb.out" &&
       ! grep -q '^int1a step [0-9]* a000:' "$o7/gdb.out" &&
       ! grep -q '^TPM ' "$o7/serial.txt"; then
        hvt_ok gdb.int1a.sstep-mask
    else hvt_fail gdb.int1a.sstep-mask "with mask 7: $(grep -E '^int1a (ret|gave)' "$o7/gdb.out"); serial $(tr -d '\r' < "$o7/serial.txt" | tr '\n' ';')"; fi
}

# ivt-watch, both modes: vector 15h, old = the BIOS's vector (pmemsave of the IVT
# at 0x7c00 in check_realmode), new = 0000:hook15; stepping names hook_write,
# continuing stops at hook_next (x86 watchpoints trap after the write).  Both
# guests must still finish once GDB detaches (see ivt-watch-absorb).
check_ivt_watch() {
    local o=$d/ivw sym old new img
    mkdir -p "$o"
    img=$(hvt_guest_img ivthook) || { hvt_fail gdb.ivt-watch "ivthook guest not built"; return; }
    sym() { nm "$HVT_BUILD/guests/ivthook.elf" | awk -v s="$1" '$3 == s { sub(/^0+/, "", $1); print $1 }'; }
    old=$(od -An -tx2 -j $((4 * 0x15)) -N 4 "$d/rm/ivt.bin" | awk '{ print $2 ":" $1 }')
    new=$(printf '0000:%04x' "0x$(sym hook15)")
    gdb_boot "$o/step" qemu-system-i386 "$img" -x "$G/ivt-watch.gdb" \
        "${AT7C00[@]}" -ex 'ivt-watch 2000'
    if [ "$(grep '^ivt-watch vector' "$o/step/gdb.out")" = "ivt-watch vector 15 old $old new $new" ] &&
       [ "$(cat "$o/step/status")" = "$HVT_GUEST_EXIT_OK" ] &&
       grep -q "^ivt-watch writer step [0-9]* 0000:$(sym hook_write) linear 0x$(sym hook_write) " "$o/step/gdb.out"; then
        hvt_ok gdb.ivt-watch.step
    else hvt_fail gdb.ivt-watch.step "want 15 $old -> $new by $(sym hook_write): $(grep '^ivt-watch' "$o/step/gdb.out" | tr '\n' ';')"; fi
    gdb_boot "$o/cont" qemu-system-i386 "$img" -x "$G/ivt-watch.gdb" \
        "${AT7C00[@]}" -ex 'ivt-watch'
    if [ "$(grep '^ivt-watch vector' "$o/cont/gdb.out")" = "ivt-watch vector 15 old $old new $new" ] &&
       [ "$(cat "$o/cont/status")" = "$HVT_GUEST_EXIT_OK" ] &&
       grep -q "^ivt-watch after-writer 0000:$(sym hook_next) " "$o/cont/gdb.out"; then
        hvt_ok gdb.ivt-watch.continue
    else hvt_fail gdb.ivt-watch.continue "want stop at $(sym hook_next): $(grep '^ivt-watch' "$o/cont/gdb.out" | tr '\n' ';')"; fi
}

# dump-1m: both files are 1 MiB, hold the boot sector at 0x7c00 and agree.
check_dump() {
    local o=$d/dump f ok=1
    gdb_boot "$o" qemu-system-i386 "$(hvt_guest_img hello)" -x "$G/dump-1m.gdb" \
        "${AT7C00[@]}" -ex "dump-1m $o/gdb.bin" -ex "set \$dump_file = \"$o/qemu.bin\"" \
        -ex dump-1m-qemu
    for f in gdb qemu; do
        [ "$(stat -c %s "$o/$f.bin" 2>/dev/null)" = 1048576 ] &&
        cmp -s <(tail -c +$((0x7c00 + 1)) "$o/$f.bin" | head -c 512) "$HVT_BUILD/guests/hello.bin" || ok=0
    done
    [ "$ok" = 1 ] && cmp -s "$o/gdb.bin" "$o/qemu.bin" && hvt_ok gdb.dump-1m ||
        hvt_fail gdb.dump-1m "sizes $(stat -c %s "$o"/*.bin 2>/dev/null | tr '\n' ' '); boot sector or files differ"
}

check_realmode
check_realmode64
check_int15
check_int1a
check_ivt_watch
check_dump
