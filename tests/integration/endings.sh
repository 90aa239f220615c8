#!/usr/bin/env bash
# Every way a recording ends (issue 9 point 3, issue 13): the status line, the
# end snapshot, the exit code, and what is left on disk.  Truths that do not
# come from hvtrace: the guest's own ELF (where its final `hlt` is), the guest's
# source (what it prints), QEMU's documented exit/shutdown behaviour, the run
# file's SQLite integrity check, and the byte values on stdout.
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 sqlite3 nm python3
HVT=$HVT_BUILD/hvtrace
C=$HVT_BUILD/guests/cases
t=$(hvt_tmpdir)
export TMPDIR=$t/tmp             # our recorders' private directories, checked below
mkdir -p "$TMPDIR"

status_of() { "$HVT" info "$1" 2>&1 | sed -n 's/^status *//p'; }
snap_labels() { sqlite3 "$1" "SELECT group_concat(label || '@' || step, ' ') FROM snapshots" 2>&1; }
steps_of() { sqlite3 "$1" "SELECT steps FROM run_info" 2>&1; }
# sym GUEST NAME: linear address of a symbol in build/guests/cases/GUEST.elf.
sym() { nm "$C/$1.elf" | awk -v n="$2" '$3 == n { print $1 }'; }
# The guest's final `cli; hlt` (bytes fa f4) in its boot sector: linear address of the hlt.
final_hlt() {
    od -An -v -tx1 -N 510 "$C/$1.img" | tr -s ' \n' '\n\n' | sed '/^$/d' |
        awk 'prev == "fa" && $1 == "f4" { at = NR - 1 } { prev = $1 } END { if (at) printf "%04x\n", 31744 + at }'
}

# ---- endings that are complete, each with start AND end snapshots ----
for g in ivthook ivtnohook; do
    "$HVT" record --from 0000:7c00 --timeout 120 -o "$t/$g.db" "$C/$g.img" > "$t/$g.out" 2>&1
    want="complete: guest halted (cli; hlt) at 0000:$(final_hlt $g)"
    n=$(steps_of "$t/$g.db")
    if [ "$(status_of "$t/$g.db")" = "$want" ] &&
       [ "$(snap_labels "$t/$g.db")" = "start@0 end@$n" ]; then
        hvt_ok "ending_cli_hlt_is_complete_$g"
    else
        hvt_fail "ending_cli_hlt_is_complete_$g" "want '$want' + start/end snapshots; got '$(status_of "$t/$g.db")', $(snap_labels "$t/$g.db")"
    fi
done
# A `cli; hlt` inside the range a banner on COM1 names as hv's image is hv's
# halt, not the guest's: incomplete, in both engines.  Truth: hvbanner.S's
# header (its banner names 7c00-7dff) and the address of its hlt (nm).
hlt=$(nm "$HVT_BUILD/guests/hvbanner.elf" | awk '$3 == "final_hlt" { print substr($1, 5) }')
for eng in log rsp; do
    "$HVT" record --engine $eng --from 0000:7c00 --timeout 120 -o "$t/hvb-$eng.db" \
        "$HVT_BUILD/guests/hvbanner.img" > "$t/hvb-$eng.out" 2>&1
    want="incomplete: hv halted (cli; hlt) at 0000:$hlt, in its own code (7c00-7dff by its banner): the guest did not finish"
    if [ -n "$hlt" ] && [ "$(status_of "$t/hvb-$eng.db")" = "$want" ]; then
        hvt_ok "ending_halt_in_hv_code_is_hvs_$eng"
    else
        hvt_fail "ending_halt_in_hv_code_is_hvs_$eng" "want '$want'; got '$(status_of "$t/hvb-$eng.db")' ($(tail -1 "$t/hvb-$eng.out"))"
    fi
done

# The diff of the two sees the hook in the end snapshots (ivthook.S's header).
"$HVT" diff "$t/ivtnohook.db" "$t/ivthook.db" > "$t/ivt.diff" 2>&1
if grep -q 'int 13h: f000:e3fe .*-> 9f80:0000' "$t/ivt.diff" && grep -q 'BDA 413' "$t/ivt.diff"; then
    hvt_ok ending_snapshots_let_diff_label_the_ivt_hook
else
    hvt_fail ending_snapshots_let_diff_label_the_ivt_hook "$(grep -c . "$t/ivt.diff") lines, no int 13h/BDA 413 label"
fi

