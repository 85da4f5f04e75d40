/*
 * A test harness for the binary readers under Linux user-mode emulation
 * (qemu-arm, qemu-aarch64, qemu-riscv64, qemu-mips, qemu-mipsel,
 * qemu-mips64, qemu-mips64el): it plays
 * U-Boot. It reads from standard input the reader's binary, the memory to
 * read and the parameters, copies the reader to a buffer of its own (so it
 * runs where it was not linked), gives it a jump table whose putc writes to
 * standard output as U-Boot's serial does ('\n' as "\r\n") and whose getc
 * reads standard input, sets the gd register to a known value, calls it,
 * and writes "rc RESULT" in hex to standard error, then the memory's first
 * 64 bytes as words (in mode 6, all it was to receive).
 *
 * Freestanding: raw system calls, no C library. Linked with --omagic so
 * that its buffers are executable.
 */
typedef unsigned long ulong;
typedef unsigned int u32;
typedef unsigned char u8;

#define FAKE_GD 0x5eed6dUL
#define MAGIC 0x42445250UL

static long sys3(long n, long a, long b, long c)
{
#if defined(__arm__)
	register long r7 __asm__("r7") = n;
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	__asm__ volatile("svc 0" : "+r"(r0) : "r"(r7), "r"(r1), "r"(r2) : "memory");
	return r0;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
#elif defined(__riscv)
	register long a7 __asm__("a7") = n;
	register long a0 __asm__("a0") = a;
	register long a1 __asm__("a1") = b;
	register long a2 __asm__("a2") = c;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a7), "r"(a1), "r"(a2) : "memory");
	return a0;
#elif defined(__mips__)
	register long v0 __asm__("$2") = n;
	register long a0 __asm__("$4") = a;
	register long a1 __asm__("$5") = b;
	register long a2 __asm__("$6") = c;
	register long a3 __asm__("$7");
	__asm__ volatile("syscall" : "+r"(v0), "=r"(a3) : "r"(a0), "r"(a1), "r"(a2)
			 : "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "hi", "lo", "memory");
	return a3 ? -v0 : v0;
#endif
}

#if defined(__arm__)
enum { SYS_READ = 3, SYS_WRITE = 4, SYS_EXIT = 1 };
#elif defined(__mips__) && __mips == 64
enum { SYS_READ = 5000, SYS_WRITE = 5001, SYS_EXIT = 5058 }; /* n64 */
#elif defined(__mips__)
enum { SYS_READ = 4003, SYS_WRITE = 4004, SYS_EXIT = 4001 };
#else
enum { SYS_READ = 63, SYS_WRITE = 64, SYS_EXIT = 93 };
#endif

static u8 out[4096];
static int outn;

static void flush(void)
{
	for (int done = 0; done < outn;) {
		long n = sys3(SYS_WRITE, 1, (long)(out + done), outn - done);
		if (n <= 0)
			sys3(SYS_EXIT, 3, 0, 0);
		done += n;
	}
	outn = 0;
}

static void emit(u8 c)
{
	if (outn == sizeof(out))
		flush();
	out[outn++] = c;
}

static void read_full(void *dst, ulong n)
{
	flush(); /* the host answers what it has seen */
	for (ulong done = 0; done < n;) {
		long got = sys3(SYS_READ, 0, (long)((u8 *)dst + done), n - done);
		if (got <= 0)
			sys3(SYS_EXIT, 4, 0, 0);
		done += got;
	}
}

static u32 read_u32(void)
{
	u8 b[4];
	read_full(b, 4);
	return b[0] | b[1] << 8 | b[2] << 16 | (u32)b[3] << 24;
}

/* The jump table's functions, as U-Boot's behave. */
static unsigned long fake_version(void) { return 7; }
static int fake_getc(void)
{
	u8 c;
	read_full(&c, 1);
	return c;
}
static int fake_tstc(void) { return 0; }
/* In mode 6 a byte always waits: getc reads the host's next. */
static int fake_tstc_ready(void) { return 1; }
/* In mode 5, tstc says a byte waits one call in 1024: getc then waits
 * for the host's (an answer, or a byte of the junk it sends instead). */
