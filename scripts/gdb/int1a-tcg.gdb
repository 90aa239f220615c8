# int1a-tcg.gdb: what happens after int 1Ah AX=BB00h (TCG_StatusCheck, the Windows
# boot sector's TPM probe that led the seed to SeaBIOS's SMI), instruction by
# instruction, with plain GDB against QEMU.
#
# Usage (needs realmode.gdb):
#   gdb -nx -x scripts/gdb/realmode.gdb -x scripts/gdb/int1a-tcg.gdb \
#       -ex 'rm-connect SOCK' -ex 'hbreak *0x7c00' -ex continue -ex 'int1a-tcg 20000'
#   int1a-tcg [N]   continue to the next int 1Ah with AX=BB00h, then step until the
#                   call returns to its caller or N instructions ran (default 50000)
# Output:
#   int1a vector SEG:OFF / int1a call from CS:IP EAX= EBX= ECX= EDX=
#   int1a step K CS:IP <disassembly>      every instruction, before it runs
#   int1a out-b2 step K CS:IP AL=..       the `out` to port 0xb2 (APM control: the
#                                         SMI trigger SeaBIOS's call32_smm uses)
#   int1a ret after K steps EAX= EBX= CF=   or: int1a gave up after K steps at CS:IP
# How: the handler comes from the IVT (vector 1Ah at linear 0x68) when the command
# starts; calls with another AX are continued through.  The return address is the
# IP, CS pushed by `int` ([SS:SP], [SS:SP+2]).  `out` to 0xb2 is recognised by its
# bytes before it runs: e6/e7 b2 (port in the instruction) or ee/ef with DX=0xb2.
# Single-step mask: QEMU steps with IRQs and timers masked by default (qqemu.sstep
# answers 0x7 = ENABLE|NOIRQ|NOTIMER), and the SMI that `out 0xb2` raises is
# masked with them.  Measured here (QEMU 7.2, SeaBIOS, tpm guest): with 0x7 the
# step after `pause` lands past the `hlt`, SeaBIOS goes on into `call *%di` with
# the register its SMM handler was to set, and the guest runs wild (it executes
# the IVT at 0000:0000 within 300 steps and never prints its answer; it stays
# wedged after GDB detaches).  So this script sets `Qqemu.sstep=1` (ENABLE only)
# while it steps: the SMI is taken, SMM code shows up in the trace (SMBASE 0xa0000
# under SeaBIOS: CS a000, IP 8000) right after the `pause`, and so do timer
# interrupts; 0x7 is restored at the end.  Set $i1a_sstep = 7 first to see the
# other behaviour (tests/integration/gdb_scripts.sh does).  Under KVM the packet
# does not exist and GDB cannot follow the SMI (the seed's assertion).
# Not handled: calls from protected mode.

set $i1a_sstep = 1

# int1a-out: mark an `out` to port 0xb2 about to run at $rm_lin.
define int1a-out
  set $i1a_b0 = *(unsigned char *) $rm_lin
  set $i1a_b1 = *(unsigned char *) ($rm_lin + 1)
  set $i1a_smi = 0
  if ($i1a_b0 == 0xe6 || $i1a_b0 == 0xe7) && $i1a_b1 == 0xb2
    set $i1a_smi = 1
  end
  if ($i1a_b0 == 0xee || $i1a_b0 == 0xef) && ($edx & 0xffff) == 0xb2
    set $i1a_smi = 1
  end
  if $i1a_smi
    printf "int1a out-b2 step %d %04x:%04llx AL=%02x\n", $i1a_k, $cs, $rm_ip, $eax & 0xff
  end
end

# int1a-step: step from the handler entry until back at the caller or $i1a_max steps.
define int1a-step
  set $i1a_k = 0
  set suppress-cli-notifications on
  eval "maintenance packet Qqemu.sstep=%d", $i1a_sstep
  rm-lin
  while $i1a_k < $i1a_max && $rm_lin != $i1a_rlin
    printf "int1a step %d ", $i1a_k
    rm-line
    int1a-out
    stepi
    set $i1a_k = $i1a_k + 1
    rm-lin
  end
  maintenance packet Qqemu.sstep=7
  set suppress-cli-notifications off
  if $rm_lin == $i1a_rlin
    printf "int1a ret after %d steps EAX=%08x EBX=%08x CF=%d\n", $i1a_k, $eax, $ebx, $eflags & 1
  else
    printf "int1a gave up after %d steps at %04x:%04llx\n", $i1a_k, $cs, $rm_ip
  end
end

define int1a-tcg
  set $i1a_max = 50000
  if $argc > 0
    set $i1a_max = $arg0
  end
  set $i1a_vec = *(unsigned int *) 0x68
  set $i1a_seg = $i1a_vec >> 16
  set $i1a_off = $i1a_vec & 0xffff
  printf "int1a vector %04x:%04x\n", $i1a_seg, $i1a_off
  rm-until $i1a_seg $i1a_off
  while ($eax & 0xffff) != 0xbb00
    rm-until $i1a_seg $i1a_off
  end
  set $i1a_sp = ($ss << 4) + ((unsigned int) $esp & 0xffff)
  set $i1a_rip = *(unsigned short *) $i1a_sp
  set $i1a_rcs = *(unsigned short *) ($i1a_sp + 2)
  set $i1a_rlin = ($i1a_rcs << 4) + $i1a_rip
  printf "int1a call from %04x:%04x EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", $i1a_rcs, $i1a_rip, $eax, $ebx, $ecx, $edx
  int1a-step
end
document int1a-tcg
int1a-tcg [N]: at the next int 1Ah AX=BB00h, step (at most N) until the call returns.
end
