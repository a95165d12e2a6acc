// A file without //export may define things in its cgo preamble (for files with exports,
// cgo allows declarations only).

package main

// static const char *version = "typed 1.0";
// static const char *get_version(void) { return version; }
import "C"

func versionString() *C.char {
	return C.get_version()
}
