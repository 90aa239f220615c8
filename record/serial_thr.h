/*
 * serial_thr: which recorded instructions send a byte out of a 16550 UART
 * (COM1 at 0x3f8), read from the instruction and the registers before it.
 * Pure; no I/O.  The recorder uses it to stamp each serial byte with the step
 * that sent it (serial.h), independent of when the bytes are read.
 *
 * Facts (National Semiconductor PC16550D datasheet, register table; RBIL
 * ports 03F8-03FF): a write to base+0 goes to the transmit holding register
 * (THR) unless LCR bit 7 (DLAB) is set, when it sets the divisor latch; LCR is
 * base+3; MCR bit 4 (base+4) is loopback, where transmitted bytes never leave
 * the chip.  `out dx, al` (EE) / `out imm8, al` (E6) write AL; EF/E7 write AX
 * or EAX to consecutive ports, low byte first; outs (6E/6F) write bytes from
 * memory: they count as sent to THR, their values are unknown (Intel SDM vol
 * 2B OUT, OUTS).  Both registers start at 0 (the chip's reset value).
 */
#ifndef HVT_SERIAL_THR_H
#define HVT_SERIAL_THR_H

#include <stdint.h>

#include "common/cpu_state.h"

#define SERIAL_THR_COM1 0x3f8

struct serial_thr {
    uint16_t base;
    uint8_t lcr, mcr;
};

void serial_thr_init(struct serial_thr *t, uint16_t base);
/* How many bytes the instruction of s (state before it) sends out of the
 * UART (0 or 1: a wider `out` reaches THR with its low byte only); follows
 * its writes to LCR and MCR. */
int serial_thr_step(struct serial_thr *t, const struct hvt_step *s);

#endif
