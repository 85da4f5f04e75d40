// Package dump is the engine that turns a bootloader session into a
// verified image file.
//
// It plans the range in chunks, reads each one, checks it against the
// device's own checksum where the bootloader has one, re-reads what fails,
// and keeps a journal (FILE.bootdump.json) after every chunk so that an
// interrupted dump resumes where it stopped. The image file appears only
// when every byte of it is read and verified: until then the data lives in
// FILE.bootdump.part, so a half-written file never looks complete.
package dump
