/* Boot sector: real mode -> 32-bit protected mode -> long mode, a few 64-bit
 * instructions (incl. R8-R15 and an int3 through a 64-bit IDT), then exits QEMU
 * through isa-debug-exit (port 0xf4).  Identity-maps 2 MiB with one large page. */
        .code16
        .globl _start
_start:
        cli
        xor %ax, %ax
        mov %ax, %ds
        mov %ax, %ss
        mov $0x7c00, %sp
        lgdt gdtr
        mov %cr0, %eax
        or $1, %eax
        mov %eax, %cr0
        ljmp $0x08, $pm32
        .code32
pm32:
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        /* page tables at 0x1000 (PML4), 0x2000 (PDPT), 0x3000 (PD) */
        mov $0x1000, %edi
        xor %eax, %eax
        mov $3, %ecx                 /* RAM starts zeroed; 3 iterations show rep logging */
        rep stosl
        movl $0x2003, 0x1000
        movl $0x3003, 0x2000
        movl $0x83, 0x3000
        mov %cr4, %eax
        or $0x20, %eax
        mov %eax, %cr4
        mov $0x1000, %eax
        mov %eax, %cr3
        mov $0xc0000080, %ecx
        rdmsr
        or $0x100, %eax
        wrmsr
        mov %cr0, %eax
        or $0x80000000, %eax
        mov %eax, %cr0
        ljmp $0x18, $lm64
        .code64
lm64:
        lidt idtr
        mov $0x1122334455667788, %rax
        mov $0x8877665544332211, %r8
        mov $0x0f0e0d0c0b0a0908, %r15
        lea handler(%rip), %rbx
        mov %bx, idt + 3*16
        movw $0x18, idt + 3*16 + 2
        movw $0x8e00, idt + 3*16 + 4
        int3
        mov $0x31, %al
        out %al, $0xf4
        hlt
handler:
        add $1, %r8
        iretq
        .p2align 3
gdt:    .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08 flat 32-bit code */
        .quad 0x00cf92000000ffff        /* 0x10 flat data */
        .quad 0x00af9a000000ffff        /* 0x18 64-bit code */
gdtr:   .word gdtr - gdt - 1
        .long gdt
idtr:   .word 16*4 - 1
        .quad idt
        .org 510
        .byte 0x55, 0xaa
        .set idt, 0x5000
