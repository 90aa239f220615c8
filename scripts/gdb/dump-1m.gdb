# dump-1m.gdb: write the first MiB of guest memory (0-0xfffff: IVT, BDA, boot
# sector, EBDA, VGA window, option ROMs, BIOS) to a file, as the seed did to diff
# two machines' memory at the same instruction.
#
# Usage:
#   gdb -nx -x scripts/gdb/dump-1m.gdb -ex 'target remote SOCK' -ex 'hbreak *0x7c00' \
#       -ex continue -ex 'dump-1m /tmp/a.bin'
#   dump-1m [FILE]        through GDB (`dump binary memory FILE 0 0x100000`)
#   dump-1m-qemu [FILE]   through QEMU's monitor (`pmemsave 0 0x100000 "FILE"`)
# FILE defaults to $dump_file if set (set $dump_file = "/tmp/x.bin"), else
# mem-1m.bin.  Afterwards e.g. `objdump -b binary -m i8086 -D FILE`.
# The two differ in what they read: `dump` goes through the CPU's view (linear
# addresses, so paging if enabled, and SMRAM at 0xa0000 while the CPU is in SMM
# under TCG), ~26 ms as 2 KiB `m` packets, and works on KVM; pmemsave reads
# physical memory as devices see it (VGA at 0xa0000), ~2 ms, QEMU only, and QEMU
# writes the file, so a relative FILE is relative to QEMU's working directory.
# The monitor command needs the path quoted (FACTS: pmemsave).  Not done: memory
# above 1 MiB (change the bounds by hand).

# dump-1m-file: $dump_1m_file from the argument, $dump_file or the default.
define dump-1m-file
  if $argc > 0
    set $dump_1m_file = "$arg0"
  else
    if $_isvoid($dump_file)
      set $dump_1m_file = "mem-1m.bin"
    else
      set $dump_1m_file = $dump_file
    end
  end
end

define dump-1m
  if $argc > 0
    dump-1m-file $arg0
  else
    dump-1m-file
  end
  eval "dump binary memory %s 0 0x100000", $dump_1m_file
  eval "echo dump-1m %s\\n", $dump_1m_file
end
document dump-1m
dump-1m [FILE]: write linear 0-0xfffff to FILE through GDB.
end

define dump-1m-qemu
  if $argc > 0
    dump-1m-file $arg0
  else
    dump-1m-file
  end
  eval "monitor pmemsave 0 0x100000 \"%s\"", $dump_1m_file
  eval "echo dump-1m-qemu %s\\n", $dump_1m_file
end
document dump-1m-qemu
dump-1m-qemu [FILE]: write physical 0-0xfffff to FILE with QEMU's pmemsave.
end
