#!/usr/bin/env python3
"""capture.py IMG ADDR SKIP SSTEP OUT TITLE: record one gdbstub single step of a
real QEMU as a fixture for tests/unit/test_step_event.c.

QEMU 7.2 runs with hvtrace's flags (-icount shift=5,sleep=off, fixed RTC, its
-d in_asm,int log into a file).  The script stops at linear ADDR (hardware
breakpoint), sets Qqemu.sstep=SSTEP, steps SKIP times, then writes:
  before FIELD=HEX ...   the state before the step (from `g`)
  bytes HEX...           16 bytes at its linear PC
  after FIELD=HEX ...    the state where the step stopped
  frame HEX...           6 bytes at the after state's SS:SP (real mode)
  log LINE               what QEMU's log printed during the step (hwint, SMM)
The `g` layout is QEMU 7.2's i386-64bit.xml: 16 GPRs, rip, eflags (4 bytes),
six selectors (4 bytes each), fs/gs/kernel-gs bases, cr0 cr2 cr3 cr4 cr8 efer."""
import atexit, os, signal, socket, struct, subprocess, sys, tempfile, time

img, addr, skip, sstep, out, title = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3]), \
    int(sys.argv[4]), sys.argv[5], sys.argv[6]
d = tempfile.mkdtemp()
gs, qlog = d + '/g.sock', d + '/q.log'
q = subprocess.Popen(['qemu-system-x86_64', '-S', '-display', 'none', '-no-reboot', '-machine', 'pc',
                      '-cpu', 'qemu64,+svm,+npt', '-m', '32', '-serial', 'null', '-monitor', 'none',
                      '-gdb', 'unix:%s,server=on,wait=off' % gs, '-icount', 'shift=5,sleep=off',
                      '-rtc', 'base=2020-01-01T00:00:00,clock=vm', '-d', 'in_asm,int', '-D', qlog,
                      '-drive', 'file=%s,format=raw,if=ide,index=0,snapshot=on' % img],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
atexit.register(q.kill)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
while not os.path.exists(gs):
    time.sleep(0.02)
s = socket.socket(socket.AF_UNIX)
s.connect(gs)
buf = b''


def cmd(p):
    global buf
    s.sendall(b'$' + p.encode() + b'#%02x' % (sum(p.encode()) & 0xff))
    while True:
        i = buf.find(b'$')
        j = buf.find(b'#', i)
        if i >= 0 and j >= 0 and len(buf) >= j + 3:
            body, buf = buf[i + 1:j].decode(), buf[j + 3:]
            s.sendall(b'+')
            return body
        buf += s.recv(65536)


def state():
    g = bytes.fromhex(cmd('g'))
    q8 = lambda o: struct.unpack_from('<Q', g, o)[0]
    q4 = lambda o: struct.unpack_from('<I', g, o)[0]
    names = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp']
    f = {n: q8(8 * i) for i, n in enumerate(names)}
    f['rip'], f['eflags'] = q8(128), q4(136)
    for i, n in enumerate(['cs', 'ss', 'ds', 'es', 'fs', 'gs']):
        f[n] = q4(140 + 4 * i)
    for n, o in (('cr0', 188), ('cr3', 204), ('cr4', 212), ('efer', 228)):
        f[n] = q8(o)
    return f


def fmt(f):
    return ' '.join('%s=%x' % kv for kv in f.items())


cmd('qSupported:xmlRegisters=i386')
cmd('Z1,%x,1' % addr)
cmd('c')
cmd('z1,%x,1' % addr)
cmd('Qqemu.sstep=%x' % sstep)
for _ in range(skip):
    cmd('s')
b = state()
pc = b['cs'] * 16 + b['rip']
code = cmd('m%x,10' % pc)
mark = os.path.getsize(qlog)
cmd('s')
a = state()
frame = cmd('m%x,6' % (a['ss'] * 16 + (a['rsp'] & 0xffff)))
time.sleep(0.2)
with open(qlog, errors='replace') as lf:
    lf.seek(mark)
    events = [l.strip() for l in lf if l.startswith(('Servicing', 'SMM:'))]
with open(out, 'w') as o:
    o.write('# %s\n# QEMU 7.2 TCG, -icount shift=5,sleep=off, Qqemu.sstep=%d; captured by capture.py\n'
            % (title, sstep))
    o.write('before %s\nbytes %s\nafter %s\nframe %s\n' % (fmt(b), code, fmt(a), frame))
    for e in events:
        o.write('log %s\n' % e)
