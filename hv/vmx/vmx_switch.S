/*
 * vmx_switch: the world switch, int vmx_world_switch(struct vmx_gprs *g, int launched).
 *
 * VM entry loads only RSP, RIP and RFLAGS of the guest from the VMCS, and VM exit
 * loads the host's RSP and RIP from HOST_RSP/HOST_RIP (SDM vol 3 27.5.3): every
 * general register, RAX included, leaves VMLAUNCH/VMRESUME holding the guest's
 * value, and the exit does not return to the instruction after VMRESUME but to
 * vmx_exit_host_rip.  So this routine saves the host's callee-saved registers,
 * pushes g, writes the resulting stack pointer to HOST_RSP, loads the guest's
 * registers from g and enters.  At vmx_exit_host_rip the stack is exactly as it
 * was at entry, g on top: the guest's registers go back into g and the routine
 * returns 0.  If VMLAUNCH/VMRESUME fails (VMfail: CF or ZF set, 30.2) execution
 * falls through with the host's stack intact and the routine returns 1; the
 * caller reads the VM-instruction error field.  The launched flag is tested
 * before the guest's registers are loaded: MOV does not change the flags.
 */
#define VMCS_HOST_RSP 0x6c14

#ifdef __x86_64__
	.text
	.code64
	.globl vmx_world_switch, vmx_exit_host_rip
vmx_world_switch:                       /* rdi = g, esi = launched */
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	test %esi, %esi
	mov 0(%rdi), %rax
	mov 8(%rdi), %rbx
	mov 16(%rdi), %rcx
	mov 24(%rdi), %rdx
	mov 32(%rdi), %rsi
	mov 48(%rdi), %rbp
	mov 56(%rdi), %r8
	mov 64(%rdi), %r9
	mov 72(%rdi), %r10
	mov 80(%rdi), %r11
	mov 88(%rdi), %r12
	mov 96(%rdi), %r13
	mov 104(%rdi), %r14
	mov 112(%rdi), %r15
	mov 40(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	pop %rdi                        /* VMfail: no guest ran */
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	mov $1, %eax
	ret

vmx_exit_host_rip:
	push %rdi                       /* guest rdi; g is now at 8(%rsp) */
	mov 8(%rsp), %rdi
	mov %rax, 0(%rdi)
	mov %rbx, 8(%rdi)
	mov %rcx, 16(%rdi)
	mov %rdx, 24(%rdi)
	mov %rsi, 32(%rdi)
	mov %rbp, 48(%rdi)
	mov %r8, 56(%rdi)
	mov %r9, 64(%rdi)
	mov %r10, 72(%rdi)
	mov %r11, 80(%rdi)
	mov %r12, 88(%rdi)
	mov %r13, 96(%rdi)
	mov %r14, 104(%rdi)
	mov %r15, 112(%rdi)
	pop %rax
	mov %rax, 40(%rdi)
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	xor %eax, %eax
	ret
#else
	.text
	.code32
	.globl vmx_world_switch, vmx_exit_host_rip
vmx_world_switch:                       /* 4(%esp) = g, 8(%esp) = launched */
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov 20(%esp), %eax              /* g */
	push %eax
	mov $VMCS_HOST_RSP, %edx
	vmwrite %esp, %edx
	cmpl $0, 28(%esp)               /* launched (five pushes since the call) */
	mov 4(%eax), %ebx
	mov 8(%eax), %ecx
	mov 12(%eax), %edx
	mov 16(%eax), %esi
	mov 20(%eax), %edi
	mov 24(%eax), %ebp
	mov 0(%eax), %eax
	jne 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	pop %eax                        /* VMfail: no guest ran */
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	mov $1, %eax
	ret

vmx_exit_host_rip:
	push %eax                       /* guest eax; g is now at 4(%esp) */
	mov 4(%esp), %eax
	mov %ebx, 4(%eax)
	mov %ecx, 8(%eax)
	mov %edx, 12(%eax)
	mov %esi, 16(%eax)
	mov %edi, 20(%eax)
	mov %ebp, 24(%eax)
	pop %ebx
	mov %ebx, 0(%eax)
	pop %eax
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	xor %eax, %eax
	ret
#endif
