#!/usr/bin/env python3
# Capture the RSP fixtures of tests/unit/test_tdesc.c and test_rsp_session.c from
# a real QEMU (7.2 when they were made), with a client independent of gdbstub/.
#
#   capture_rsp.py qemu-system-i386 OUTDIR
#
# Writes OUTDIR/target.xml and its includes (as QEMU sends them), OUTDIR/g-reset.hex
# (the `g` reply at reset) and OUTDIR/session.txt: every byte both ways, one write
# or read a line, "> " client to stub, "< " stub to client, with \n, \\ and \xHH
# escapes.  The requests are the ones gdbstub/rsp.c makes, in the same order, so
# the unit test can replay the stub's side against our client.  QEMU runs with
# -S (stopped at reset), no disks, gdbstub on 127.0.0.1 only, and is killed after.
import os, re, socket, subprocess, sys, time

qemu, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
port = 47000 + os.getpid() % 1000
proc = subprocess.Popen([qemu, '-S', '-display', 'none', '-nodefaults', '-no-reboot',
                         '-gdb', 'tcp:127.0.0.1:%d' % port])
log = []

def esc(b):
    s = ''
    for c in b:
        if c == 0x5c: s += '\\\\'
        elif c == 0x0a: s += '\\n'
        elif 0x20 <= c < 0x7f: s += chr(c)
        else: s += '\\x%02x' % c
    return s

class Stub:
    def __init__(self):
        for _ in range(100):
            try:
                self.s = socket.create_connection(('127.0.0.1', port)); break
            except OSError: time.sleep(0.05)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b''
        self.pending_ack = b''
    def write(self, b):
        log.append('> ' + esc(b)); self.s.sendall(b)
    def fill(self):
        d = self.s.recv(65536)
        if not d: raise EOFError
        log.append('< ' + esc(d)); self.buf += d
    def packet(self):
        while not re.search(rb'\$[^#]*#..', self.buf): self.fill()
        m = re.search(rb'\$([^#]*)#(..)', self.buf)
        assert sum(m.group(1)) & 0xff == int(m.group(2), 16)
        self.buf = self.buf[m.end():]
        self.write(b'+')
        return m.group(1).decode('latin1')
    def send(self, payload):
        p = payload.encode('latin1')
        self.write(b'$' + p + b'#%02x' % (sum(p) & 0xff))
        while not self.buf: self.fill()
        assert self.buf[:1] == b'+', self.buf
        self.buf = self.buf[1:]
    def cmd(self, payload):
        self.send(payload); return self.packet()

def unescape(p):   # qXfer data: } escapes
    return re.sub(r'\}(.)', lambda m: chr(ord(m.group(1)) ^ 0x20), p, flags=re.S)

try:
    st = Stub()
    sup = st.cmd('qSupported:xmlRegisters=i386')
    st.cmd('?')
    def xfer(annex):
        data = ''
        while True:
            r = st.cmd('qXfer:features:read:%s:%x,%x' % (annex, len(data), 0x1000 - 5))
            data += unescape(r[1:])
            if r[0] == 'l': return data
    t = xfer('target.xml')
    open(os.path.join(out, 'target.xml'), 'w').write(t)
    for inc in re.findall(r'href="([^"]+)"', t):
        open(os.path.join(out, inc), 'w').write(xfer(inc))
    g = st.cmd('g')
    open(os.path.join(out, 'g-reset.hex'), 'w').write(g + '\n')
    st.cmd('mffff0,10')
    st.cmd('mf0000,800'); st.cmd('mf0800,800'); st.cmd('mf1000,10')
    st.cmd('qqemu.sstep')
    st.send('s'); st.packet()
    st.cmd('g')
    rc = 'info registers'.encode().hex()
    st.send('qRcmd,' + rc)
    while st.packet() != 'OK': pass
    st.cmd('Z1,7c00,1')
    st.send('c')
    time.sleep(0.3)
    # nothing may have arrived: the VM runs until interrupted
    st.s.setblocking(False)
    try:
        d = st.s.recv(65536); assert not d, d
    except BlockingIOError: pass
    st.s.setblocking(True)
    log.append('= timeout')
    st.write(b'\x03'); st.packet()
    st.cmd('z1,7c00,1')
    st.cmd('Qqemu.sstep=1')
    st.cmd('qqemu.sstep')
    st.s.close()
finally:
    proc.kill(); proc.wait()
with open(os.path.join(out, 'session.txt'), 'w') as f:
    f.write('# %s\n# %s\n' % (subprocess.run([qemu, '--version'], capture_output=True,
            text=True).stdout.splitlines()[0], ' '.join(sys.argv)))
    f.write('\n'.join(log) + '\n')
