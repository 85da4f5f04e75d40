/* Entry on MIPS32 (either byte order): U-Boot's gd is in k0. bal gives
 * the address of the code, from which the parameters are found, 32 bytes
 * after label 1 (clang's assembler takes no forward label difference: the
 * host checks that the magic word is at offset 52). gp is kept for a
 * U-Boot built PIC (1.1.x), which expects it back. */
	.section .text.entry, "ax"
	.set	noreorder
	.global	_start
_start:
	addiu	$sp, $sp, -32
	sw	$ra, 28($sp)
	sw	$gp, 24($sp)
	bal	1f
	nop
1:	addiu	$a0, $ra, 32		# params
	sw	$k0, 28($a0)		# params.gd
	bal	reader
	nop
	lw	$gp, 24($sp)
	lw	$ra, 28($sp)
	jr	$ra
	addiu	$sp, $sp, 32
	.balign	4
params:
	.word	0x42445250		# "BDRP"
	.space	32
