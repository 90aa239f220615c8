/*
 * bioscall: a name for the BIOS call an `int N` instruction makes, from the
 * registers before it and, when given, the registers once execution is back
 * after the int (FACTS.md's table; Ralf Brown's interrupt list; TCG PC Client
 * Implementation Specification for Conventional BIOS, chapter 13, for int 1Ah
 * AH=BBh).  Memory (int 13h AH=42h's DS:SI packet, the E820 entry at ES:DI) is
 * read through a callback and left out when unavailable.  No I/O.
 *
 *   "int 13h AH=42h extended read drive 80h LBA 2048 x1 -> 0000:7c00: ok"
 *   "int 15h E820 entry 3: 0000000000100000-000000001ffdffff type 1 (RAM), next 4"
 *   "int 1ah AX=bb00h TCG_StatusCheck: TPM not present (0x23)"
 */
#ifndef HVT_BIOSCALL_H
#define HVT_BIOSCALL_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpu_state.h"

enum bioscall_when { BIOSCALL_BEFORE, BIOSCALL_AFTER };

/* Read len bytes of guest memory at linear addr as it was before the call or
 * after it returned.  0 on success, -1 if not available. */
typedef int (*bioscall_read_fn)(void *priv, enum bioscall_when when, uint64_t addr,
                                void *buf, size_t len);

/* Writes the description; after and rd may be NULL.  Returns its length. */
size_t bioscall_describe(uint8_t vector, const struct hvt_state *before,
                         const struct hvt_state *after, bioscall_read_fn rd, void *priv,
                         char *buf, size_t n);

/* 1 if the guest takes data from the call's answer (a disk's sectors, the
 * memory map, a TPM's status...), 0 for calls that are the timing of a boot
 * rather than its inputs: the timer and hardware IRQ vectors, the clock (int
 * 1Ah AH=00h-07h), the keyboard (int 16h), waits (int 15h AH=83h, 86h, 90h,
 * 91h) and output (int 10h video, int 14h serial, int 17h printer), per
 * Ralf Brown's interrupt list.  ah: AH before the call. */
int bioscall_is_answer(uint8_t vector, uint8_t ah);

/* 0 for a call that hands the machine over and does not come back (RBIL:
 * int 19h bootstrap loader, int 18h boot failure / ROM BASIC): code that runs
 * after it is not "during" it.  1 otherwise. */
int bioscall_returns(uint8_t vector);

/* ---- how a real-mode guest reaches a vector (bioscall_entry.c) ----
 *
 * A BIOS call is a BIOS call however the guest reaches the vector: `int n`, a far
 * call through the IVT entry after pushf (`pushf; call far [4n]`, as syslinux and
 * isolinux do), or a far jump through it after pushing the frame INT would push
 * (FLAGS, CS, IP).  Each leaves the handler the same stack frame, and its IRET the
 * same way back (Intel SDM vol 2A INT n / CALL / JMP, real-address mode). */
enum bioscall_how { BIOSCALL_INT, BIOSCALL_CALLF, BIOSCALL_JMPF };

struct bioscall_entry {
    uint8_t vector;
    uint8_t how;            /* enum bioscall_how */
    uint8_t ret_known;      /* ret_cs:ret_ip known from the instruction (not JMPF:
                             * the caller pushed it, it sits at SS:SP) */
    uint16_t ret_cs, ret_ip;
    uint16_t ret_sp;        /* SP once the handler's IRET (6 bytes) is back */
};

/* Is the instruction in b[0..len), about to execute in state st, a call of a vector
 * through one of the three ways?  Only real mode (16-bit code, CR0.PE clear when
 * known); far forms only with an m16:16 operand that is an IVT entry (linear 4n).
 * Returns 1 and fills e, else 0. */
int bioscall_entry_decode(const uint8_t *b, size_t len, const struct hvt_state *st,
                          struct bioscall_entry *e);

/* Linear address of a real-mode seg:off (seg*16 + off, 20 bits and the HMA). */
uint64_t bioscall_linear(uint16_t seg, uint16_t off);

#endif
