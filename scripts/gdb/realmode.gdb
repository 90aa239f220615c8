# realmode.gdb: real-mode helpers for plain GDB (13) attached to QEMU's gdbstub.
#
# Usage (QEMU started with -S -gdb unix:SOCK,server=on,wait=off, or -s on KVM):
#   gdb -nx -x scripts/gdb/realmode.gdb -ex 'rm-connect SOCK'   (or HOST:PORT)
#   rm-connect SOCK     target remote, plus a 16-bit capable target description
#   rm-where            CS:IP, linear PC, mode, and the instruction there
#   rm-x ADDR [N]       disassemble N instructions at linear ADDR in the CPU's mode
#   rm-hb SEG OFF       paired hardware breakpoints at OFF and at SEG*16+OFF
#   rm-until SEG OFF    continue until CS*16+IP reaches SEG*16+OFF
#   rm-si [N]           step N instructions (default 1), printing each before it runs
#   rm-ivt [N]          vectors 0..N-1 (default 32) of the IVT as seg:off and linear
# The other scripts in this directory use these commands: load this file first.
#
# Why: GDB does not know about segments.  Its $pc is EIP, and `x/i $pc` or
# `hbreak *ADDR` in real mode read or match the address GDB is given, while QEMU
# executes at CS.base + EIP; the seed log therefore set breakpoints at both EIP and
# CS*16+EIP and displayed `x/i $cs*16+$eip` under `set architecture i8086`.
# Linear PC here is CS*16+EIP while CR0.PE is clear (also in SMM, where SeaBIOS's
# CS is SMBASE>>4) and EIP when it is set: flat segments are assumed in protected
# mode, which holds for SeaBIOS's 32-bit code and the seed's GRUB/XMHF.  Right
# after reset CS.base is 0xffff0000 while CS*16 is 0xf0000; QEMU aliases the BIOS
# at both, so the bytes shown are the same.  QEMU exposes CR0 as $cr0 (checked).
# 16-bit disassembly: GDB 13 ignores `set architecture i8086` once QEMU's target
# description says i386 (`maint print architecture` keeps bfd_arch_info = i386 and
# x/i decodes 32-bit), and qemu-system-x86_64 refuses it outright.  Connect with
# rm-connect (below) on qemu-system-i386; elsewhere rm-x falls back to objdump
# -m i8086/i386 on the bytes dumped to $rm_tmp, as the seed did with its dumps.
# Not handled: non-flat protected-mode segments, virtual-8086 mode, paging that is
# not the identity (GDB reads through the CPU's page tables).
# Convenience variables this file owns start with $rm_.

set pagination off
set confirm off
set $rm_tmp = "/tmp/hvt-rm-x.bin"
set $rm_tdesc = "/tmp/hvt-rm-i8086.xml"

# rm-lin: set $rm_lin to the linear address of the next instruction, $rm_pe to CR0.PE.
define rm-lin
  set $rm_pe = ($cr0 & 1) != 0
  set $rm_ip = (unsigned long long) $pc
  if $rm_pe
    set $rm_lin = $rm_ip
  else
    set $rm_ip = $rm_ip & 0xffff
    set $rm_lin = ($cs << 4) + $rm_ip
  end
end
document rm-lin
Set $rm_lin to the linear PC (CS*16+IP in real mode, EIP in protected mode)
and $rm_ip to IP (EIP in protected mode) as an integer ($pc is a code pointer).
end

# rm-connect SOCK: connect, then reconnect with QEMU's own target description
# relabelled i8086 (i386 targets only).  Under that description `set architecture`
# switches between i8086 and i386 as it should (checked with `maint print
# architecture`: bfd_arch_info follows), so rm-x can use GDB's disassembler.  QEMU
# keeps the VM stopped across the disconnect.  qemu-system-x86_64's description
# has 64-bit registers that an i8086/i386 gdbarch rejects: rm-x uses objdump there.
define rm-connect
  target remote $arg0
  set $rm_tdesc16 = 0
  if !$_isvoid($eip)
    eval "pipe maint print xml-tdesc | sed 's|<architecture>i386</architecture>|<architecture>i8086</architecture>|' > %s.$$ && mv %s.$$ %s", $rm_tdesc, $rm_tdesc, $rm_tdesc
    disconnect
    eval "set tdesc filename %s", $rm_tdesc
    target remote $arg0
    set $rm_tdesc16 = 1
    set $rm_arch = 16
  end
end
document rm-connect
rm-connect SOCK: `target remote SOCK`, set up so rm-x can disassemble 16-bit code.
end
set $rm_tdesc16 = 0
set $rm_arch = 0

