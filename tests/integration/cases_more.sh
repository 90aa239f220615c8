#!/usr/bin/env bash
# cases_more: issue 9's acceptance test (cases_lib.inc) on the guests written for
# its point 8, "the whole kind": rep strings backwards / by word and dword / to a
# port, int3, nested interrupts (software and IRQ0 inside a handler), a timer
# interrupt in the middle of a rep, exceptions inside an interrupt handler, far
# calls through call gates, disk reads with IF=1, BIOS calls reached without `int`.
# Expected values are the headers of tests/guests/cases/NAME.S, with their sources.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cases_lib.inc"

h() { sym "$1" "$2"; }                       # a guest symbol, hex
hp() { printf '%04x' $((0x$(sym "$1" "$2") + $3)); }   # symbol + n, 4 hex digits

# ---- expected serial output (each guest's header) ----
{ echo '= OUTS'
  echo "= REPDF CXA=0003 ZFA=1 DIA=$(hp repdf wA 4) CXB=0001 ZFB=0 ECXD=00000000 EDID=00009103 ALE=64"; } | expect repdf
echo "= INT3 R1=$(hp int3 bp1 1) R2=$(hp int3 bp2 2) N=0002 IFH=0 IF=1" | expect int3
expect nested <<'EOF2'
= NEST 60>61>62><62<61<60 SP=7c00
= IRQ-IN-63 OK T=1
EOF2
nz4='([0-9a-f]{3}[1-9a-f]|[0-9a-f]{2}[1-9a-f][0-9a-f]|[0-9a-f][1-9a-f][0-9a-f]{2}|[1-9a-f][0-9a-f]{3})'
echo "= IRQREP INREP=$nz4 T=$nz4 CX=0000 DI=1770 SUM=00083d60" | expect irqrep
echo "= EXC DE=$(hp excint de_at 0) UD=$(hp excint ud_at 0) AX=1234 DX=0000 SP=7c00" | expect excint
echo "= GATE32 CS=00000008 RET=0000$(hp callgate ret32 0) RCS=00000008 D=00000008 GATE16 CS=00000020 RET=0000$(hp callgate ret16 0) RCS=00000020 D=00000004" | expect callgate
expect diskif <<'EOF2'
= D42 CF=0 AH=00 W=314c 324c 334c IF=1
= D02 CF=0 AX=0001 W=324c IF=1
EOF2
expect biosfar <<'EOF2'
= INT CF=0 EBX=00000001 T=00000001
= CALLF CF=0 EBX=00000001 T=00000001
= JMPF CF=0 EBX=00000001 T=00000001
= EXT CF=0 BX=aa55
EOF2

# ---- step-level expectations ----
fail_if() { [ -z "$1" ] || { echo "${1% ;}"; return 1; }; }

