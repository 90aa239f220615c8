/* chain_dmaclr: chain_dma with its DMA buffer cleared by the guest first (see there). */
	.set CLEAR, 1
	.include "chain_dma.S"
