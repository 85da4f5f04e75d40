package console

// LockDirs are where serial-line lock files live on Unix systems, in the
// order tried: the UUCP convention picocom, minicom and screen follow.
// (Windows opens a serial port for one program at a time by itself.)
var LockDirs = []string{"/var/lock", "/run/lock"}