# rm-x ADDR [N]: GDB's disassembler after rm-connect on an i386 target (switching
# architecture only when the mode changes: a switch flushes the register cache;
# its "The target architecture is set to" line is piped away);
# otherwise objdump on a dump of the bytes, ~25 ms an instruction.
define rm-x
  set $rm_n = 1
  if $argc > 1
    set $rm_n = $arg1
  end
  set $rm_xa = (unsigned long long) ($arg0)
  set $rm_pe = ($cr0 & 1) != 0
  if $rm_tdesc16
    if $rm_pe && $rm_arch != 32
      pipe set architecture i386 | cat > /dev/null
      set $rm_arch = 32
    end
    if !$rm_pe && $rm_arch != 16
      pipe set architecture i8086 | cat > /dev/null
      set $rm_arch = 16
    end
    eval "x/%di 0x%llx", $rm_n, $rm_xa
  else
    if $rm_pe
      set $rm_objm = "i386"
    else
      set $rm_objm = "i8086"
    end
    eval "dump binary memory %s 0x%llx 0x%llx", $rm_tmp, $rm_xa, $rm_xa + 16 * $rm_n
    eval "shell objdump -D -b binary -m %s --adjust-vma=0x%llx %s | awk '/^ *[0-9a-f]+:/ && n++ < %d'", $rm_objm, $rm_xa, $rm_tmp, $rm_n
  end
end
document rm-x
rm-x ADDR [N]: disassemble N instructions at linear ADDR, 16-bit if CR0.PE is clear.
end

define rm-where
  rm-lin
  if $rm_pe
    printf "rm-where %04x:%08llx linear 0x%llx protected\n", $cs, $rm_ip, $rm_lin
  else
    printf "rm-where %04x:%04llx linear 0x%llx real\n", $cs, $rm_ip, $rm_lin
  end
  rm-x $rm_lin
end
document rm-where
Print CS:IP, the linear PC, the mode, and the instruction about to run.
end

# rm-hb SEG OFF: the pair the seed used.  Under TCG QEMU matches hardware
# breakpoints against the linear PC (the linear one is what stops the CPU), but
# GDB attributes a stop to the breakpoint whose address equals its $pc, i.e. EIP:
# without the EIP twin a stop at CS:IP with CS != 0 is reported as a bare SIGTRAP
# (and a `thbreak` there is never deleted).  With the pair, GDB names the EIP one.
# So scripts here decide where they stopped by the linear PC (rm-lin), not by
# which breakpoint GDB names ($_hit_bpnum was not updated inside GDB 13 scripts).
# The numbers are left in $rm_hb_lin and $rm_hb_eip (equal when SEG is 0).
define rm-hb
  eval "hbreak *0x%x", ($arg0 << 4) + $arg1
  set $rm_hb_lin = $bpnum
  set $rm_hb_eip = $bpnum
  if ($arg0 << 4) != 0
    eval "hbreak *0x%x", $arg1
    set $rm_hb_eip = $bpnum
  end
  printf "rm-hb %04x:%04x: breakpoint %d at linear 0x%x, %d at EIP 0x%x\n", $arg0, $arg1, $rm_hb_lin, ($arg0 << 4) + $arg1, $rm_hb_eip, $arg1
end
document rm-hb
rm-hb SEG OFF: hardware breakpoints at linear SEG*16+OFF and at OFF.
end

define rm-hb-delete
  delete $rm_hb_lin
  if $rm_hb_eip != $rm_hb_lin
    delete $rm_hb_eip
  end
end
document rm-hb-delete
Delete the pair the last rm-hb set.
end

# rm-until SEG OFF: continue until the CPU is at linear SEG*16+OFF (other stops,
# e.g. the user's breakpoints, are continued through), then drop the pair.
define rm-until
  rm-hb $arg0 $arg1
  set $rm_until = ($arg0 << 4) + $arg1
  continue
  rm-lin
  while $rm_lin != $rm_until
    continue
    rm-lin
  end
  rm-hb-delete
end
document rm-until
rm-until SEG OFF: continue to linear SEG*16+OFF with an rm-hb pair, then delete it.
end

# rm-line: one line for the instruction about to run: "CS:IP  <disassembly>".
define rm-line
  rm-lin
  if $rm_pe
    printf "%04x:%08llx ", $cs, $rm_ip
  else
    printf "%04x:%04llx ", $cs, $rm_ip
  end
  rm-x $rm_lin
end

# rm-si [N]: QEMU's own stop report after each step would print EIP as if it were
# an address ("0x00007d08 in ?? ()"): suppressed, each line shows CS:IP + linear.
define rm-si
  set $rm_si_n = 1
  if $argc > 0
    set $rm_si_n = $arg0
  end
  set $rm_si_i = 0
  set suppress-cli-notifications on
  while $rm_si_i < $rm_si_n
    rm-line
    stepi
    set $rm_si_i = $rm_si_i + 1
  end
  set suppress-cli-notifications off
end
document rm-si
rm-si [N]: single-step N instructions, printing CS:IP and each instruction first.
end

# rm-ivt [N]: vector v is {u16 offset, u16 segment} at linear 4*v.
define rm-ivt
  set $rm_ivt_n = 32
  if $argc > 0
    set $rm_ivt_n = $arg0
  end
  set $rm_ivt_v = 0
  while $rm_ivt_v < $rm_ivt_n
    set $rm_ivt_e = *(unsigned int *) (4 * $rm_ivt_v)
    printf "ivt %02x %04x:%04x linear 0x%05x\n", $rm_ivt_v, $rm_ivt_e >> 16, $rm_ivt_e & 0xffff, (($rm_ivt_e >> 16) << 4) + ($rm_ivt_e & 0xffff)
    set $rm_ivt_v = $rm_ivt_v + 1
  end
end
document rm-ivt
rm-ivt [N]: print IVT vectors 0..N-1 (default 32) as "ivt VV SEG:OFF linear ADDR".
end