static int fake_tstc_sometimes(void)
{
	static u32 calls;
	return ++calls % 1024 == 0;
}
static void fake_putc(const char c)
{
	if (c == '\n')
		emit('\r');
	emit(c);
}

static u8 code[16384] __attribute__((aligned(64)));
static u8 memory[2 << 20];

static void put_hex(ulong v)
{
	char s[2 * sizeof(ulong) + 1];
	for (int i = 0; i < 2 * (int)sizeof(ulong); i++)
		s[i] = "0123456789abcdef"[(v >> (4 * (2 * sizeof(ulong) - 1 - i))) & 15];
	s[2 * sizeof(ulong)] = ' ';
	sys3(SYS_WRITE, 2, (long)s, sizeof(s));
}

/* call runs the reader at entry with the gd register set, as U-Boot would. */
static long call(void *entry)
{
	long rc;
#if defined(__arm__)
	__asm__ volatile("mov r9, %2\n\tblx %1\n\tmov %0, r0" : "=r"(rc) : "r"(entry), "r"(FAKE_GD)
			 : "r0", "r1", "r2", "r3", "r9", "r12", "lr", "memory", "cc");
#elif defined(__aarch64__)
	__asm__ volatile("mov x18, %2\n\tblr %1\n\tmov %0, x0" : "=r"(rc) : "r"(entry), "r"(FAKE_GD)
			 : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
			   "x14", "x15", "x16", "x17", "x18", "x30", "memory", "cc");
#elif defined(__riscv)
	__asm__ volatile("mv gp, %2\n\tjalr %1\n\tmv %0, a0" : "=r"(rc) : "r"(entry), "r"(FAKE_GD)
			 : "ra", "gp", "t0", "t1", "t2", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7",
			   "t3", "t4", "t5", "t6", "memory");
#elif defined(__mips__)
	__asm__ volatile("move $26, %2\n\tmove $25, %1\n\tjalr $25\n\tnop\n\tmove %0, $2" : "=r"(rc) : "r"(entry), "r"(FAKE_GD)
			 : "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13",
			   "$14", "$15", "$24", "$25", "$26", "$31", "hi", "lo", "memory");
#endif
	return rc;
}

static int run(void)
{
	u32 n = read_u32();
	if (n > sizeof(code))
		return 5;
	read_full(code, n);
	u32 m = read_u32();
	if (m > sizeof(memory))
		return 6;
	read_full(memory, m);
	u32 mode = read_u32();
	u32 block = read_u32();
	u32 size = read_u32(); /* 0: the memory's */
	ulong off = 0;
	while (off + sizeof(ulong) <= n && *(ulong *)(code + off) != MAGIC)
		off += sizeof(ulong); /* the block is word-aligned */
	if (off + sizeof(ulong) > n)
		return 7;
	ulong *p = (ulong *)(code + off);
	static void *jt[12];
	jt[0] = (void *)fake_version;
	jt[1] = (void *)fake_getc;
	jt[2] = mode == 5 ? (void *)fake_tstc_sometimes : mode == 6 ? (void *)fake_tstc_ready : (void *)fake_tstc;
	jt[3] = (void *)fake_putc;
	p[1] = mode;
	p[2] = (ulong)jt;
	p[3] = (ulong)memory;
	p[4] = size ? size : m;
	p[5] = block;
#if defined(__riscv)
	__asm__ volatile("fence.i" ::: "memory"); /* qemu tracks code writes on the others */
#endif
	long rc = call(code);
	flush();
	put_hex(rc);
	put_hex(p[6]);
	ulong shown = mode == 6 ? p[4] : 64; /* what it received, or the start */
	for (ulong i = 0; i < shown; i += sizeof(ulong))
		put_hex(*(ulong *)(memory + i)); /* what the reader left there */
	sys3(SYS_WRITE, 2, (long)"\n", 1);
	return 0;
}

void _start(void)
{
	sys3(SYS_EXIT, run(), 0, 0);
}
