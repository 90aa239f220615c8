/*
 * svm_npt: the nested page tables (APM vol 2 15.25): guest-physical = host-physical
 * for the first 4 GiB in 2 MiB pages, except the pages holding hv, which are not
 * present, so any guest access there is a #NPF exit instead of a read or write.
 *
 * Nested tables use the host's paging format (15.25.3): the i386 host runs PAE, so
 * N_CR3 points at a 4-entry PDPT (3 levels); the x86_64 host runs long mode, so
 * N_CR3 points at a PML4 (4 levels).  A 4-level table under a PAE host hangs QEMU
 * TCG and any table without host paging is silently ignored (FACTS.md).  Nested
 * walks are user accesses (15.25.5), so every level sets U; PAE PDPT entries carry
 * only P (their other low bits are reserved).
 * It does not map above 4 GiB: a guest touching that exits with #NPF.
 */
#include "hv/svm/svm.h"

#define NPT_P   0x001ull
#define NPT_RW  0x002ull
#define NPT_US  0x004ull
#define NPT_PS  0x080ull
#define NPT_2M  0x200000ull
#define NPT_NPD 4                   /* page directories: 4 x 1 GiB */

static u64 npt_pd[NPT_NPD][512] HV_ALIGNED(4096);
static u64 npt_pdpt[512] HV_ALIGNED(4096);
#ifdef __x86_64__
static u64 npt_pml4[512] HV_ALIGNED(4096);
#endif

u64 svm_npt_build(u64 hole_lo, u64 hole_hi)
{
    for (u32 i = 0; i < NPT_NPD * 512; i++) {
        u64 pa = (u64)i * NPT_2M;
        int in_hole = pa + NPT_2M > hole_lo && pa < hole_hi;
        npt_pd[i / 512][i % 512] = in_hole ? 0 : pa | NPT_P | NPT_RW | NPT_US | NPT_PS;
    }
#ifdef __x86_64__
    for (u32 i = 0; i < NPT_NPD; i++)
        npt_pdpt[i] = (uintptr_t)npt_pd[i] | NPT_P | NPT_RW | NPT_US;
    npt_pml4[0] = (uintptr_t)npt_pdpt | NPT_P | NPT_RW | NPT_US;
    return (uintptr_t)npt_pml4;
#else
    for (u32 i = 0; i < NPT_NPD; i++)
        npt_pdpt[i] = (uintptr_t)npt_pd[i] | NPT_P;
    return (uintptr_t)npt_pdpt;
#endif
}
