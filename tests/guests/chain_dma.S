/*
 * chain_dma: a value a device wrote (DMA), read by `rep movsw`, for the
 * chain of causes (issue 10).  The guest asks QEMU's fw_cfg for item 0 (the
 * signature, "QEMU") by DMA into `dmabuf` (QEMU docs/specs/fw_cfg.txt, "DMA
 * interface": a FWCfgDmaAccess {be32 control, be32 length, be64 address},
 * its address written big-endian to 514h (high half) and 518h (low half; the
 * write to 518h starts the transfer); control = selector << 16 | select (8) |
 * read (2)).  No instruction writes dmabuf: QEMU does.  It copies dmabuf to
 * `copy` with `rep movsw` (two words, one step each), loads the second word
 * at `load` ("MU": 0x554d), prints it ("DMA WORD 554d") and branches on it
 * at `planted`.  `hvtrace why RUN STEP zf` at the branch must end at the
 * device: the out to 518h at `asked`, cause dma.
 *
 * Assembled with CLEAR set (chain_dmaclr.S), the guest first clears dmabuf
 * with `rep stosw` (AX 0) at `cleared`: the device then writes over the
 * guest's own store, and the chain must still end at the device.
 */
	.include "guest.inc"
	GUEST_START chain_dma
	.globl asked, copyit, load, planted, dmabuf, copy, cleared
	.ifdef CLEAR
	xor %ax, %ax
	mov $dmabuf, %di
	mov $2, %cx
cleared:
	rep stosw
	.endif
	movl $0x0a000000, desc          /* be32 control: select item 0, read */
	movl $0x04000000, desc + 4      /* be32 length 4 */
	movl $0, desc + 8               /* be64 address: dmabuf (high half 0) */
	movl $dmabuf, %eax
	bswap %eax
	movl %eax, desc + 12
	xor %eax, %eax
	mov $0x514, %dx
	outl %eax, %dx                  /* the descriptor's address, high half: 0 */
	movl $desc, %eax
	bswap %eax
	mov $0x518, %dx
asked:
	outl %eax, %dx                  /* low half: QEMU does the transfer now */
	mov $dmabuf, %si
	mov $copy, %di
	mov $2, %cx
copyit:
	rep movsw
load:
	mov copy + 2, %ax
	cmp $0x554d, %ax
planted:
	jne 1f
	PRINT "DMA WORD "
	call print_hex16
	PRINTLN ""
	GUEST_DONE chain_dma
1:	PRINT "DMA WORD "
	call print_hex16
	PRINTLN " (not fw_cfg's signature)"
	GUEST_DONE chain_dma
	GUEST_LIB
	.align 16
desc:	.skip 16
	.set dmabuf, 0x7000 + 0x700     /* outside the image: nothing loads it */
	.set copy, 0x7000 + 0x720
	BOOT_SIGNATURE
