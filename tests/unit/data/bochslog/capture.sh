#!/usr/bin/env bash
# capture.sh: re-records the Bochs debugger fixtures of tests/unit/test_bochslog.c
# from the real Bochs 2.7 (Debian), the way the Bochs engine drives it: the
# commands on the debugger's stdin (so its readline prompt and echo are in the
# text), `trace-reg on` (before `c` to the breakpoint) + `trace-mem on`, then `s 1` + `sreg` + `creg` per step.
# chunk.bochslog is the other mode: `trace on` and `s N` (no sreg/creg per step).
#   usage: tests/unit/data/bochslog/capture.sh BUILD_DIR
set -eu
B=$(cd "${1:?usage: capture.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
rc_in=$here/../../../bochs/bochsrc.in

run() {   # GUEST BREAK NSTEPS OUT [chunk]
    cp "$B/guests/$1.img" "$t/disk.img"; truncate -s $((16 * 63 * 512)) "$t/disk.img"
    sed -e "s|@CPU@|corei7_haswell_4770|" -e "s|@DISK@|$t/disk.img|" -e "s|@CDROM@||" \
        -e "s|@BOOT@|disk|" -e "s|@SERIAL@|$t/serial.txt|" -e "s|@LOG@|$t/bochs.log|" "$rc_in" > "$t/bochsrc"
    printf 'trace-reg on\nlb %s\nc\n' "$2" > "$t/rc"
    {
        if [ "${5:-}" = chunk ]; then
            printf 'trace on\ntrace-mem on\nsreg\ncreg\ns %d\nsreg\ncreg\n' "$3"
        else
            printf 'trace-mem on\nsreg\ncreg\n'
            for _ in $(seq "$3"); do printf 's 1\nsreg\ncreg\n'; done
        fi
        printf 'quit\n'
    } > "$t/cmds"
    timeout 60 bochs -q -f "$t/bochsrc" -rc "$t/rc" -unlock < "$t/cmds" 2> /dev/null |
        sed -n '/^Next at t=[1-9]/,$p' > "$here/$4"
}
run hello 0x7c00 40 hello-7c00.bochslog          # real mode from the first guest instruction
run pmode 0x7c33 20 pmode-movsb.bochslog         # rep movsb in real mode: 16 stores
run pmode 0x7c4a 50 pmode-switch.bochslog        # lgdt, CR0.PE, ljmp to 32-bit, 32-bit copy
run pmode 0x7c4a 30 chunk.bochslog chunk         # trace on + s N
