#!/usr/bin/env bash
# why_dma: memory a device wrote (DMA) and a `rep movsw` read ends the chain
# at the device, in both QEMU engines (issue 10, point 2: stop where the
# runs' inputs come from outside the guest, and name it).  The chain_dma
# guest asks QEMU's fw_cfg for its signature by DMA into dmabuf (the out to
# 518h at `asked`), copies it with `rep movsw` at `copyit`, loads the second
# word at `load` and branches at `planted`.  Truths: the guest's symbols (nm)
# and the word it printed ("DMA WORD 554d": fw_cfg's "QEMU", bytes 2-3), not
# hvtrace's own state.
#   why_dma_ends_at_the_device_ENGINE  `hvtrace why RUN STEP zf` at the branch:
#                                      cmp, the load, the rep movsw iteration
#                                      that copied dmabuf+2, then the device
#                                      (cause dma) at the out to 518h, with
#                                      the value the guest printed
#   why_dma_ends_at_the_device_ENGINEclr  the same with dmabuf cleared by the
#                                      guest's `rep stosw` before the DMA
#                                      (chain_dmaclr): the device wrote over
#                                      that store, and the link says so
#   why_ide_pio_is_the_port_read       the disk guest's stage 2 (int 13h AH=42h
#                                      to 0x7e00): SeaBIOS reads the IDE disk by
#                                      PIO, `rep insw` (bytes f3 6d, SDM vol 2
#                                      INS), an instruction: its first word's
#                                      chain ends at that port read (0x1f0),
#                                      not at DMA nor 'start'
#   why_dma_not_claimed_without_a_device_bochs  Bochs has no fw_cfg: the buffer
#                                      keeps what it held at the start and the
#                                      guest prints that word; the chain (fed by
#                                      Bochs' recorded reads) ends at 'start'
#                                      with the printed value, not at a device
. "$(dirname "$0")/../lib.sh"
hvt_need qemu-system-x86_64 python3 nm sqlite3
HVT=$HVT_BUILD/hvtrace
t=$(hvt_tmpdir)
img=$(hvt_guest_img chain_dma) || exit 0
g=chain_dma
sym() { printf '%d' "0x$(nm "$HVT_BUILD/guests/$g.elf" | awk -v s="$1" '$3 == s { print $1 }')"; }

