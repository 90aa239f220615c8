#!/usr/bin/env bash
# guests: boots every test guest in plain QEMU and checks what it prints against
# facts obtained independently of the guest: the size of QEMU's RAM (-m 32), the
# image bytes (checksums computed here), the TCG spec's "TPM not present" code, and
# QEMU's own per-instruction log for hello's documented instruction count.
# Not checked here: anything about hvtrace or hv; they have their own tests.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-i386 gdb awk

MEM_MB=32            # hvt_qemu_run's -m
d=$(hvt_tmpdir)

# boot GUEST: run it, check the markers; the serial log is left in $d/GUEST/serial.txt.
boot() {
    local g=$1 s=$d/$1/serial.txt t0 t1
    t0=$(date +%s%N)
    if ! hvt_qemu_run "$g" "$d/$g"; then
        hvt_fail "guests.$g.boot" "QEMU status $(cat "$d/$g/status"): $(tail -c 300 "$s" 2>/dev/null)"
        return 1
    fi
    t1=$(date +%s%N)
    if [ "$(head -1 "$s" | tr -d '\r')" != "HVT-BEGIN $g" ] ||
       [ "$(tail -1 "$s" | tr -d '\r')" != "HVT-DONE $g" ]; then
        hvt_fail "guests.$g.boot" "markers missing: $(head -c 300 "$s")"
        return 1
    fi
    echo "# $g boots in $(( (t1 - t0) / 1000000 )) ms"
    hvt_ok "guests.$g.boot"
}

# line GUEST PREFIX: the guest's serial lines starting with PREFIX, CR stripped.
line() { grep "^$2" "$d/$1/serial.txt" | tr -d '\r'; }

check_hello() {
    boot hello || return
    local want; want=$(printf 'SUM %04x' $(( 10 * 11 / 2 )))
    if [ "$(line hello SUM)" = "$want" ]; then hvt_ok guests.hello.sum
    else hvt_fail guests.hello.sum "got '$(line hello SUM)', want '$want'"; fi
}

# QEMU's exec log from 0x7c00 must hold exactly the count documented in hello.S,
# and its last instruction must be the `out %al, $0xf4` (bytes e6 f4) that ends QEMU.
check_hello_count() {
    local t=$d/hello-trace want got last off bytes
    want=$(awk '$1 == ".set" && $2 == "HELLO_COUNT," { print $3 }' "$HVT_ROOT/tests/guests/hello.S")
    if ! hvt_qemu_trace hello "$t"; then
        hvt_fail guests.hello.count "traced run: QEMU status $(cat "$t/status")"; return
    fi
    hvt_qemu_eips_from "$t/qemu.log" 0x7c00 > "$t/pcs"
    got=$(wc -l < "$t/pcs"); last=$(tail -1 "$t/pcs")
    off=$(( last - 0x7c00 ))
    bytes=$(od -An -tx1 -j "$off" -N 2 "$HVT_BUILD/guests/hello.img" | tr -d ' ')
    if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$bytes" = e6f4 ]; then
        hvt_ok guests.hello.count
    else
        hvt_fail guests.hello.count "QEMU executed $got instructions (documented: $want), last at $last is '$bytes'"
    fi
}

