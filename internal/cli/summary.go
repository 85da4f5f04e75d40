package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bootdump/bootdump/backup"
	"github.com/bootdump/bootdump/dump"
	"github.com/bootdump/bootdump/internal/words"
)

func verifiedBy(checksum string) string {
	if checksum == "" {
		return "reading twice"
	}
	return checksum
}

// summary prints the one line a person reads, and --json for scripts.
func (a *app) summary(f *dumpFlags, res *backup.DumpResult, dev *backup.Device) {
	rec, contents := res.Record, res.Contents
	elapsed := res.Elapsed
	if !f.started.IsZero() {
		elapsed = time.Since(f.started) // connecting and the reader's setup included
	}
	secs := elapsed.Seconds()
	resets := res.Resets // the reader's setup's too
	rate := float64(res.Read) / max(secs, 1e-9)
	ceiling := float64(dev.Baud) / 10 * 16 / float64(dev.Session.LineChars(res.Addr))
	// This run's chunks; those verified by the device's checksum carry its
	// name.
	count, bytesBy := res.Verified, res.VerifiedBytes
	dumped, dumpedBytes := 0, uint64(0)
	for how, n := range count {
		if how != dump.VerifiedErased && how != dump.VerifiedBase {
			dumped += n
			dumpedBytes += bytesBy[how]
		}
	}
	id := rec.Device
	where := ""
	if f.source != "mem" {
		where = " of " + f.source
	}
	// A short block for people: on standard output, unless JSON is there.
	var block strings.Builder
	fmt.Fprintf(&block, "done: %s at %#x%s -> %s, verified by %s\n", words.Size(res.Size), res.Addr, where, f.output, verifiedBy(id.Checksum))
	if id.Command != dev.Session.Identity().Command {
		fmt.Fprintf(&block, "  read by  %s\n", id.Command)
	}
	speed := fmt.Sprintf("%s, %s/s", elapsed.Round(100*time.Millisecond), words.Size(uint64(rate)))
	md := dev.Session.Identity().Command // the ceiling is md's, whatever read
	switch {
	case strings.HasPrefix(f.conn.port, "tcp://"), strings.HasPrefix(f.conn.port, "telnet://"):
		// no line rate to compare with: the server's port has its own
	case float64(dumpedBytes)/max(secs, 1e-9) > 1.1*float64(dev.Baud)/10:
		// More data came than the rate can carry: the link is not paced
		// (the simulator at full speed), and a ratio means nothing.
		speed += fmt.Sprintf(": more than %d baud carries (the link is not paced like a serial line)", dev.Baud)
	case rate <= 1.02*ceiling:
		speed += fmt.Sprintf(": %.0f%% of what %s carries at %d baud", 100*rate/ceiling, md, dev.Baud)
	default:
		speed += fmt.Sprintf(": %.1fx what %s carries at %d baud", rate/ceiling, md, dev.Baud)
	}
	fmt.Fprintf(&block, "  time     %s\n", speed)
	// In bytes: a chunk may have been split into pieces.
	data := fmt.Sprintf("%s dumped", words.Size(dumpedBytes))
	if n := bytesBy[dump.VerifiedErased]; n > 0 {
		data += fmt.Sprintf(", %s erased (checked on the device, not read)", words.Size(n))
	}
	if n := bytesBy[dump.VerifiedBase]; n > 0 {
		data += fmt.Sprintf(", %s from the base image", words.Size(n))
	}
	fmt.Fprintf(&block, "  data     %s\n", data)
	if res.ChunksResumed+res.ChunksReread > 0 {
		fmt.Fprintf(&block, "  resumed  %s (%s) from the journal, each checked on the device first; %d read again because the device had changed\n",
			words.Size(res.Resumed), words.Plural(res.ChunksResumed, "chunk"), res.ChunksReread)
	}
	if res.Retries+resets+res.Reconnects > 0 {
		fmt.Fprintf(&block, "  trouble  %s; survived %s and %s\n", words.Plural(res.Retries, "retry"), words.Plural(resets, "reset"), words.Plural(res.Reconnects, "lost connection"))
	}
	fmt.Fprintf(&block, "  sha256   %s\n", rec.SHA256)
	results := a.stdout
	if f.json {
		out := map[string]any{
			"output": f.output, "record": dump.RecordPath(f.output), "addr": fmt.Sprintf("%#x", res.Addr),
			"size": res.Size, "seconds": secs, "bytes_per_second": rate, "line_rate_ceiling": ceiling,
			"efficiency": rate / ceiling, "bytes_read": res.Read, "bytes_resumed": res.Resumed,
			"chunks": len(rec.Chunks), "chunks_read": res.ChunksRead, "retries": res.Retries,
			"chunks_dumped": dumped, "chunks_resumed": res.ChunksResumed, "chunks_reread": res.ChunksReread, "resets": resets, "reconnects": res.Reconnects, "chunks_erased": count[dump.VerifiedErased],
			"chunks_from_base": count[dump.VerifiedBase], "baud": dev.Baud,
			"bytes_dumped": dumpedBytes, "bytes_erased": bytesBy[dump.VerifiedErased], "bytes_from_base": bytesBy[dump.VerifiedBase],
			"sha256": rec.SHA256, "crc32": rec.CRC32, "device": id, "contents": contents,
		}
		enc := newJSON(a.stdout)
		enc.Encode(out)
		results = a.stderr
	}
	io.WriteString(results, block.String())
	if contents != nil {
		contents.WriteShort(results)
	}
}
