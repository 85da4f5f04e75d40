//go:build unix

package dump

import "golang.org/x/sys/unix"

// freeSpace is what an unprivileged user may still write in dir.
func freeSpace(dir string) (uint64, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true
}