for g in chain_dma chain_dmaclr; do
for engine in log rsp; do
    name=why_dma_ends_at_the_device_$engine${g#chain_dma}
    gimg=$(hvt_guest_img "$g") || exit 0
    if ! "$HVT" record --engine "$engine" --from 0000:7c00 --timeout 120 -o "$t/$g-$engine.db" \
        "$gimg" > "$t/$g-$engine.out" 2>&1; then
        hvt_fail "$name" "recording failed: $(tail -1 "$t/$g-$engine.out")"
        continue
    fi
    printed=$(sqlite3 "$t/$g-$engine.db" "SELECT line FROM serial_lines WHERE line LIKE 'DMA WORD %'")
    step=$(sqlite3 "$t/$g-$engine.db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" \
           "SELECT min(step) FROM hvt_steps WHERE pc = $(sym planted)")
    "$HVT" why --json "$t/$g-$engine.db" "$step" zf > "$t/$g-$engine.json" 2> "$t/$g-$engine.err"; rc=$?
    if [ $rc = 0 ] && [ "$printed" = "DMA WORD 554d" ] &&
       python3 - "$t/$g-$engine.json" "${printed#DMA WORD }" "$(sym asked)" "$(sym copyit)" \
           "$(sym load)" "$(sym dmabuf)" "$g" > "$t/$g-$engine.check" 2>&1 <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["chain"]
word = int(sys.argv[2], 16)
asked, copyit, load, dmabuf = (int(x) for x in sys.argv[3:7])
held = "as rep stosw stored it" if sys.argv[7] == "chain_dmaclr" else "at the start"
kinds = [(l["kind"], l["insn"]["pc"]) for l in c]
ok = ("loaded", load) in kinds and ("stored", copyit) in kinds
last = c[-1]
ok = ok and last["kind"] == "outside" and last["cause"] == "dma" and \
     last["insn"]["pc"] == asked and last["addr"] == dmabuf + 2 and last["len"] == 2 and \
     last["value"] == word and "port 0x518" in last["note"] and held in last["note"] and \
     last["note"].endswith("-smbios...)")   # whole: the port's name not cut off
print(kinds, last); sys.exit(0 if ok else 1)
PY
    then hvt_ok "$name"
    else hvt_fail "$name" "exit $rc, guest printed '$printed': $(tail -c 400 "$t/$g-$engine.check") $(cat "$t/$g-$engine.err")"; fi
done
done
g=chain_dma

# IDE PIO under QEMU 7.2's SeaBIOS: the guest's own rep insw, not DMA.
name=why_ide_pio_is_the_port_read
disk=$(hvt_guest_img disk) || exit 0
if ! "$HVT" record --from 0000:7c00 --timeout 120 -o "$t/disk.db" "$disk" > "$t/disk.out" 2>&1; then
    hvt_fail "$name" "recording failed: $(tail -1 "$t/disk.out")"
else
    step=$(sqlite3 "$t/disk.db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" \
           "SELECT min(step) FROM hvt_steps WHERE pc = $((0x7e00))")
    "$HVT" why --json "$t/disk.db" "$step" 7e00 --len 2 > "$t/disk.json" 2> "$t/disk.err"; rc=$?
    if [ $rc = 0 ] && python3 - "$t/disk.json" > "$t/disk.check" 2>&1 <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["chain"]
last = c[-1]
ok = len(c) == 1 and last["kind"] == "outside" and last["cause"] == "port" and \
     last["insn"]["bytes"].endswith("f3 6d") and "port 0x1f0" in last["note"]
print(last); sys.exit(0 if ok else 1)
PY
    then hvt_ok "$name"
    else hvt_fail "$name" "exit $rc: $(tail -c 400 "$t/disk.check") $(cat "$t/disk.err")"; fi
fi

# Bochs: no fw_cfg behind 518h, so nothing writes dmabuf.
name=why_dma_not_claimed_without_a_device_bochs
if ! command -v bochs > /dev/null || [ ! -f /usr/share/bochs/BIOS-bochs-latest ]; then
    hvt_skip "$name" "needs bochs and bochsbios"
elif ! "$HVT" record --emulator bochs --from 0000:7c00 --steps 20000 --timeout 600 \
        -o "$t/bochs.db" "$img" > "$t/bochs.out" 2>&1; then
    hvt_fail "$name" "recording failed: $(tail -1 "$t/bochs.out")"
else
    printed=$(sqlite3 "$t/bochs.db" "SELECT line FROM serial_lines WHERE line LIKE 'DMA WORD %'")
    word=${printed#DMA WORD }; word=${word%% *}
    step=$(sqlite3 "$t/bochs.db" -cmd ".load $HVT_BUILD/hvtrace-sqlite" \
           "SELECT min(step) FROM hvt_steps WHERE pc = $(sym planted)")
    "$HVT" why --json "$t/bochs.db" "$step" zf > "$t/bochs.json" 2> "$t/bochs.err"; rc=$?
    if [ $rc = 0 ] && [ "$printed" = "DMA WORD $word (not fw_cfg's signature)" ] &&
       python3 - "$t/bochs.json" "$word" "$(sym dmabuf)" > "$t/bochs.check" 2>&1 <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["chain"]
word, dmabuf = int(sys.argv[2], 16), int(sys.argv[3])
last = c[-1]
ok = last["kind"] == "start" and last["addr"] == dmabuf + 2 and last["value"] == word
print(last); sys.exit(0 if ok else 1)
PY
    then hvt_ok "$name"
    else hvt_fail "$name" "exit $rc, guest printed '$printed': $(tail -c 400 "$t/bochs.check") $(cat "$t/bochs.err")"; fi
fi
