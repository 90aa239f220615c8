/*
 * serial_thr: spots the instructions that send a byte out of a UART (see
 * serial_thr.h).  Invariant: lcr and mcr are the last values the recorded
 * instructions wrote there (an outs to them leaves them as they were: its
 * value is in memory, not in the state).
 */
#include "record/serial_thr.h"

#define LCR_DLAB  0x80
#define MCR_LOOP  0x10
#define MAX_PREFIXES 14

void serial_thr_init(struct serial_thr *t, uint16_t base)
{
    t->base = base;
    t->lcr = 0;
    t->mcr = 0;
}

/* One byte written to `port`; known: the value is v.  Returns 1 if it is sent. */
static int write_byte(struct serial_thr *t, uint16_t port, int known, uint8_t v)
{
    if (port == t->base)
        return !(t->lcr & LCR_DLAB) && !(t->mcr & MCR_LOOP);
    if (known && port == (uint16_t)(t->base + 3))
        t->lcr = v;
    if (known && port == (uint16_t)(t->base + 4))
        t->mcr = v;
    return 0;
}

int serial_thr_step(struct serial_thr *t, const struct hvt_step *s)
{
    int has66 = 0, i = 0;
    for (; i < s->insn_len && i < MAX_PREFIXES; i++) {
        uint8_t b = s->insn[i];
        if (b == 0x66)
            has66 = 1;
        else if (!(b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
                   b == 0x65 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
                   (s->mode == HVT_MODE_64 && (b & 0xf0) == 0x40)))
            break;
    }
    if (i >= s->insn_len)
        return 0;
    uint8_t op = s->insn[i];
    uint64_t a = s->st.f[HVT_RAX];
    uint16_t dx = (uint16_t)s->st.f[HVT_RDX];
    /* 16-bit operands in 16-bit code, 32 elsewhere (also in 64-bit mode: OUT
     * has no 64-bit form); 0x66 swaps the two. */
    int opsize16 = (s->mode == HVT_MODE_16) != has66;
    int width = op & 1 ? (opsize16 ? 2 : 4) : 1;
    uint16_t port;
    int known = 1;
    if (op == 0xe6 || op == 0xe7) {
        if (i + 1 >= s->insn_len)
            return 0;
        port = s->insn[i + 1];
    } else if (op == 0xee || op == 0xef) {
        port = dx;
    } else if (op == 0x6e || op == 0x6f) {
        port = dx;
        known = 0;
    } else {
        return 0;
    }
    int sent = 0;
    for (int k = 0; k < width; k++)
        sent += write_byte(t, (uint16_t)(port + k), known, (uint8_t)(a >> (8 * k)));
    return sent;
}