# ACPI power-off (poweroff.asm writes SLP_EN to PM1a_CNT 0x604): complete, with
# the end snapshot taken while the VM is paused (-no-shutdown), in both engines.
for e in log rsp; do
    "$HVT" record --engine $e --from 0000:7c00 --timeout 120 -o "$t/off-$e.db" "$C/poweroff.img" > "$t/off-$e.out" 2>&1
    n=$(steps_of "$t/off-$e.db")
    if [ "$(status_of "$t/off-$e.db")" = "complete: guest powered off (ACPI)" ] &&
       [ "$(snap_labels "$t/off-$e.db")" = "start@0 end@$n" ] &&
       sqlite3 "$t/off-$e.db" "SELECT line FROM serial_lines" | grep -qx POWEROFF-NOW; then
        hvt_ok "ending_acpi_poweroff_is_complete_$e"
    else
        hvt_fail "ending_acpi_poweroff_is_complete_$e" "$(status_of "$t/off-$e.db"); $(snap_labels "$t/off-$e.db")"
    fi
done

# The power-off rule: the trace ends with the step whose `out` requested the
# power-off, whatever QEMU's vCPU ran after it before the VM paused (offspin.S
# goes on with a 2000-iteration `loop`).  Truth: offspin's ELF (symbol off_out),
# and the two engines, which reach the pause differently, agree.
off=$(nm "$HVT_BUILD/guests/offspin.elf" | awk '$3 == "off_out" { sub(/^0+/, "", $1); print $1 }')
for e in log rsp; do
    "$HVT" record --engine $e --from 0000:7c00 --timeout 120 -o "$t/spin-$e.db" \
        "$HVT_BUILD/guests/offspin.img" > "$t/spin-$e.out" 2>&1
    n=$(steps_of "$t/spin-$e.db")
    last=$(sqlite3 "$t/spin-$e.db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" \
           "SELECT printf('%x', pc) FROM hvt_steps ORDER BY step DESC LIMIT 1" 2>&1)
    if [ "$(status_of "$t/spin-$e.db")" = "complete: guest powered off (ACPI)" ] &&
       [ "$(snap_labels "$t/spin-$e.db")" = "start@0 end@$n" ] && [ "$last" = "$off" ]; then
        hvt_ok "ending_poweroff_trace_ends_at_its_out_$e"
    else
        hvt_fail "ending_poweroff_trace_ends_at_its_out_$e" "$(status_of "$t/spin-$e.db"); $(snap_labels "$t/spin-$e.db"); last step at $last, the out at $off"
    fi
done
if [ -n "$(steps_of "$t/spin-log.db")" ] && [ "$(steps_of "$t/spin-log.db")" = "$(steps_of "$t/spin-rsp.db")" ]; then
    hvt_ok ending_poweroff_same_steps_both_engines
else
    hvt_fail ending_poweroff_same_steps_both_engines "log $(steps_of "$t/spin-log.db") steps, rsp $(steps_of "$t/spin-rsp.db")"
fi

# isa-debug-exit ends QEMU inside the `out` (issue 9 point 3): both engines still
# have an end snapshot.  Truth: endpat.S's own construction (its header): a
# 4 KiB pattern at 0x6000, "HEND" at 0x5ff0 stored right before the `out`, 'E'
# at 0xb8000 (VGA text memory).  The RSP engine reads the memory before the
# `out` (1 MiB, VGA included); the log engine the guest's RAM file after QEMU
# exited: RAM 0-0x9ffff only, VGA and ROM left out, an event says so.
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 37 + 11) & 255 for i in range(4096)))' > "$t/endpat.want"
for e in log rsp; do
    "$HVT" record --engine $e --from 0000:7c00 --timeout 120 -o "$t/pat-$e.db" \
        "$HVT_BUILD/guests/endpat.img" > "$t/pat-$e.out" 2>&1
    n=$(steps_of "$t/pat-$e.db")
    "$HVT" mem "$t/pat-$e.db" end -o "$t/pat-$e.end" > /dev/null 2>&1
    "$HVT" mem "$t/pat-$e.db" start -o "$t/pat-$e.start" > /dev/null 2>&1
    at() { od -An -v -tx1 -j $(($2)) -N "$3" "$1" 2>/dev/null | tr -d ' \n'; }
    why=
    [ "$(status_of "$t/pat-$e.db")" = "complete: guest wrote 32 to isa-debug-exit" ] ||
        why="$why status '$(status_of "$t/pat-$e.db")';"
    [ "$(snap_labels "$t/pat-$e.db")" = "start@0 end@$n" ] || why="$why snapshots $(snap_labels "$t/pat-$e.db");"
    cmp -s <(tail -c +$((0x6000 + 1)) "$t/pat-$e.end" | head -c 4096) "$t/endpat.want" ||
        why="$why end snapshot at 0x6000 is not the pattern;"
    [ "$(at "$t/pat-$e.end" 0x5ff0 4)" = 48454e44 ] || why="$why end 0x5ff0 = $(at "$t/pat-$e.end" 0x5ff0 4), not HEND;"
    [ "$(at "$t/pat-$e.start" 0x5ff0 4)" = 00000000 ] || why="$why start 0x5ff0 = $(at "$t/pat-$e.start" 0x5ff0 4);"
    if [ $e = rsp ]; then
        [ "$(stat -c %s "$t/pat-$e.end" 2>/dev/null)" = 1048576 ] && [ "$(at "$t/pat-$e.end" 0xb8000 2)" = 451f ] ||
            why="$why end snapshot: $(stat -c %s "$t/pat-$e.end" 2>/dev/null) bytes, 0xb8000 = $(at "$t/pat-$e.end" 0xb8000 2) (want 1 MiB, 451f);"
    else
        [ "$(stat -c %s "$t/pat-$e.end" 2>/dev/null)" = 655360 ] &&
            sqlite3 "$t/pat-$e.db" "SELECT kind FROM events" | grep -qx end-from-ram ||
            why="$why end snapshot: $(stat -c %s "$t/pat-$e.end" 2>/dev/null) bytes (want 640 KiB of RAM), events $(sqlite3 "$t/pat-$e.db" "SELECT group_concat(kind) FROM events");"
    fi
    if [ -z "$why" ]; then hvt_ok "ending_debug_exit_has_end_snapshot_$e"
    else hvt_fail "ending_debug_exit_has_end_snapshot_$e" "$why"; fi
