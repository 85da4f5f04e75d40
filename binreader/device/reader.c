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
 *     0x7e 'Z' num(4) len(4) clen(4) deflate(clen) crc32(4)
 *                              (mode 4) the bytes, compressed: one raw
 *                              deflate block (RFC 1951) whose dictionary is
 *                              the DICT bytes of the stream before it
 *   0x7e 'E' when every block is acknowledged
 * Blocks go without waiting, up to WINDOW in flight and DATA_WINDOW of them
 * 'B' frames; the host answers one byte at a time, at any moment:
 *   0x80 | (num & 63)   every block up to num arrived
 *   0xc0 | (num & 63)   every block before num arrived: go on from num
 *   'Q' or Ctrl-C       stop
 * (num is told mod 64 and decoded within the window, which is smaller.)
 * A lost acknowledgement costs nothing: the next one says as much.
 * In mode 4 a block that deflate makes shorter goes as a 'Z' frame; the
 * crc32 is always the plain bytes'.
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
		       * its prep and go states: the second run does nothing);
		       * 4: stream, compressing where that is shorter;
		       * 5: the UART's divisor (see set_divisor);
		       * 6: receive into memory (see receive) */
	ulong jt;     /* U-Boot's jump table */
	ulong addr;   /* what to read */
	ulong size;
	ulong block;  /* bytes a block */
	ulong result; /* mode 0: gd; 1: get_version(); 2: blocks sent */
	ulong gd;     /* the entry stub's copy of U-Boot's gd register */
	ulong ext;    /* if set, the parameters live there instead */
};

/* Only these four stand at the same place in every release's table:
 * udelay and get_timer moved as functions were added before them. */
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