# e820: every CF=0 entry parses; one type-1 entry covers 0..0x9f000 (the guest's own
# memory); RAM entries end at most at MEM_MB; the last call returned EBX=0; A20
# calls succeed; E801's BX (64 KiB blocks above 16 MiB) matches E820's RAM end.
check_e820() {
    boot e820 || return
    local ok=1 why="" base len type ebx low=0 top=0 last_ebx=x
    while read -r _ base len type cf ebx; do
        [ "$cf" = CF=0 ] || { ok=0; why="call failed: $base $len $type $cf"; break; }
        base=$((16#$base)); len=$((16#$len)); type=$((16#$type)); last_ebx=${ebx#EBX=}
        if [ "$type" = 1 ]; then
            [ "$base" = 0 ] && [ "$len" -ge $((0x9f000)) ] && low=1
            [ $((base + len)) -gt "$top" ] && [ "$base" -lt $((1 << 32)) ] && top=$((base + len))
        fi
    done < <(line e820 'E820 ')
    [ "$low" = 1 ] || { ok=0; why="$why; no type-1 entry at 0 covering 0x9f000"; }
    [ "$top" -le $((MEM_MB << 20)) ] && [ "$top" -ge $(((MEM_MB - 1) << 20)) ] ||
        { ok=0; why="$why; RAM ends at $top, QEMU has $MEM_MB MiB"; }
    [ "$last_ebx" = 00000000 ] || { ok=0; why="$why; last EBX=$last_ebx"; }
    [ "$ok" = 1 ] && hvt_ok guests.e820.map || hvt_fail guests.e820.map "${why#; }"

    if [ "$(line e820 'A20 ' | grep -c 'CF=0$')" = 4 ] &&
       line e820 'A20 2402' | grep -q 'AX=0001'; then hvt_ok guests.e820.a20
    else hvt_fail guests.e820.a20 "$(line e820 'A20 ' | tr '\n' ';')"; fi

    local e801 bx
    e801=$(line e820 'E801 ')
    bx=$(echo "$e801" | sed -n 's/.* BX=\([0-9a-f]*\).*/\1/p')
    if [ -n "$bx" ] && [ $(( (16 << 20) + (16#$bx << 16) )) = "$top" ] &&
       echo "$e801" | grep -q 'AX=3c00 .*CF=0'; then hvt_ok guests.e820.e801
    else hvt_fail guests.e820.e801 "'$e801' vs E820 RAM end $top"; fi
}

# tpm: no TPM device in this QEMU, so TCG_StatusCheck must say 0x23 (TPM not present).
check_tpm() {
    boot tpm || return
    if line tpm 'TPM ' | grep -q '^TPM EAX=00000023 '; then hvt_ok guests.tpm.absent
    else hvt_fail guests.tpm.absent "got '$(line tpm 'TPM ')'"; fi
}

# field LINE KEY: the hex value after "KEY=" in LINE.
field() { echo "$1" | sed -n "s/.*$2=\([0-9a-f]*\).*/\1/p"; }

# disk: the extensions answer, and the loaded stage 2 must checksum (32-bit sum of
# little-endian dwords) to what the image holds in sectors 1..N, N being the count
# the BIOS reports it transferred; AH=48h must report the image's size.
check_disk() {
    boot disk || return
    local ext read n want v sum params img=$HVT_BUILD/guests/disk.img
    ext=$(line disk 'EXT '); read=$(line disk 'READ ')
    if [ "$(field "$ext" BX)" = aa55 ] && [ $(( 16#$(field "$ext" CX) & 1 )) = 1 ] &&
       echo "$ext" | grep -q 'CF=0$'; then hvt_ok guests.disk.ext
    else hvt_fail guests.disk.ext "got '$ext'"; fi

    n=$((16#$(field "$read" N)))
    want=0
    for v in $(od -An -tu4 -v -j 512 -N $((n * 512)) "$img"); do
        want=$(( (want + v) & 0xffffffff ))
    done
    want=$(printf 'SUM %08x' "$want")
    sum=$(line disk 'SUM ')
    if echo "$read" | grep -q 'LBA=00000001 .*CF=0' && [ "$n" -gt 0 ] && [ "$sum" = "$want" ] &&
       [ "$(line disk STAGE2)" = "STAGE2 IP=7e00" ]; then hvt_ok guests.disk.read
    else hvt_fail guests.disk.read "'$read' '$sum' '$(line disk STAGE2)', image says '$want'"; fi

    params=$(line disk 'PARAMS ')
    if [ $((16#$(field "$params" SECTORS))) = $(( $(stat -c %s "$img") / 512 )) ] &&
       [ "$(field "$params" BPS)" = 0200 ] && echo "$params" | grep -q 'CF=0$'
    then hvt_ok guests.disk.params
    else hvt_fail guests.disk.params "got '$params' for a $(stat -c %s "$img")-byte image"; fi
}

# pmode: the text survives rep movsb in real mode and the 32-bit round trip through
# 1 MiB; CR0.PE is set in protected mode only; EDI ends 16 bytes past 0x100000; the
# dword read back at FFFF:0010 is the text's first four bytes (little-endian).
check_pmode() {
    boot pmode || return
    local text='HVT-PMODE-COPY!!' pm rm high
    high=$(printf '%s' "$text" | od -An -tx4 -N 4 | tr -d ' ')
    pm=$(line pmode 'PM CR0'); rm=$(line pmode 'RM CR0')
    if [ "$(line pmode "RM $text")" = "RM $text" ] && [ "$(line pmode "PM $text")" = "PM $text" ] &&
       [ $(( 16#$(field "$pm" CR0) )) = $(( 16#$(field "$rm" CR0) | 1 )) ] &&
       [ $(( 16#$(field "$rm" CR0) & 1 )) = 0 ] &&
       [ "$(field "$pm" EDI)" = "$(printf '%08x' $((0x100000 + ${#text})))" ] &&
       [ "$(field "$rm" HIGH)" = "$high" ]; then hvt_ok guests.pmode.copy
    else hvt_fail guests.pmode.copy "$(tr -d '\r' < "$d/pmode/serial.txt" | tr '\n' ';')"; fi
}

# winlike: every call it makes answers as in the single-purpose guests above.
check_winlike() {
    boot winlike || return
    local why=""
    [ "$(field "$(line winlike 'EXT ')" BX)" = aa55 ] || why="$why; EXT"
    [ "$(line winlike 'READ ' | grep -c 'CF=0 AH=0000$')" = 2 ] || why="$why; READ"
    line winlike 'TPM ' | grep -q '^TPM EAX=00000023 ' || why="$why; TPM"
    if [ -f "$d/e820/serial.txt" ]; then
        [ "$(line winlike 'E820 ')" = "$(line e820 'E820 ')" ] || why="$why; E820 differs from e820's"
    fi
    line winlike 'A20 2401' | grep -q 'CF=0$' || why="$why; A20"
    if [ -z "$why" ]; then hvt_ok guests.winlike.calls
    else hvt_fail guests.winlike.calls "${why#; }: $(tr -d '\r' < "$d/winlike/serial.txt" | tr '\n' ';')"; fi
}

check_hello
check_hello_count
check_e820
check_tpm
check_disk
check_pmode
check_winlike