done

# smi.S under hv smi=host: hv takes the SMI in host context, the guest goes on,
# prints its line and halts normally: no "stuck BIOS call" verdict.
"$HVT" record --with-hv --hv-opts smi=host --from 0000:7c00 --timeout 120 -o "$t/smi.db" \
    "$C/smi.img" > "$t/smi.out" 2>&1
serial=$(sqlite3 "$t/smi.db" "SELECT line FROM serial_lines" 2>&1)
if [ "$(status_of "$t/smi.db")" = "complete: guest halted (cli; hlt) at 0000:$(final_hlt smi)" ] &&
   grep -q '^SMI done EAX=' <<< "$serial" && grep -q 'SMI taken in host context' <<< "$serial" &&
   ! grep -q 'never returns' <<< "$serial"; then
    hvt_ok ending_smi_host_guest_halts_normally
else
    hvt_fail ending_smi_host_guest_halts_normally "$(status_of "$t/smi.db") / $(grep 'guest stopped' <<< "$serial")"
fi

# --steps, --until, --timeout: each ends with an end snapshot at the last step.
"$HVT" record --from 0000:7c00 --steps 50 -o "$t/steps.db" "$C/irqs.img" > /dev/null 2>&1
ok=1; why=
for f in steps; do
    [ "$(status_of "$t/$f.db")" = "complete: recorded --steps 50" ] &&
        [ "$(snap_labels "$t/$f.db")" = "start@0 end@50" ] || { ok=0; why="$why $f: $(status_of "$t/$f.db") $(snap_labels "$t/$f.db");"; }
done
[ $ok = 1 ] && hvt_ok ending_steps_has_end_snapshot || hvt_fail ending_steps_has_end_snapshot "$why"

# Ctrl-C to the terminal's process group: the recorder ends the run ("interrupted
# by signal 2", steps kept, end snapshot), QEMU (its own group) is not hit first.
# (The shell itself ignores SIGINT so that it waits for the recorder to finish.)
setsid bash -c "trap '' INT; \"$HVT\" record -o \"$t/int.db\" \"$C/irqs.img\" > \"$t/int.out\" 2>&1 & sleep 3; kill -INT -\$\$; wait" 2>/dev/null
n=$(steps_of "$t/int.db")
if [ "$(status_of "$t/int.db")" = "incomplete: interrupted by signal 2" ] && [ "${n:-0}" -gt 0 ] &&
   [ "$(snap_labels "$t/int.db")" = "start@0 end@$n" ]; then
    hvt_ok ending_sigint_to_process_group
else
    hvt_fail ending_sigint_to_process_group "$(status_of "$t/int.db"); $(snap_labels "$t/int.db"); $(cat "$t/int.out")"
fi

# QEMU killed by SIGTERM / SIGKILL mid-recording: named as such (QEMU catches
# SIGTERM and exits 0, which is not a triple fault).
for sig in TERM KILL; do
    "$HVT" record -o "$t/q$sig.db" "$C/irqs.img" > "$t/q$sig.out" 2>&1 &
    rec=$!
    sleep 3
    pkill -"$sig" -P "$rec" qemu-system 2>/dev/null
    wait "$rec"; rc=$?
    num=$(kill -l "$sig")
    # The end snapshot: the guest's RAM when QEMU died (its RAM file), 640 KiB.
    if [ "$(status_of "$t/q$sig.db")" = "incomplete: QEMU killed by signal $num" ] && [ "$rc" = 0 ] &&
       [ "$(sqlite3 "$t/q$sig.db" "SELECT len FROM snapshots WHERE label = 'end'")" = 655360 ]; then
        hvt_ok "ending_qemu_killed_by_sig$sig"
    else
        hvt_fail "ending_qemu_killed_by_sig$sig" "exit $rc: $(status_of "$t/q$sig.db") / $(snap_labels "$t/q$sig.db") / $(tail -1 "$t/q$sig.out")"
    fi
