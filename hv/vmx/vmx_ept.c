/*
 * vmx_ept: the extended page tables (SDM vol 3 28.3): guest-physical = host-physical
 * for the first 4 GiB in 2 MiB pages, except the pages holding hv, whose entries
 * are not present (no R, W or X bit), so any guest access there is an EPT
 * violation exit instead of a read or write.
 *
 * Unlike SVM's nested tables, EPT has its own format whatever the host's paging
 * mode (28.3.2): always a 4-level walk from a PML4, so the i386 PAE host and the
 * x86_64 host share this file unchanged.  Leaves are 2 MiB pages (bit 7) with
 * memory type write-back (bits 5:3 = 6) combined with the guest's PAT (bit 6
 * clear); the EPT pointer (24.6.11) names a write-back, 4-level structure.
 * Write-back everywhere ignores the MTRRs that make MMIO uncacheable on real
 * hardware; Bochs does not model memory types, a real machine would need them.
 * It does not map above 4 GiB: a guest touching that gets an EPT violation.
 */
#include "hv/vmx/vmx.h"

#define EPT_RWX     0x007ull
#define EPT_WB      (6ull << 3)
#define EPT_PS      0x080ull
#define EPT_2M      0x200000ull
#define EPT_NPD     4                   /* page directories: 4 x 1 GiB */
#define EPTP_WB     6ull                /* EPTP bits 2:0: paging-structure memory type */
#define EPTP_WALK4  (3ull << 3)         /* EPTP bits 5:3: walk length minus one */

static u64 ept_pd[EPT_NPD][512] HV_ALIGNED(4096);
static u64 ept_pdpt[512] HV_ALIGNED(4096);
static u64 ept_pml4[512] HV_ALIGNED(4096);

u64 vmx_ept_build(u64 hole_lo, u64 hole_hi)
{
    for (u32 i = 0; i < EPT_NPD * 512; i++) {
        u64 pa = (u64)i * EPT_2M;
        int in_hole = pa + EPT_2M > hole_lo && pa < hole_hi;
        ept_pd[i / 512][i % 512] = in_hole ? 0 : pa | EPT_RWX | EPT_WB | EPT_PS;
    }
    for (u32 i = 0; i < EPT_NPD; i++)
        ept_pdpt[i] = (uintptr_t)ept_pd[i] | EPT_RWX;
    ept_pml4[0] = (uintptr_t)ept_pdpt | EPT_RWX;
    return (uintptr_t)ept_pml4 | EPTP_WALK4 | EPTP_WB;
}
