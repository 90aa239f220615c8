#!/usr/bin/env bash
# cases_dtregs: issue 9's acceptance test (cases_lib.inc) on dtregs.S, whose
# real-mode lgdt/lidt (16- and 32-bit operand size) and `int` through an IVT
# moved by lidt check that both engines record GDTR/IDTR from the step right
# after each load, against what the guest's own sgdt/sidt stored (its serial
# line, printed by free-running QEMU: the truth), and that the chain of causes
# (`hvtrace why`) takes an `int`'s handler from IDTR.base + 4n (SDM vol 3A
# 20.1.4), not from linear 0.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cases_lib.inc"

h() { sym dtregs "$1"; }

# ---- expected serial output (the guest's header: SDM vol 2A LGDT/LIDT, SGDT/SIDT) ----
echo '= DT G16=00012345/0117 G32=ab012345/0117 I1=00000600/03ff I2=00000000/03ff H=NO' |
    expect dtregs

# dt_at RUN STEP TABLE: "base limit" (hex) of TABLE (gdtr, idtr) at STEP.
dt_at() { cq "$1" "SELECT printf('%x %x', $3_base, $3_limit) FROM hvt_steps WHERE step = $2"; }

# hdr_dtregs RUN ENGINE: each load's value appears at the step after it, not
# before; each int's next step is the handler the table in force names.
hdr_dtregs() {
    local why="" x l key tab s want before after
    for x in g16:G16:gdtr g32:G32:gdtr i_move:I1:idtr i_back:I2:idtr; do
        IFS=: read -r l key tab <<< "$x"
        want=$(sed -n "s/.* $key=0*\([0-9a-f][0-9a-f]*\)\/0*\([0-9a-f][0-9a-f]*\).*/\1 \2/p" "$ct/dtregs/f/serial.lines")
        s=$(cq "$1" "SELECT step FROM hvt_steps WHERE pc = 0x$(h "$l")" | head -1)
        [ -n "$s" ] || { why="$why no step at $l;"; continue; }
        before=$(dt_at "$1" "$s" "$tab"); after=$(dt_at "$1" $((s + 1)) "$tab")
        [ "$after" = "$want" ] || why="$why $tab after $l (step $((s + 1))): '$after' (the guest stored '$want');"
        [ "$before" != "$want" ] || why="$why $tab at $l itself (step $s) already '$before', before the load ran;"
    done
    for x in i_int:h42new i_int2:h42old; do
        after=$(after "$1" 0x$(h "${x%:*}"))
        [ "$after" = "$(h "${x#*:}")" ] || why="$why step after ${x%:*}: '$after' (want ${x#*:} $(h "${x#*:}"));"
    done
    [ -z "$why" ] || { echo "${why% ;}"; return 1; }
}

case_run dtregs

# why: the handler of the int through the moved table came from IDTR.base +
# 4 * 42h = 708h, stored by the guest's own `movw $h42new, NEWIVT+0x42*4`.
d=$ct/dtregs
for e in log rsp; do
    [ -f "$d/$e.db" ] || continue
    s=$(cq "$d/$e.db" "SELECT step + 1 FROM hvt_steps WHERE pc = 0x$(h i_int)" | head -1)
    "$HVT" why "$d/$e.db" "${s:-0}" rip > "$d/$e.why" 2>&1
    if grep -q "int loaded rip from \[0x708, 2 bytes\]" "$d/$e.why" &&
       grep -q "movw \$0x$(h h42new), 0x708" "$d/$e.why"; then
        hvt_ok "cases.dtregs.$e.why_moved_ivt"
    else
        hvt_fail "cases.dtregs.$e.why_moved_ivt" "why rip before step $s does not name [0x708] and its store: $(tr '\n' '|' < "$d/$e.why" | cut -c1-300)"
    fi
done
