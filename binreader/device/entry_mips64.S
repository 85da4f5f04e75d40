/* Entry on MIPS64 (n64 ABI, either byte order): U-Boot's gd is in k0, as
 * on MIPS32. bal gives the address of the code; the parameters follow at
 * label 1 + 36 (at offset 56, 8-aligned: the tests check it).
 * Words are 8 bytes; gd is the block's word 7. */
	.section .text.entry, "ax"
	.set	noreorder
	.global	_start
_start:
	daddiu	$sp, $sp, -32
	sd	$ra, 24($sp)
	sd	$gp, 16($sp)
	bal	1f
	nop
1:	daddiu	$a0, $ra, 36		# params
	sd	$k0, 56($a0)		# params.gd
	bal	reader
	nop
	ld	$gp, 16($sp)
	ld	$ra, 24($sp)
	jr	$ra
	daddiu	$sp, $sp, 32
	.balign	8
params:
	.quad	0x42445250		# "BDRP"
	.space	64
