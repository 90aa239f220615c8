/*
 * recorder_bios: the memory a BIOS call reads or fills, captured while the VM
 * is stopped, so the diff can name the call fully ("int 15h E820 entry 3:
 * 0000000000100000-... type 1", "int 13h AH=42h ... LBA 2048").  Registers
 * alone do not say: the E820 entry lands at ES:DI, the int 13h AH=42h packet
 * sits at DS:SI (Ralf Brown's interrupt list; FACTS.md).
 *
 * At the start of recording the IVT's targets for int 13h and int 15h are
 * noted.  When the CPU is about to run one of them (the engine checks each
 * stopped state: the RSP engine every step, the log engine at a breakpoint it
 * set there), the call's input is read and its return address taken from the
 * real-mode stack ([SS:SP] = IP, CS); when the CPU is back there with the
 * caller's stack, the output is read.  Each capture is an event of kind
 * "bios-mem": "vector=15 when=after addr=0x600 bytes=..." at the entry or
 * return step.  Real-mode callers only; other calls are left alone.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "qemu/segcache.h"
#include "record/recorder_int.h"

#define E820_ENTRY_BYTES 24         /* ACPI 3.0 entries; ECX says how many count */
#define DAP_BYTES        16         /* int 13h extensions disk address packet */

static const uint8_t watched_vectors[REC_BIOS_VECTORS] = { 0x13, 0x15 };

static uint64_t seg_linear(uint64_t seg, uint64_t off)
{
    return ((seg & 0xffff) << 4) + (off & 0xffff);
}

static void capture(struct recorder *r, int vector, const char *when, uint64_t addr,
                    size_t len)
{
    uint8_t buf[32];
    char text[200];
    if (rsp_read_mem(r->rsp, addr, buf, len, &(hvt_error){ "" }))
        return;
    int n = snprintf(text, sizeof text, "vector=%02x when=%s addr=0x%" PRIx64 " bytes=",
                     vector, when, addr);
    for (size_t i = 0; i < len && n + 3 < (int)sizeof text; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%02x", buf[i]);
    rundb_add_event(r->db, r->nsteps, "bios-mem", text, NULL);
}

uint64_t rec_ivt_base(struct recorder *r)
{
    char out[4096];
    struct hvt_state st = r->cur.st;
    if (st.f[HVT_CR0] & 1)
        return 0;
    if (!(st.known & HVT_K_DT) &&
        (rsp_monitor(r->rsp, "info registers", out, sizeof out, &(hvt_error){ "" }) ||
         segcache_parse(out, &st) || !(st.known & HVT_K_DT)))
        return 0;
    return st.f[HVT_IDTR_BASE];
}

int rec_bios_start(struct recorder *r)
{
    uint8_t ivt[4];
    uint64_t base = rec_ivt_base(r);
    r->bios.ready = 1;
    for (int i = 0; i < REC_BIOS_VECTORS; i++) {
        r->bios.entry[i] = UINT64_MAX;
        if (rsp_read_mem(r->rsp, base + 4u * watched_vectors[i], ivt, 4, &(hvt_error){ "" }) == 0)
            r->bios.entry[i] = seg_linear((uint64_t)ivt[3] << 8 | ivt[2],
                                          (uint64_t)ivt[1] << 8 | ivt[0]);
    }
    return 0;
}

/* Which watched handler starts at pc (-1: none). */
static int entry_index(const struct recorder *r, uint64_t pc)
{
    for (int i = 0; r->bios.ready && i < REC_BIOS_VECTORS; i++)
        if (pc == r->bios.entry[i])
            return i;
    return -1;
}

/* r->cur is at a watched handler's first instruction. */
static void on_entry(struct recorder *r, int i)
{
    const struct hvt_state *st = &r->cur.st;
    uint8_t frame[4];
    if (hvt_state_mode(st) != HVT_MODE_16 || r->bios.npending == REC_BIOS_NEST ||
        rsp_read_mem(r->rsp, seg_linear(st->f[HVT_SS_SEL], st->f[HVT_RSP]), frame, 4,
                     &(hvt_error){ "" }))
        return;
    int vector = watched_vectors[i];
    uint32_t ax = st->f[HVT_RAX] & 0xffff;
    if (vector == 0x13 && (ax >> 8) == 0x42)
        capture(r, vector, "before", seg_linear(st->f[HVT_DS_SEL], st->f[HVT_RSI]), DAP_BYTES);
    if (vector != 0x15 || (st->f[HVT_RAX] & 0xffffffff) != 0xe820)
        return;
    struct rec_bios_call *c = &r->bios.pending[r->bios.npending++];
    c->vector = (uint8_t)vector;
    c->ret_pc = seg_linear((uint64_t)frame[3] << 8 | frame[2], (uint64_t)frame[1] << 8 | frame[0]);
    c->ret_sp = (st->f[HVT_RSP] + 6) & 0xffff;     /* IP, CS, FLAGS popped by iret */
    c->buf = seg_linear(st->f[HVT_ES_SEL], st->f[HVT_RDI]);
}

int rec_bios_check(struct recorder *r)
{
    uint64_t pc = hvt_state_pc(&r->cur.st);
    int i = entry_index(r, pc);
    if (i >= 0) {
        on_entry(r, i);
        return 1;
    }
    for (int k = r->bios.npending - 1; k >= 0; k--) {
        const struct rec_bios_call *c = &r->bios.pending[k];
        if (c->ret_pc != pc || (r->cur.st.f[HVT_RSP] & 0xffff) != c->ret_sp)
            continue;
        capture(r, c->vector, "after", c->buf, E820_ENTRY_BYTES);
        r->bios.npending = k;
        return 1;
    }
    return 0;
}
