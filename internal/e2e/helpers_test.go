package e2e

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/bootdump/bootdump/internal/cli"
	"github.com/bootdump/bootdump/sim"
)

// binary is bootdump built once for the tests that need a separate process.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bootdump-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "bootdump")
	build := exec.Command("go", "build", "-o", binary, "../../cmd/bootdump")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("go build: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run calls bootdump in this process.
func run(t testing.TB, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Main(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// dumpResult is the part of dump --json the tests read.
type dumpResult struct {
	Output         string `json:"output"`
	Chunks         int    `json:"chunks"`
	ChunksRead     int    `json:"chunks_read"`
	BytesResumed   uint64 `json:"bytes_resumed"`
	Retries        int    `json:"retries"`
	ChunksDumped   int    `json:"chunks_dumped"`
	ChunksResumed  int    `json:"chunks_resumed"`
	ChunksReread   int    `json:"chunks_reread"`
	ChunksErased   int    `json:"chunks_erased"`
	ChunksFromBase int    `json:"chunks_from_base"`
	Baud           int    `json:"baud"`
	Resets         int    `json:"resets"`
	Reconnects     int    `json:"reconnects"`
	Device         struct {
		Dialect   string `json:"dialect"`
		ByteOrder string `json:"byte_order"`
		Command   string `json:"read_command"`
		Checksum  string `json:"checksum"`
	} `json:"device"`
}

func parseResult(t testing.TB, stdout string) dumpResult {
	t.Helper()
	var r dumpResult
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("dump --json printed %q: %v", stdout, err)
	}
	return r
}

// ptyBoard powers on a simulated board on a pseudo-terminal for the test.
func ptyBoard(t testing.TB, cfg sim.Config) *sim.PTY {
	t.Helper()
	board, err := sim.ServePTY(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { board.Close() })
	return board
}

// dumpOK runs `bootdump dump ARGS --json` and requires it to succeed with
// an output file (the -o argument) identical to want. It returns the
// result and what the dump logged.
func dumpOK(t testing.TB, want []byte, args ...string) (dumpResult, string) {
	t.Helper()
	stdout, stderr, code := run(t, append(append([]string{"dump"}, args...), "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out := ""
	for i, a := range args {
		if a == "-o" && i+1 < len(args) {
			out = args[i+1]
		}
	}
	sameFile(t, out, want)
	return parseResult(t, stdout), stderr
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sameFile(t testing.TB, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("%s differs from the device at offset %#x (%d bytes, want %d)", path, i, len(got), len(want))
			}
		}
		t.Fatalf("%s is %d bytes, want %d", path, len(got), len(want))
	}
}

func noFile(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("%s was written", path)
	}
}