# repdf: one step per iteration (SDM vol 3A 17.3.1.4): 3, 2, 6, 3, 4.
hdr_repdf() {
    local why="" x n want
    for x in rep_a:3 rep_b:2 rep_c:6 rep_d:3 rep_e:4; do
        n=$(cq "$1" "SELECT count(*) FROM hvt_steps WHERE pc = 0x$(h repdf "${x%:*}")")
        want=${x#*:}
        [ "$n" = "$want" ] || why="$why ${x%:*}: $n steps (want $want);"
    done
    fail_if "$why"
}

# int3: each breakpoint is one step, followed by the handler's first instruction.
hdr_int3() {
    local a b
    a=$(after "$1" 0x$(h int3 bp1)); b=$(after "$1" 0x$(h int3 bp2))
    [ "$a" = "$(h int3 h3)" ] && [ "$b" = "$(h int3 h3)" ] && return 0
    echo "steps after int3: '$a', after int \$3: '$b' (want h3 = $(h int3 h3) once each)"; return 1
}

# nested: IRQ0's handler is entered right after a step of h63's wait loop, once;
# int 60h/61h/62h each entered once, from their int.
hdr_nested() {
    local why="" irq lo hi prev
    lo=$((0x$(h nested h63_wait))); hi=$((0x$(h nested h63_done)))
    irq=$(cq "$1" "SELECT count(*) FROM hvt_steps WHERE pc = 0x$(h nested irq0)")
    prev=$(cq "$1" "SELECT a.pc FROM hvt_steps a JOIN hvt_steps b ON b.step = a.step + 1
                    WHERE b.pc = 0x$(h nested irq0)" | head -1)
    [ "$irq" = 1 ] || why="IRQ0 handler entered $irq times (want 1);"
    [ -n "$prev" ] && [ "$prev" -ge $lo ] && [ "$prev" -le $hi ] ||
        why="$why step before the IRQ0 handler at $(printf %x "${prev:-0}") (want in h63's wait loop $(h nested h63_wait)-$(h nested h63_done));"
    for x in h60 h61 h62; do
        n=$(cq "$1" "SELECT count(*) FROM hvt_steps WHERE pc = 0x$(h nested $x)")
        [ "$n" = 1 ] || why="$why $x entered $n times (want 1);"
    done
    fail_if "$why"
}

# irqrep: 6000 steps at the rep with CX 6000..1 each once (one per iteration, the
# interrupted iteration not counted twice), and IRQ0's handler entered right after
# a rep step at least once.
hdr_irqrep() {
    local why="" n d first last inrep
    read -r n d first last <<< "$(cq "$1" "SELECT count(*), count(DISTINCT rcx & 0xffff), max(rcx & 0xffff), min(rcx & 0xffff)
                                          FROM hvt_steps WHERE pc = 0x$(h irqrep rep_s)" | tr '|' ' ')"
    [ "$n" = 6000 ] && [ "$d" = 6000 ] && [ "$first" = 6000 ] && [ "$last" = 1 ] ||
        why="rep steps: $n, distinct CX $d, CX from $first down to $last (want 6000 steps, CX 6000..1 once each);"
    inrep=$(after "$1" 0x$(h irqrep rep_s) | tr ' ' '\n' | grep -c "^$(h irqrep irq0)$")
    [ "$inrep" -ge 1 ] || why="$why IRQ0 never entered right after a rep step;"
    fail_if "$why"
}

# excint: the faulting div and ud2 are one step each, followed by their handlers.
hdr_excint() {
    local a b
    a=$(after "$1" 0x$(h excint de_at)); b=$(after "$1" 0x$(h excint ud_at))
    [ "$a" = "$(h excint hde)" ] && [ "$b" = "$(h excint hud)" ] && return 0
    echo "after div: '$a' (want hde $(h excint hde)), after ud2: '$b' (want hud $(h excint hud))"; return 1
}

# callgate: the step after each lcall is the gate's target, in its mode and CS.
hdr_callgate() {
    local a b why=""
    a=$(rows "$1" "pc = 0x$(h callgate g32)" | head -1 | tr '|' ' ')
    b=$(rows "$1" "pc = 0x$(h callgate g16)" | head -1 | tr '|' ' ')
    read -r _ _ _ _ cs mode _ <<< "$a"
    [ "$cs" = 8 ] && [ "$mode" = 32 ] || why="at g32: cs=$cs mode=$mode (want 8, 32);"
    read -r _ _ _ _ cs mode _ <<< "$b"
    [ "$cs" = 20 ] && [ "$mode" = 16 ] || why="$why at g16: cs=$cs mode=$mode (want 20, 16);"
    fail_if "$why"
}

# diskif: IF=1 after both int 13h calls (the step at the instruction after each).
hdr_diskif() {
    local a b
    a=$(cq "$1" "SELECT (eflags >> 9) & 1 FROM hvt_steps WHERE pc = 0x$(hp diskif rd42 2)")
    b=$(cq "$1" "SELECT (eflags >> 9) & 1 FROM hvt_steps WHERE pc = 0x$(hp diskif rd02 2)")
    [ "$a" = 1 ] && [ "$b" = 1 ] && return 0
    echo "IF after AH=42h: '$a', after AH=02h: '$b' (want 1, 1)"; return 1
}

for g in repdf int3 nested irqrep excint callgate diskif biosfar; do
    case_run "$g"
done
