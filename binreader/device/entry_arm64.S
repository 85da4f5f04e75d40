/* Entry on AArch64: U-Boot's gd is in x18. */
	.section .text.entry, "ax"
	.global _start
_start:
	adr	x9, params
	str	x18, [x9, #56]		// params.gd
	mov	x0, x9
	b	reader			// returns to U-Boot
	.balign	8
params:
	.quad	0x42445250		// "BDRP"
	.space	64
