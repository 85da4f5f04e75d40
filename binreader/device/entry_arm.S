/* Entry on 32-bit ARM (A32): U-Boot's gd is in r9. */
	.section .text.entry, "ax"
	.arm
	.global _start
_start:
	adr	r12, params
	str	r9, [r12, #28]		@ params.gd
	mov	r0, r12
	b	reader			@ returns to U-Boot
	.balign	4
params:
	.word	0x42445250		@ "BDRP"
	.space	32
