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
 *   per block, big-endian, escaped, one of:
 *     0x7e 'B' num(4) len(4) data(len) crc32(4)   the bytes
 *     0x7e 'F' num(4) len(4) fill(1) crc32(4)     every byte is fill (0xff, 0x00)
 *     0x7e 'R' num(4) len(4) crc32(4)             the len bytes before it again
 *   0x7e 'E' when every block is acknowledged
 * Blocks go without waiting, up to WINDOW in flight and DATA_WINDOW of them
 * 'B' frames; the host answers one byte at a time, at any moment:
 *   0x80 | (num & 63)   every block up to num arrived
 *   0xc0 | (num & 63)   every block before num arrived: go on from num
 *   'Q' or Ctrl-C       stop
 * (num is told mod 64 and decoded within the window, which is smaller.)
 * A lost acknowledgement costs nothing: the next one says as much.
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
#define WINDOW 32     /* blocks in flight; under 64, how num is told */
#define DATA_WINDOW 3 /* 'B' frames in flight: what a go-back may resend */
#define CTRL_C 3

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

AINLINE int waiting(struct io *io) { return (int)call0(io->jt[JT_TSTC]); }

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

/* send_block sends block num, the n bytes at mem, as the shortest frame
 * that tells them; it returns whether that was a 'B' frame. */
AINLINE int send_block(struct io *io, const u32 *table, const u8 *mem, ulong n, ulong num, int after_one)
{
	u32 crc = 0xffffffffu;
	u8 first = mem[0];
	int fill = first == 0xff || first == 0x00;
	int again = after_one;
	for (ulong i = 0; i < n; i++) {
		u8 c = mem[i];
		crc = table[(crc ^ c) & 0xff] ^ (crc >> 8);
		fill &= c == first;
		if (again)
			again = c == mem[i - n];
	}
	u8 kind = fill ? 'F' : again ? 'R' : 'B';
	put(io, FLAG);
	put(io, kind);
	put_u32(io, num);
	put_u32(io, n);
	if (kind == 'F')
		put_escaped(io, first);
	if (kind == 'B')
		for (ulong i = 0; i < n; i++)
			put_escaped(io, mem[i]);
	put_u32(io, ~crc);
	return kind == 'B';
}

/* stream sends p->size bytes at p->addr in blocks until the host has
 * acknowledged every one; it returns the frames sent, or -1 if the host
 * stopped it or the calibration's answer was not a mask. */
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
	ulong acked = 0, next = 0; /* blocks below acked arrived; next goes next */
	u32 data = 0;              /* bit num % 32: block num went as 'B' */
	long sent = 0;
	while (acked * block < p->size) { /* no division: ARMv5 has none */
		int in_data = 0;
		for (ulong i = acked; i < next; i++)
			in_data += (data >> (i & 31)) & 1;
		int full = next * block >= p->size || next - acked >= WINDOW || in_data >= DATA_WINDOW;
		if (full || waiting(&io)) {
			int c = get(&io);
			ulong num = acked + ((ulong)(c - acked) & 63);
			if ((c & 0xc0) == 0x80 && num < next) {
				acked = num + 1;
			} else if ((c & 0xc0) == 0xc0 && num <= next) {
				acked = num;
				next = num;
			} else if (c == 'Q' || c == CTRL_C) {
				return -1;
			} /* else line noise, or an answer from before a go-back */
			continue;
		}
		ulong off = next * block;
		ulong n = p->size - off < block ? p->size - off : block;
		if (send_block(&io, table, mem + off, n, next, off >= n))
			data |= 1u << (next & 31);
		else
			data &= ~(1u << (next & 31));
		next++;
		sent++;
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
