/*
 * bootdump's binary reader. U-Boot runs it (bootm of a standalone image,
 * or go); it streams memory to the host through U-Boot's own console
 * functions, found in U-Boot's exported jump table (get_version, getc,
 * tstc, putc: entries 0 to 3 in every release since 1.1).
 *
 * It must run wherever it is loaded: no data, no read-only data, no calls
 * between its own functions (a MIPS jal is not position-independent), so
 * everything is inlined into reader(), which the entry stub (entry_*.S)
 * calls with the parameter block it finds next to itself.
 *
 * The stream (mode 2):
 *   "BDRD" 0..255 "BDRD"       calibration: each byte value once, raw, so
 *                              the host learns what putc does to it
 *   host: 64 hex digits        the bytes to escape (a 256-bit mask)
 *   per block:
 *     0x7e 'B' num(4) len(4) data(len) crc32(4)   big-endian, escaped
 *     host: 'A' next, 'N' the same again, 'Q' (or Ctrl-C) stop
 *   0x7e 'E' when every block is acknowledged
 * An escaped byte b goes as 0x7d, b ^ 0x20; 0x7e and 0x7d are always
 * escaped, so 0x7e starts a frame and nothing else: after a damaged frame
 * the host finds the next one.
 */

typedef unsigned long ulong;
typedef unsigned int u32;
typedef unsigned char u8;

#define AINLINE static inline __attribute__((always_inline))

#define MAGIC 0x42445250UL /* "BDRP" */
#define ESCAPE 0x7d
#define FLAG 0x7e

struct params {
	ulong magic;
	ulong mode;   /* 0: report gd; 1: confirm the jump table; 2: stream;
		       * 3: done (bootm runs a standalone program twice, for
		       * its prep and go states: the second run does nothing) */
	ulong jt;     /* U-Boot's jump table */
	ulong addr;   /* what to read */
	ulong size;
	ulong block;  /* bytes a block */
	ulong result; /* mode 0: gd; 1: get_version(); 2: blocks sent */
	ulong gd;     /* the entry stub's copy of U-Boot's gd register */
	ulong ext;    /* if set, the parameters live there instead */
};

enum { JT_VERSION, JT_GETC, JT_TSTC, JT_PUTC };

#if defined(__mips__)
/* U-Boot 1.1.x on MIPS is PIC: a function finds its data from $t9, which
 * must hold its address when it is called. */
#define MIPS_CLOBBERS "$1", "$3", "$5", "$6", "$7", "$8", "$9", "$10", "$11", \
	"$12", "$13", "$14", "$15", "$24", "$28", "$31", "hi", "lo", "memory"
AINLINE long call0(void *fn)
{
	register long v0 __asm__("$2");
	register long a0 __asm__("$4") = 0;
	register void *t9 __asm__("$25") = fn;
	__asm__ volatile("jalr $25" : "=r"(v0), "+r"(a0), "+r"(t9) : : MIPS_CLOBBERS);
	return v0;
}
AINLINE long call1(void *fn, long arg)
{
	register long v0 __asm__("$2");
	register long a0 __asm__("$4") = arg;
	register void *t9 __asm__("$25") = fn;
	__asm__ volatile("jalr $25" : "=r"(v0), "+r"(a0), "+r"(t9) : : MIPS_CLOBBERS);
	return v0;
}
#else
AINLINE long call0(void *fn) { return ((long (*)(void))fn)(); }
AINLINE long call1(void *fn, long arg) { return ((long (*)(long))fn)(arg); }
#endif

struct io {
	void **jt;
	u8 escape[32];
};

AINLINE void put(struct io *io, u8 c) { call1(io->jt[JT_PUTC], (long)(signed char)c); }

AINLINE int get(struct io *io) { return (int)call0(io->jt[JT_GETC]) & 0xff; }

AINLINE void put_escaped(struct io *io, u8 c)
{
	if (io->escape[c >> 3] & (1 << (c & 7))) {
		put(io, ESCAPE);
		c ^= 0x20;
	}
	put(io, c);
}

AINLINE void put_u32(struct io *io, u32 v)
{
	put_escaped(io, v >> 24);
	put_escaped(io, v >> 16);
	put_escaped(io, v >> 8);
	put_escaped(io, v);
}

/* put_word sends four characters packed in w, first in the top byte:
 * text without read-only data. */
AINLINE void put_word(struct io *io, u32 w)
{
	put(io, w >> 24);
	put(io, w >> 16);
	put(io, w >> 8);
	put(io, w);
}

AINLINE int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

AINLINE void crc_table(u32 *table)
{
	for (u32 i = 0; i < 256; i++) {
		u32 c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
}

/* stream sends p->size bytes at p->addr in blocks, each until the host
 * acknowledges it; it returns the blocks sent, or -1 if the host stopped
 * it or the calibration's answer was not a mask. */
AINLINE long stream(struct params *p, void **jt)
{
	struct io io;
	u32 table[256];
	io.jt = jt;
	for (int i = 0; i < 32; i++)
		io.escape[i] = 0;

	put_word(&io, 0x42445244); /* BDRD */
	for (int c = 0; c < 256; c++)
		put(&io, c);
	put_word(&io, 0x42445244);

	for (int i = 0; i < 64; i++) {
		int v = hex_value(get(&io));
		if (v < 0)
			return -1;
		io.escape[i >> 1] |= (i & 1) ? v : v << 4;
	}
	io.escape[ESCAPE >> 3] |= 1 << (ESCAPE & 7); /* always */
	io.escape[FLAG >> 3] |= 1 << (FLAG & 7);

	crc_table(table);
	const u8 *mem = (const u8 *)p->addr;
	ulong block = p->block ? p->block : 4096;
	long sent = 0;
	for (ulong off = 0, num = 0; off < p->size;) {
		ulong n = p->size - off < block ? p->size - off : block;
		u32 crc = 0xffffffffu;
		put(&io, FLAG);
		put(&io, 'B');
		put_u32(&io, num);
		put_u32(&io, n);
		for (ulong i = 0; i < n; i++) {
			u8 c = mem[off + i];
			crc = table[(crc ^ c) & 0xff] ^ (crc >> 8);
			put_escaped(&io, c);
		}
		put_u32(&io, ~crc);
		sent++;
		int answer = get(&io);
		if (answer == 'A') {
			off += n;
			num++;
		} else if (answer != 'N') {
			return -1; /* Q, Ctrl-C, or anything unknown: stop */
		}
	}
	put(&io, FLAG);
	put(&io, 'E');
	return sent;
}

long reader(struct params *p)
{
	if (p->ext) {
		ulong gd = p->gd;
		p = (struct params *)p->ext;
		p->gd = gd;
	}
	if (p->magic != MAGIC)
		return -1;
	void **jt = (void **)p->jt;
	ulong mode = p->mode;
	p->mode = 3;
	if (mode == 0) {
		p->result = p->gd;
		return 0;
	}
	if (mode == 1) {
		struct io io;
		io.jt = jt;
		p->result = (ulong)call0(jt[JT_VERSION]);
		put_word(&io, 0x62646d70); /* "bdmp" */
		put_word(&io, 0x2d6f6b0a); /* "-ok\n" */
		return 0;
	}
	if (mode == 2) {
		long sent = stream(p, jt);
		p->result = (ulong)sent;
		return sent < 0 ? 1 : 0;
	}
	return 0;
}
