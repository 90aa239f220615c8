#!/usr/bin/env bash
# hvtrace record --with-hv: the same disk recorded under hv.  Truth: hv's own
# serial log (its banner and intercept lines), the guest's output compared with
# a plain QEMU boot, and the int 15h stub bytes hv documents (0f 01 d9 cf).
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
img=$(hvt_guest_img e820)

for arch in i386 x86_64; do
    run=$t/hv-$arch.db
    if ! "$HVT" record --with-hv=$arch --hv-opts "tpm=absent" --from 0000:7c00 -o "$run" "$img" \
            > "$t/out-$arch" 2>&1; then
        hvt_fail "record_with_hv_$arch" "$(tail -1 "$t/out-$arch")"; continue
    fi
    meta=$(sqlite3 "$run" "SELECT key || '=' || value FROM meta WHERE key LIKE 'hv%'")
    serial=$(sqlite3 "$run" "SELECT line FROM serial_lines")
    # The guest's E820 lines as a plain QEMU boot printed them, less hv's range.
    stub=$(sqlite3 "$run" "SELECT count(*) FROM insns WHERE pc = '000004ac' AND bytes LIKE '0f01d9%'")
    if ! echo "$meta" | grep -q "hv_image=.*hv-$arch.elf" || ! echo "$meta" | grep -q 'hv_opts=tpm=absent' ||
       ! echo "$meta" | grep -q 'hv_sha256=[0-9a-f]\{64\}'; then
        hvt_fail "record_with_hv_$arch" "run file lacks hv provenance: $meta"
    elif ! echo "$serial" | grep -q "hv: .*$arch host" || ! echo "$serial" | grep -q 'HVT-DONE e820'; then
        hvt_fail "record_with_hv_$arch" "serial lacks hv banner or guest end marker"
    elif [ "$stub" != 1 ]; then
        hvt_fail "record_with_hv_$arch" "no VMMCALL stub recorded at 0040:00ac ($stub)"
    else
        hvt_ok "record_with_hv_$arch"
    fi
done

# Every E820 intercept hv logged is a recorded execution of the stub at 0x4ac.
run=$t/hv-i386.db
calls=$(sqlite3 "$run" "SELECT count(*) FROM serial_lines WHERE line LIKE 'CPU(0x00): Intercept%e820'")
entries=$(sqlite3 "$run" "SELECT count(*) FROM serial_lines WHERE line LIKE 'E820 %'")
if [ "${calls:-0}" -ge 3 ] && [ "$calls" = "$entries" ]; then
    hvt_ok hv_intercepts_match_guest_calls
else
    hvt_fail hv_intercepts_match_guest_calls "$calls intercepts logged, guest printed $entries entries"
fi

# The seed's failure class: smi=host leaves the guest's BIOS call hanging; the
# recorder must end the run by itself and say why (hv's own verdict, from its
# serial line "hv: guest stopped: ...").
"$HVT" record --with-hv --hv-opts "smi=host" --from 0000:7c00 --timeout 120 -o "$t/smihost.db" \
    "$(hvt_guest_img tpm)" > "$t/out-smi" 2>&1
status=$("$HVT" info "$t/smihost.db" | grep '^status')
if echo "$status" | grep -q 'incomplete: hv stopped the guest: guest stuck: hlt with interrupts off at 0xf000:' &&
   sqlite3 "$t/smihost.db" "SELECT line FROM serial_lines" | grep -qi 'smi'; then
    hvt_ok smi_host_run_ends_stuck
else
    hvt_fail smi_host_run_ends_stuck "$status / $(tail -1 "$t/out-smi")"
fi

# COM1 is shared: hv logs each intercept while the guest is half-way through
# its "A20 <ax> AX=<hex> CF=<n>" line (the guest's own format, e820.S).  Each
# writer's line must come out whole: the guest's A20 lines in its format, as
# many as it made calls (4: 2403h, 2402h, 2401h, 2400h), and hv's lines never
# glued to a guest's.
a20=$(sqlite3 "$run" "SELECT line FROM serial_lines WHERE line LIKE 'A20 %'")
bad=$(sqlite3 "$run" "SELECT line FROM serial_lines WHERE line LIKE '_%CPU(0x00)%' OR line LIKE ' AX=%'")
if [ "$(echo "$a20" | grep -cE '^A20 240[0-3] AX=[0-9a-f]{4} CF=[01]$')" = 4 ] && [ -z "$bad" ]; then
    hvt_ok shared_serial_lines_stay_whole
else
    hvt_fail shared_serial_lines_stay_whole "A20 lines: $(echo "$a20" | tr '\n' ';') cut: $(echo "$bad" | head -3 | tr '\n' ';')"
fi

# What the run file knows of hv, beside what hvtrace passed it: its range and
# options as hv printed them.  Truth: hv's ELF symbols hv_image_start and
# hv_image_end (nm), and the --hv-opts given (tpm=absent) among its options.
info=$("$HVT" info "$run")
lo=$(nm "$HVT_BUILD/hv-i386.elf" | sed -n 's/^0*\([0-9a-f]*\) . hv_image_start$/\1/p')
end=$(nm "$HVT_BUILD/hv-i386.elf" | sed -n 's/^0*\([0-9a-f]*\) . hv_image_end$/\1/p')
want_range=$(printf '%x-%x' $((0x$lo)) $((0x$end - 1)))
if echo "$info" | grep -q "^hv_range  *$want_range " && echo "$info" | grep -q '^hv_options .*tpm=absent' &&
   echo "$info" | grep -q '^hv_opts  *tpm=absent$'; then
    hvt_ok info_names_hv_range_and_options
else
    hvt_fail info_names_hv_range_and_options "want range $want_range: $(echo "$info" | grep '^hv' | tr '\n' ';')"
fi
