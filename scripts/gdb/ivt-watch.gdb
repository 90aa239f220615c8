# ivt-watch.gdb: the first change to any IVT entry (linear 0-0x3ff): vector, old
# and new seg:off, and the instruction that wrote it, with plain GDB against QEMU.
#
# Usage (needs realmode.gdb; stop first where the IVT is the reference, e.g. at
# 0x7c00, at a hypervisor's entry, or at reset):
#   gdb -nx -x scripts/gdb/realmode.gdb -x scripts/gdb/ivt-watch.gdb \
#       -ex 'rm-connect SOCK' -ex 'hbreak *0x7c00' -ex continue -ex 'ivt-watch 5000'
#   ivt-watch        continue until an entry changes (fast); GDB then stands just
#                    after the writing instruction
#   ivt-watch N      single-step at most N instructions (~1,000 a second) and name
#                    the exact writer
# Output:
#   ivt-watch vector VV old SEG:OFF new SEG:OFF       each entry that differs
#   ivt-watch writer step K CS:IP linear 0x... <disassembly>       (ivt-watch N)
#   ivt-watch after-writer CS:IP linear 0x... <disassembly>        (ivt-watch)
#   ivt-watch no change in N steps
# How, and why this way: one write watchpoint over all 1024 bytes.  QEMU's gdbstub
# under TCG accepts any length (Z2,0,400 is inserted as one watchpoint, checked
# here), while KVM has the four 1/2/4/8-byte debug registers only: there, watch the
# 4-byte entries you care about by hand.  GDB only reports a watchpoint whose value
# changed (a write of the same value is continued silently).  x86 watchpoints trap
# after the write (QEMU re-executes the writing instruction alone, then stops), so
# `continue` leaves GDB after the writer and cannot name it: x86 code cannot be
# decoded backwards.  With N, the script single-steps with the watchpoint armed and
# remembers the previous CS:IP, which is then the writer.  The old entries come
# from a snapshot taken when the command starts ($ivw_o0..$ivw_o255).  An entry
# written with two 16-bit stores shows up half-written: the first store is the
# first change.
# The watchpoint tells the loops it fired through its condition, which assigns
# $ivw_hit: conditions are evaluated at the stop, while `commands` attached to it
# run only after the outermost command, i.e. after the loop.
# Not handled: paging that does not map linear 0 to physical 0.

# The snapshot is one convenience variable per vector ($ivw_o0..$ivw_o255): an
# array-typed one (`set $a = *(unsigned int (*)[256]) 0`) is re-read from the
# target when subscripted (checked: $a[0x15] showed the new value), so it cannot
# hold old contents.
define ivt-watch-snap
  set $ivw_v = 0
  while $ivw_v < 256
    eval "set $ivw_o%d = *(unsigned int *) %d", $ivw_v, 4 * $ivw_v
    set $ivw_v = $ivw_v + 1
  end
end

define ivt-watch-report
  set $ivw_v = 0
  while $ivw_v < 256
    set $ivw_new = *(unsigned int *) (4 * $ivw_v)
    eval "set $ivw_old = $ivw_o%d", $ivw_v
    if $ivw_new != $ivw_old
      printf "ivt-watch vector %02x old %04x:%04x new %04x:%04x\n", $ivw_v, $ivw_old >> 16, $ivw_old & 0xffff, $ivw_new >> 16, $ivw_new & 0xffff
    end
    set $ivw_v = $ivw_v + 1
  end
end

# ivt-watch-step: $ivw_max steps at most; the writer's CS, IP and linear PC are
# kept in $ivw_wcs, $ivw_wip, $ivw_wlin.
define ivt-watch-step
  set $ivw_k = 0
  set suppress-cli-notifications on
  while !$ivw_hit && $ivw_k < $ivw_max
    rm-lin
    set $ivw_wcs = $cs
    set $ivw_wip = $rm_ip
    set $ivw_wlin = $rm_lin
    stepi
    set $ivw_k = $ivw_k + 1
  end
  if $ivw_hit
    ivt-watch-absorb
  end
  set suppress-cli-notifications off
end

# ivt-watch-absorb: QEMU 7.2 keeps a watchpoint hit taken during a single-step
# pending: the next resume, `stepi` or `continue`, stops again at once without
# executing anything, and if that resume is GDB's detach, QEMU stops with nobody
# attached and the guest never finishes (both seen here).  One `stepi` consumes it;
# a stub that does execute it gets a note.
define ivt-watch-absorb
  rm-lin
  set $ivw_at = $rm_lin
  stepi
  rm-lin
  if $rm_lin != $ivw_at
    printf "ivt-watch note: the extra step to clear QEMU's pending stop ran 0x%llx\n", $ivw_at
  end
end

define ivt-watch
  set $ivw_max = 0
  if $argc > 0
    set $ivw_max = $arg0
  end
  ivt-watch-snap
  watch *(unsigned int (*)[256]) 0
  set $ivw_bp = $bpnum
  condition $ivw_bp ($ivw_hit = 1)
  set $ivw_hit = 0
  if $ivw_max > 0
    ivt-watch-step
  else
    while !$ivw_hit
      with print elements 8 -- continue
    end
  end
  delete $ivw_bp
  if $ivw_hit
    ivt-watch-report
    if $ivw_max > 0
      printf "ivt-watch writer step %d %04x:%04llx linear 0x%llx ", $ivw_k, $ivw_wcs, $ivw_wip, $ivw_wlin
      rm-x $ivw_wlin
    else
      printf "ivt-watch after-writer "
      rm-line
    end
  else
    printf "ivt-watch no change in %d steps\n", $ivw_max
  end
end
document ivt-watch
ivt-watch [N]: report the first IVT change; with N, single-step (at most N) to name the writer.
end