done

# ---- the hostile guest: no raw control byte or invalid UTF-8 on stdout ----
sed 's/"A"/"B"/' "$HVT_ROOT/tests/guests/cases/hostile.S" > "$t/hostileb.S"
as --32 -I "$HVT_ROOT/tests/guests" -o "$t/hb.o" "$t/hostileb.S" &&
    ld -m elf_i386 -Ttext 0x7c00 -e _start -o "$t/hb.elf" "$t/hb.o" &&
    objcopy -O binary "$t/hb.elf" "$t/hostileb.img" && truncate -s 65536 "$t/hostileb.img"
"$HVT" record --from 0000:7c00 -o "$t/ha.db" "$C/hostile.img" > /dev/null 2>&1
"$HVT" record --from 0000:7c00 -o "$t/hb.db" "$t/hostileb.img" > /dev/null 2>&1
"$HVT" info "$t/ha.db" > "$t/h.info" 2>&1
"$HVT" show "$t/ha.db" --count 0 > "$t/h.show" 2>&1
"$HVT" diff "$t/ha.db" "$t/hb.db" > "$t/h.diff" 2>&1
"$HVT" diff --json "$t/ha.db" "$t/hb.db" > "$t/h.json" 2>/dev/null
# The HTML report shows the runs' names: a file name is outside text too.
evil="$t/<img src=x onerror=alert(9)>.db"
cp "$t/ha.db" "$evil"
"$HVT" diff --html "$t/h.html" "$evil" "$t/hb.db" > /dev/null 2>&1
bad=
for f in h.info h.show h.diff h.json; do
    # A control byte other than TAB/LF, or bytes that are not UTF-8: a terminal
    # would act on them (ECMA-48) or a JSON parser reject them.
    if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$t/$f" || tr -d '\n\t' < "$t/$f" | grep -qP '\x00' ||
       ! iconv -f UTF-8 -t UTF-8 "$t/$f" > /dev/null 2>&1 || LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$t/$f"; then
        bad="$bad $f"
    fi
done
if [ -z "$bad" ] && grep -qF '\x1b]0;PWNED\x07' "$t/h.info" && grep -qF '\x9b1mC1' "$t/h.info"; then
    hvt_ok hostile_guest_text_escaped_on_stdout
else
    hvt_fail hostile_guest_text_escaped_on_stdout "raw bytes in:$bad; $(grep -c PWNED "$t/h.info") PWNED lines in info"
fi
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$t/h.json" 2> "$t/json.err"; then
    hvt_ok hostile_guest_json_parses
else
    hvt_fail hostile_guest_json_parses "$(tail -1 "$t/json.err")"
fi
# NUL and CR: the serial line is stored whole, byte for byte (hostile.S prints
# "\0NUL\bBS\rCR\r\n": the line ends with all but its CR LF).
if sqlite3 "$t/ha.db" "SELECT hex(CAST(line AS BLOB)) FROM serial_lines" | grep -q '004E554C0842530D4352$'; then
    hvt_ok hostile_guest_nul_kept_in_serial_line
else
    hvt_fail hostile_guest_nul_kept_in_serial_line "$(sqlite3 "$t/ha.db" "SELECT hex(CAST(line AS BLOB)) FROM serial_lines" | grep 4E554C)"
fi
# The HTML report in a real browser: the guest's <script>/<svg onload> stay text.
if command -v chromium > /dev/null; then
    timeout 60 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$t/h.html" > "$t/h.dom" 2>/dev/null
    if [ -s "$t/h.dom" ] && ! grep -qi '<script\|<img\|onerror=alert(9)>' "$t/h.dom" &&
       grep -qF '&lt;img src=x onerror=alert(9)&gt;' "$t/h.dom"; then
        hvt_ok hostile_guest_html_has_no_script_in_dom
    else
        hvt_fail hostile_guest_html_has_no_script_in_dom "$(grep -oi '<script[^>]*>\|<img[^>]*>' "$t/h.dom" | head -3 | tr '\n' ' ') ($(wc -c < "$t/h.dom") bytes of DOM)"
    fi
else
    hvt_skip hostile_guest_html_has_no_script_in_dom "chromium not installed"
fi

# ---- nothing left behind ----
left=$(ls "$TMPDIR" | grep '^hvtrace-' | tr '\n' ' ')
if [ -z "$left" ]; then hvt_ok endings_leave_no_temp_files
else hvt_fail endings_leave_no_temp_files "$left"; fi
