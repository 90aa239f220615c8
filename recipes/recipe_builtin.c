/*
 * recipe_builtin: the recipes compiled into hvtrace, one for each question the
 * seed log asked by hand (FACTS.md, "The case this project exists for"): who
 * called int 15h E820 and what came back, what int 1Ah AX=BB00h does, who
 * changed the IVT, where the SMI from `out 0xb2` leads.  They are ordinary
 * recipe text (docs/recipes.md), parsed like a file; unit tests parse each.
 * All start at the boot sector (0000:7c00): from reset SeaBIOS alone runs
 * ~5.7M instructions, half an hour of single-stepping (FACTS.md, "Measured").
 */
#include "recipes/recipe.h"

#include <string.h>

static const struct recipe_builtin builtins[] = {
    { "int15-e820",
      "# Ralf Brown's list, int 15h: EAX=E820h EDX='SMAP' EBX=continuation, ES:DI\n"
      "# buffer; returns EAX='SMAP', EBX=next (0: last), CF=1 on error.\n"
      "name int15-e820\n"
      "describe every int 15h E820h call (caller CS:IP, entry returned: base, length, "
      "type) and every AX=2400h-2403h (A20) call\n"
      "from 0000:7c00\n"
      "keep all\n"
      "on int 0x15 if eax == 0xe820 : log e820-call eax ebx ecx edx es di"
      " return: log e820 eax ebx ecx cf e820(es:di)\n"
      "on int 0x15 if ax >= 0x2400 && ax <= 0x2403 : log a20-call ax"
      " return: log a20 ax cf\n" },
    { "int1a-tcg",
      "# TCG BIOS spec (int 1Ah AH=BBh): AL=00h TCG_StatusCheck.  SeaBIOS answers it\n"
      "# through call32_smm: `out 0xb2` raises an SMI (the seed's failure point).\n"
      "name int1a-tcg\n"
      "describe int 1Ah AX=BB00h: every instruction until it returns or the guest dies, "
      "snapshots at entry, at the first out to port 0xb2 and at the end\n"
      "from 0000:7c00\n"
      "keep windows\n"
      "on int 0x1a if ax == 0xbb00 once : log tcg-call eax ebx ecx edx es di ;"
      " snapshot int1a-entry ; record until return"
      " return: log tcg-return eax ebx ecx edx esi edi cf ; snapshot int1a-return ;"
      " stop \"int 1Ah AX=BB00h returned\"\n"
      "on out 0xb2 if window once : log smi-out eax ebx ecx edx insn next ;"
      " snapshot first-out-b2\n"
      "# still inside the call when recording ends: it never returned\n"
      "on end if window : snapshot int1a-end\n" },
    { "ivt-watch",
      "# IVT: vector v at 4v as {u16 offset, u16 segment}.  Every change is logged;\n"
      "# the first event is the first step that changed an entry.\n"
      "name ivt-watch\n"
      "describe every step that changes an IVT entry (0-3ffh): vector, old and new "
      "seg:off, the instruction that wrote it\n"
      "from 0000:7c00\n"
      "keep all\n"
      "watch 0-3ff ivt : log ivt-write insn eax ebx es di\n" },
    { "smi-follow",
      "# Under TCG the gdbstub steps into SMM: the SMI lands at SMBASE+8000h and\n"
      "# leaves with rsm (Intel SDM vol 3, 34.5 and 34.6).\n"
      "name smi-follow\n"
      "describe from each out to port 0xb2 into SMM and back out: where the SMI "
      "lands, every SMM instruction, where rsm resumes (TCG)\n"
      "from 0000:7c00\n"
      "keep windows\n"
      "on out 0xb2 : log smi-out eax ebx ecx edx insn next ; snapshot smi ;"
      " record until rsm\n"
      "# SMM entry state: EIP=8000h, EFLAGS=2, CS=SMBASE>>4 (SDM vol 3, table 34-4);\n"
      "# under TCG the SMI is taken a few instructions after the out (at pause/hlt)\n"
      "on step if window && eip == 0x8000 && eflags == 2 : log smm-entry cs eip\n"
      "on rsm if window : log rsm next ; record 2\n" },
};

const struct recipe_builtin *recipe_builtin_list(size_t *n)
{
    *n = sizeof builtins / sizeof builtins[0];
    return builtins;
}

const struct recipe_builtin *recipe_builtin_find(const char *name)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    return NULL;
}
