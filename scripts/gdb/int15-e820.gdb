# int15-e820.gdb: who calls int 15h E820h (and A20, AX=2400h-2403h), and what the
# handler answers, with plain GDB against QEMU (TCG or KVM).
#
# Usage (needs realmode.gdb; stop first where the IVT is final, e.g. at 0x7c00):
#   gdb -nx -x scripts/gdb/realmode.gdb -x scripts/gdb/int15-e820.gdb \
#       -ex 'rm-connect SOCK' -ex 'hbreak *0x7c00' -ex continue -ex 'int15-e820 40'
#   int15-e820 [N]   report the next N int 15h calls (default 64)
# Output, one line per call and one per return:
#   int15 call from CS:IP AX=... EAX= EBX= ECX= EDX= ES:DI=   (every call; CS:IP is
#                                the return address, the `int 15h` is 2 bytes before)
#   int15 e820 ret base=<16 hex> len=<16 hex> type=<8 hex> CF=n EBX= EAX= ECX=
#   int15 a20 ret AX=<4 hex> CF=n
# How: the handler address is read from the IVT (vector 15h at linear 0x54) when
# the command starts, so a hook installed by GRUB, XMHF or hv is what gets the
# breakpoint pair (rm-until).  At the handler's first instruction a real-mode `int`
# has pushed FLAGS, CS, IP: [SS:SP] = IP, [SS:SP+2] = CS, [SS:SP+4] = FLAGS
# (Intel SDM vol 3 20.1.4).  The call is finished by a temporary hardware
# breakpoint at that CS:IP; the entry is read from the caller's ES:DI saved at
# entry (ACPI 6.x 15.1: base u64, length u64, type u32) and CF from EFLAGS there.
# Not handled: int 15h issued from protected or virtual-8086 mode; a second int 15h
# call made by the handler itself before it returns (it is skipped, not reported).

# int15-ret: run to the caller's return address ($i15_rcs:$i15_rip), take CF.
define int15-ret
  rm-until $i15_rcs $i15_rip
  set $i15_cf = $eflags & 1
end

define int15-e820-ret
  set $i15_ent = ($i15_es << 4) + $i15_di
  printf "int15 e820 ret base=%016llx len=%016llx type=%08x CF=%d EBX=%08x EAX=%08x ECX=%08x\n", *(unsigned long long *) $i15_ent, *(unsigned long long *) ($i15_ent + 8), *(unsigned int *) ($i15_ent + 16), $i15_cf, $ebx, $eax, $ecx
end

# int15-call: at the handler entry; print the call, finish it if it is one we decode.
define int15-call
  set $i15_sp = ($ss << 4) + ((unsigned int) $esp & 0xffff)
  set $i15_rip = *(unsigned short *) $i15_sp
  set $i15_rcs = *(unsigned short *) ($i15_sp + 2)
  set $i15_es = $es
  set $i15_di = $edi & 0xffff
  set $i15_ax = $eax & 0xffff
  printf "int15 call from %04x:%04x AX=%04x EAX=%08x EBX=%08x ECX=%08x EDX=%08x ES:DI=%04x:%04x\n", $i15_rcs, $i15_rip, $i15_ax, $eax, $ebx, $ecx, $edx, $i15_es, $i15_di
  if $eax == 0xe820
    int15-ret
    int15-e820-ret
  end
  if $i15_ax >= 0x2400 && $i15_ax <= 0x2403
    int15-ret
    printf "int15 a20 ret AX=%04x CF=%d\n", $eax & 0xffff, $i15_cf
  end
end

define int15-e820
  set $i15_max = 64
  if $argc > 0
    set $i15_max = $arg0
  end
  set $i15_vec = *(unsigned int *) 0x54
  set $i15_seg = $i15_vec >> 16
  set $i15_off = $i15_vec & 0xffff
  printf "int15 vector %04x:%04x\n", $i15_seg, $i15_off
  set $i15_n = 0
  while $i15_n < $i15_max
    rm-until $i15_seg $i15_off
    int15-call
    set $i15_n = $i15_n + 1
  end
end
document int15-e820
int15-e820 [N]: report the next N int 15h calls, decoding E820h and AX=2400h-2403h.
end
