/* Entry on RISC-V 64: U-Boot's gd is in gp. */
	.section .text.entry, "ax"
	.option norelax
	.global _start
_start:
	lla	t0, params
	sd	gp, 56(t0)		# params.gd
	mv	a0, t0
	j	reader			# returns to U-Boot
	.balign	8
params:
	.quad	0x42445250		# "BDRP"
	.space	64