AINLINE void put_be32(u8 *b, u32 v)
{
	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

/* put_word sends four characters packed in w, first in the top byte:
 * text without read-only data. */
AINLINE void put_word(struct io *io, u32 w)
{
	for (int shift = 24; shift >= 0; shift -= 8) /* one call site: each inlines a call */
		put(io, w >> shift);
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

/*
 * The compressor (mode 4): one final deflate block with the fixed Huffman
 * codes (RFC 1951 3.2.6), so no table needs to be sent or kept, and
 * matches found through a small hash table of 3-byte prefixes, WAYS
 * positions a bucket, with one step of lazy matching. The dictionary is
 * the DICT bytes before the block, never before the region's start: the
 * host has them already.
 */
#define DICT 16384
#define HASH_BITS 10
#define WAYS 8
#define MAX_MATCH 258
#define MAX_DIST 32768

struct bits {
	u8 *out;
	ulong n, room;
	u32 buf;
	int count;
	int full; /* the output would not be shorter than the block */
};

AINLINE void put_bits(struct bits *b, u32 v, int n)
{
	b->buf |= v << b->count;
	b->count += n;
	while (b->count >= 8) {
		if (b->n < b->room)
			b->out[b->n++] = b->buf;
		else
			b->full = 1;
		b->buf >>= 8;
		b->count -= 8;
	}
}

/* Huffman codes go most significant bit first, everything else least. */
AINLINE u32 reversed(u32 v, int n)
{
	u32 r = 0;
	for (int i = 0; i < n; i++) {
		r = r << 1 | (v & 1);
		v >>= 1;
	}
	return r;
}

AINLINE int log2_of(u32 v)
{
	int e = 0;
	while (v >>= 1)
		e++;
	return e;
}

/* put_code sends a literal (len 0) or a match of len (3 to 258) bytes
 * dist (1 to 32768) back, in the fixed codes: each length code's range
 * doubles every four codes, each distance code's every two. */
AINLINE void put_code(struct bits *b, u8 literal, u32 len, u32 dist)
{
	u32 sym = literal, extra = 0;
	int extra_bits = 0;
	if (len == MAX_MATCH) {
		sym = 285;
	} else if (len > 10) {
		u32 v = len - 3;
		extra_bits = log2_of(v) - 2;
		sym = 265 + (extra_bits - 1) * 4 + (v >> extra_bits) - 4;
		extra = v & ((1u << extra_bits) - 1);
	} else if (len) {
		sym = 254 + len;
	}
	if (sym < 144)
		put_bits(b, reversed(0x30 + sym, 8), 8);
	else if (sym < 256)
		put_bits(b, reversed(0x190 + sym - 144, 9), 9);
	else if (sym < 280)
		put_bits(b, reversed(sym - 256, 7), 7);
	else
		put_bits(b, reversed(0xc0 + sym - 280, 8), 8);
	put_bits(b, extra, extra_bits);
	if (!len)
		return;
	u32 v = dist - 1, code = v;
	extra_bits = 0;
	if (v >= 4) {
		extra_bits = log2_of(v) - 1;
		code = 2 * extra_bits + 2 + ((v >> extra_bits) & 1);
	}
	put_bits(b, reversed(code, 5), 5);
	put_bits(b, v & ((1u << extra_bits) - 1), extra_bits);
}

AINLINE u32 hash3(const u8 *p)
{
	return ((p[0] | p[1] << 8 | (u32)p[2] << 16) * 2654435761u) >> (32 - HASH_BITS);
}

/* The positions seen, WAYS a bucket, newest first, each as position + 1
 * (0: none) from the window's start. */
struct matcher {
	const u8 *win; /* the dictionary, then the block */
	ulong size;
	unsigned short seen[(1 << HASH_BITS) * WAYS];
};

AINLINE void insert(struct matcher *m, ulong pos)
{
	if (pos + 3 > m->size)
		return;
	unsigned short *way = m->seen + hash3(m->win + pos) * WAYS;
	for (int i = WAYS - 1; i > 0; i--)
		way[i] = way[i - 1];
	way[0] = pos + 1;
}

/* longest returns the longest match at pos (0 if under 3), its distance
 * in *dist. */
AINLINE ulong longest(struct matcher *m, ulong pos, ulong *dist)
{
	ulong limit = m->size - pos < MAX_MATCH ? m->size - pos : MAX_MATCH;
	ulong best = 0;
	if (limit < 3)
		return 0;
	unsigned short *way = m->seen + hash3(m->win + pos) * WAYS;
	for (int i = 0; i < WAYS && way[i]; i++) {
		const u8 *a = m->win + pos, *c = m->win + way[i] - 1;
		if (a - c > MAX_DIST)
			break; /* and the older ones are further */
		ulong n = 0;
		while (n < limit && a[n] == c[n])
			n++;
		if (n > best) {
			best = n;
			*dist = a - c;
		}
	}
	return best >= 3 ? best : 0;
}

/* deflate compresses the n bytes at mem, with the dict bytes before them
 * as its dictionary, into out; it returns the compressed length, or 0
 * when that would not be shorter than room. */
AINLINE ulong deflate(struct matcher *m, const u8 *mem, ulong dict, ulong n, u8 *out, ulong room)
{
	struct bits b = {out, 0, room, 0, 0, 0};
	m->win = mem - dict;
	m->size = dict + n;
	for (int i = 0; i < (1 << HASH_BITS) * WAYS; i++) {
		m->seen[i] = 0;
		__asm__ volatile("" ::: "memory"); /* a loop, not a call to memset */
	}
	for (ulong i = 0; i < dict; i++)
		insert(m, i);
	put_bits(&b, 3, 3); /* the final block, fixed codes */
	/* Lazy matching: the match found at q-1 is sent only if the one at q
	 * is no longer; otherwise q-1 goes as a literal. */
	ulong q = dict, prev_len = 0, prev_dist = 0;
	int pending = 0; /* q-1 is not sent yet */
	for (int done = 0; !done && !b.full;) {
		ulong len = 0, dist = 0;
		if (q < m->size) {
			len = longest(m, q, &dist);
			insert(m, q);
		}
		u32 send_len = 0, send_dist = 0;
		int send = pending;
		u8 literal = pending ? m->win[q - 1] : 0; /* never before the window */
		if (pending && prev_len && len <= prev_len) {
			send_len = prev_len;
			send_dist = prev_dist;
			for (ulong k = q + 1; k < q - 1 + prev_len; k++)
				insert(m, k);
			q += prev_len - 1;
			pending = 0;
		} else if (q < m->size) {
			pending = 1;
			prev_len = len;
			prev_dist = dist;
			q++;
		} else {
			done = 1;
		}
		if (send)
			put_code(&b, literal, send_len, send_dist);
	}
	put_bits(&b, 0, 7); /* the end of the block (code 256), */
	put_bits(&b, 0, 7); /* and the last bits padded to a byte */
	return b.full ? 0 : b.n;
}

/* A compressed block's room: it is sent compressed only when shorter. */
#define ZROOM 4096

struct compressor {
	struct matcher m;
	u8 out[ZROOM];
};

/* send_block sends block num, the n bytes at off in the region at mem,
 * as the shortest frame that tells them (compressed only if z is set);
 * it returns whether the frame carried the block's bytes ('B' or 'Z'). */
AINLINE int send_block(struct io *io, const u32 *table, const u8 *mem, ulong off, ulong n, ulong num,
		       struct compressor *z)
{
	const u8 *block = mem + off;
	u32 crc = 0xffffffffu;
	u8 first = block[0];
	int fill = first == 0xff || first == 0x00;
	int again = off >= n;
	for (ulong i = 0; i < n; i++) {
		u8 c = block[i];
		crc = table[(crc ^ c) & 0xff] ^ (crc >> 8);
		fill &= c == first;
		if (again)
			again = c == block[i - n];
	}
	u8 kind = fill ? 'F' : again ? 'R' : 'B';
	ulong zlen = 0;
	if (kind == 'B' && z && n > 8) {
		ulong room = n - 8 < ZROOM ? n - 8 : ZROOM; /* its length takes 4 */
		zlen = deflate(&z->m, block, off < DICT ? off : DICT, n, z->out, room);
		if (zlen)
			kind = 'Z';
	}
	/* The frame after its kind: a header, the bytes (if any), the crc. */
	u8 head[12], tail[4];
	ulong head_n = 8, body_n = kind == 'B' ? n : 0;
	const u8 *body = block;
	put_be32(head, num);
	put_be32(head + 4, n);
	if (kind == 'F')
		head[head_n++] = first;
	if (kind == 'Z') {
		put_be32(head + 8, zlen);
		head_n += 4;
		body = z->out;
		body_n = zlen;
	}
	put_be32(tail, ~crc);
	put(io, FLAG);
	put(io, kind);
	for (ulong i = 0; i < head_n + body_n + 4; i++)
		put_escaped(io, i < head_n ? head[i] : i < head_n + body_n ? body[i - head_n] : tail[i - head_n - body_n]);
	return kind == 'B' || kind == 'Z';
}

/* stream sends p->size bytes at p->addr in blocks until the host has
 * acknowledged every one; it returns the frames sent, or -1 if the host
 * stopped it or the calibration's answer was not a mask. */
AINLINE long stream(struct params *p, void **jt, int compress)
{
	struct io io;
	u32 table[256];
	struct compressor z;
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
		if (send_block(&io, table, mem, off, n, next, compress ? &z : 0))
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

/*
 * The UART's rate (mode 5): addr is the UART's registers, size its kind
 * (UART_16550, UART_PL011 or UART_AR933X) | register shift << 8 |
 * UART_WORDS (32-bit accesses; a PL011 and an AR933x always), block the
 * divisor to set (16550: DLM << 8 | DLL; PL011: IBRD << 6 | FBRD; AR933x:
 * its UART_CLOCK register, scale << 16 | step), 0 to only read it; result
 * is the divisor found.
 * After setting it the reader sends "BDBR" at the new rate, then asks
 * tstc UART_POLLS times for the host's 'K' at that rate (then it returns
 * 0), UART_ROUNDS times over; without one it sets the divisor it found
 * again and returns 1. There is no clock to count by (the table's udelay
 * moved between releases): a round takes 25 ms on a fast CPU, a second or
 * so on a slow one.
 */
#define UART_16550 1
#define UART_PL011 2
#define UART_AR933X 3
#define UART_WORDS 0x10000
#define UART_ROUNDS 32
#define UART_POLLS (1 << 19)

struct uart {
	volatile u8 *base;
	int shift, words, kind;
};

AINLINE u32 uart_get(struct uart *u, int reg)
{
	volatile u8 *at = u->base + (reg << u->shift);
	return u->words ? *(volatile u32 *)at : *at;
}

AINLINE void uart_set(struct uart *u, int reg, u32 v)
{
	volatile u8 *at = u->base + (reg << u->shift);
	if (u->words)
		*(volatile u32 *)at = v;
	else
		*at = v;
}

/* 16550 registers by index; PL011 and AR933x (Atheros's "high-speed"
 * UART, its own design) by offset, their shift 0. */
enum { NS_DLL = 0, NS_DLM = 1, NS_LCR = 3, NS_LSR = 5 };
enum { PL_FR = 0x18, PL_IBRD = 0x24, PL_FBRD = 0x28, PL_LCRH = 0x2c, PL_CR = 0x30 };
enum { AR_CS = 0x04, AR_CLOCK = 0x08 };
#define NS_DLAB 0x80
#define NS_TEMT 0x40 /* nothing left to send */
#define PL_BUSY 0x08
#define AR_TX_BUSY 0x4000
#define AR_CLOCK_BITS 0xffffff /* scale (8 bits) << 16 | step (16) */

AINLINE u32 divisor_of(struct uart *u)
{
	if (u->kind == UART_PL011)
		return uart_get(u, PL_IBRD) << 6 | (uart_get(u, PL_FBRD) & 63);
	if (u->kind == UART_AR933X)
		return uart_get(u, AR_CLOCK) & AR_CLOCK_BITS;
	u32 lcr = uart_get(u, NS_LCR);
	uart_set(u, NS_LCR, lcr | NS_DLAB);
	u32 d = uart_get(u, NS_DLM) << 8 | uart_get(u, NS_DLL);
	uart_set(u, NS_LCR, lcr);
	return d;
}

AINLINE int sending(struct uart *u)
{
	if (u->kind == UART_PL011)
		return uart_get(u, PL_FR) & PL_BUSY;
	if (u->kind == UART_AR933X)
		return uart_get(u, AR_CS) & AR_TX_BUSY;
	return !(uart_get(u, NS_LSR) & NS_TEMT);
}

/* set_divisor waits for what the UART still sends (a 16-byte FIFO at
 * any rate goes in far fewer polls than these), then changes its divisor:
 * the PL011 takes a new one when LCR_H is written, with the UART off; the
 * AR933x's clock register is its rate, written whole. */
AINLINE void set_divisor(struct uart *u, u32 d)
{
	for (int i = 0; i < UART_POLLS && sending(u); i++)
		;
	if (u->kind == UART_PL011) {
		u32 cr = uart_get(u, PL_CR), lcrh = uart_get(u, PL_LCRH);
		uart_set(u, PL_CR, 0);
		uart_set(u, PL_IBRD, d >> 6);
		uart_set(u, PL_FBRD, d & 63);
		uart_set(u, PL_LCRH, lcrh);
		uart_set(u, PL_CR, cr);
		return;
	}
	if (u->kind == UART_AR933X) {
		uart_set(u, AR_CLOCK, (uart_get(u, AR_CLOCK) & ~AR_CLOCK_BITS) | (d & AR_CLOCK_BITS));
		return;
	}
	u32 lcr = uart_get(u, NS_LCR);
	uart_set(u, NS_LCR, lcr | NS_DLAB);
	uart_set(u, NS_DLL, d & 0xff);
	uart_set(u, NS_DLM, d >> 8 & 0xff);
	uart_set(u, NS_LCR, lcr);
}

AINLINE long uart_rate(struct params *p, void **jt)
{
	struct uart u = {(volatile u8 *)p->addr, (int)(p->size >> 8 & 31), (p->size & UART_WORDS) != 0,
			 (int)(p->size & 0xff)};
	if (u.kind != UART_16550) { /* 32-bit registers at their offsets */
		u.shift = 0;
		u.words = 1;
	}
	u32 old = divisor_of(&u);
	p->result = old;
	if (!p->block)
		return 0;
	struct io io;
	io.jt = jt;
	for (u32 d = p->block;; d = old) {
		set_divisor(&u, d);
		if (d == old)
			return d != p->block; /* back at the old rate, unless it was asked for */
		for (int round = 0; round < UART_ROUNDS; round++) {
			put_word(&io, 0x42444252); /* BDBR */
			for (int i = 0; i < UART_POLLS; i++)
				if (waiting(&io) && get(&io) == 'K')
					return 0;
		}
	}
}

/*
 * Receiving (mode 6): the host sends size bytes for addr in blocks of
 * block bytes, each one frame, escaped as the stream's are and, besides,
 * '\r', '\n' and Ctrl-C, so that if the reader stops, nothing it was
 * sent reaches U-Boot's command line as a command:
 *   0x7e 'D' num(4) len(4) data(len) crc32(4)   big-endian
 *   0x7e 'E'                                    no more
 * The reader says "BDUP" once, then after each frame '+' and the number
 * of the block it wants next, in 8 hex digits (plain text, which every
 * putc carries unchanged); a block arrives in order or is dropped. After
 * 'E' with every block in, it says '=' and the count, and returns 0
 * (result: the blocks). Silence for RX_POLLS tstc polls makes it ask
 * again, RX_ROUNDS times, then it gives up and returns 2.
 */
#define RX_POLLS (1 << 24)
#define RX_ROUNDS 8
#define RX_GONE (-1) /* nothing came */

AINLINE int rx_raw(struct io *io)
{
	for (ulong i = 0; !waiting(io); i++)
		if (i == RX_POLLS)
			return RX_GONE;
	return get(io);
}

AINLINE void put_hex32(struct io *io, u32 v)
{
	for (int shift = 28; shift >= 0; shift -= 4) {
		u32 d = v >> shift & 15;
		put(io, d < 10 ? '0' + d : 'a' + d - 10);
	}
}

/* One byte at a time through the frame's parts, so that each console
 * call is made in one place (every call site inlines a call sequence). */
enum { RX_WAIT, RX_KIND, RX_HEAD, RX_DATA, RX_CRC };

AINLINE long receive(struct params *p, void **jt)
{
	struct io io;
	io.jt = jt;
	u32 table[256];
	crc_table(table);
	u8 *dst = (u8 *)p->addr;
	ulong size = p->size, block = p->block, at = 0, n = 0;
	u32 blocks = 0, next = 0, head[2] = {0, 0}, crc = 0, sum = 0;
	for (ulong left = size; left; left -= left < block ? left : block) /* no division: ARMv7 has none */
		blocks++;
	int state = RX_WAIT, escaped = 0, silent = 0, reply = 0;
	put_word(&io, 0x42445550); /* "BDUP" */
	for (;;) {
		if (reply) {
			put(&io, reply);
			put_hex32(&io, next);
			if (reply == '=') {
				p->result = next;
				return 0;
			}
			reply = 0;
		}
		int c = rx_raw(&io);
		if (c == RX_GONE) {
			if (++silent == RX_ROUNDS)
				return 2;
			reply = '+';
			continue;
		}
		silent = 0;
		if (c == FLAG) {
			state = RX_KIND;
			escaped = 0;
			continue;
		}
		if (state == RX_WAIT)
			continue;
		if (c == ESCAPE && !escaped) {
			escaped = 1;
			continue;
		}
		if (escaped)
			c ^= 0x20;
		escaped = 0;
		switch (state) {
		case RX_KIND:
			state = RX_WAIT;
			if (c == 'E')
				reply = next == blocks ? '=' : '+';
			if (c == 'D') {
				state = RX_HEAD;
				n = 0;
			}
			break;
		case RX_HEAD:
			head[n / 4] = head[n / 4] << 8 | c;
			if (++n < 8)
				break;
			at = (ulong)head[0] * block;
			state = RX_WAIT;
			if (head[0] != next || next >= blocks || head[1] != (size - at < block ? size - at : block)) {
				reply = '+'; /* not the block wanted: say which is */
				break;
			}
			state = RX_DATA;
			n = 0;
			crc = 0xffffffffu;
			break;
		case RX_DATA:
			dst[at + n] = c;
			crc = table[(crc ^ c) & 0xff] ^ (crc >> 8);
			if (++n == head[1]) {
				state = RX_CRC;
				n = 0;
				sum = 0;
			}
			break;
		case RX_CRC:
			sum = sum << 8 | c;
			if (++n < 4)
				break;
			if (sum == ~crc)
				next++;
			reply = '+';
			state = RX_WAIT;
		}
	}
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
	if (mode == 2 || mode == 4) {
		long sent = stream(p, jt, mode == 4);
		p->result = (ulong)sent;
		return sent < 0 ? 1 : 0;
	}
	if (mode == 5)
		return uart_rate(p, jt);
	if (mode == 6)
		return receive(p, jt);
	return 0;
}
