/*
 * svm_switch: the world switch, void svm_world_switch(vmcb_pa, struct svm_gprs *g).
 *
 * VMRUN saves and restores only RAX, RSP and RIP of the host (APM vol 2 15.5.1);
 * every other general register leaves VMRUN holding the guest's value.  So this
 * routine saves the host's callee-saved registers, keeps `g` on the stack, loads
 * the guest's registers from g, and runs VMLOAD; VMRUN; VMSAVE with rAX = the
 * VMCB's physical address (VMRUN restores the host rAX, so it is still that after
 * #VMEXIT).  VMLOAD/VMSAVE move FS, GS, TR, LDTR and the syscall MSRs, which VMRUN
 * leaves alone.  It then stores the guest's registers back into g and returns.
 * GIF is the caller's business (svm_run.c: CLGI before, STGI after).
 */
#ifdef __x86_64__
	.text
	.code64
	.globl svm_world_switch
svm_world_switch:                       /* rdi = vmcb_pa, rsi = g */
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rsi
	mov %rdi, %rax
	mov 0(%rsi), %rbx
	mov 8(%rsi), %rcx
	mov 16(%rsi), %rdx
	mov 32(%rsi), %rdi
	mov 40(%rsi), %rbp
	mov 48(%rsi), %r8
	mov 56(%rsi), %r9
	mov 64(%rsi), %r10
	mov 72(%rsi), %r11
	mov 80(%rsi), %r12
	mov 88(%rsi), %r13
	mov 96(%rsi), %r14
	mov 104(%rsi), %r15
	mov 24(%rsi), %rsi
	vmload %rax
	vmrun %rax
	vmsave %rax
	mov (%rsp), %rax                /* g */
	mov %rbx, 0(%rax)
	mov %rcx, 8(%rax)
	mov %rdx, 16(%rax)
	mov %rsi, 24(%rax)
	mov %rdi, 32(%rax)
	mov %rbp, 40(%rax)
	mov %r8, 48(%rax)
	mov %r9, 56(%rax)
	mov %r10, 64(%rax)
	mov %r11, 72(%rax)
	mov %r12, 80(%rax)
	mov %r13, 88(%rax)
	mov %r14, 96(%rax)
	mov %r15, 104(%rax)
	pop %rsi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
#else
	.text
	.code32
	.globl svm_world_switch
svm_world_switch:                       /* 4(%esp) = vmcb_pa, 8(%esp) = g */
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov 24(%esp), %eax              /* g */
	push %eax
	mov 0(%eax), %ebx
	mov 4(%eax), %ecx
	mov 8(%eax), %edx
	mov 12(%eax), %esi
	mov 16(%eax), %edi
	mov 20(%eax), %ebp
	mov 24(%esp), %eax              /* vmcb_pa (one more push since) */
	vmload %eax
	vmrun %eax
	vmsave %eax
	mov (%esp), %eax                /* g */
	mov %ebx, 0(%eax)
	mov %ecx, 4(%eax)
	mov %edx, 8(%eax)
	mov %esi, 12(%eax)
	mov %edi, 16(%eax)
	mov %ebp, 20(%eax)
	pop %eax
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret
#endif
