// Package main reads a file of every kind Go reads, so that a test can change each one and see
// the change in the built library: headers through -I and through a relative #include, a C file,
// embedded files, a local module, a file left out by a build constraint.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#include "top.h"
#include "sub/sub.h"
#ifndef OFFSET
#define OFFSET 0
#endif
int from_c(void);
static int headers(void) { return TOP * 100 + SUB * 10 + OFFSET; }
*/
import "C"

import (
	"embed"
	"sort"
	"strings"

	"example.com/dep"
)

//go:embed static
var static embed.FS

// Headers is TOP*100 + SUB*10 + OFFSET, from the headers and CGO_CFLAGS.
//
//pygo:export
func Headers() int { return int(C.headers()) }

// FromC is what the package's C file returns.
//
//pygo:export
func FromC() int { return int(C.from_c()) }

// Embedded lists the embedded files and their contents.
//
//pygo:export
func Embedded() string {
	entries, _ := static.ReadDir("static")
	var parts []string
	for _, e := range entries {
		data, _ := static.ReadFile("static/" + e.Name())
		parts = append(parts, e.Name()+"="+strings.TrimSpace(string(data)))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Dep is the local module's word.
//
//pygo:export
func Dep() string { return dep.Word() }

// Extra is "" unless extra.go is built.
//
//pygo:export
func Extra() string { return extra }

var extra = ""

func main() {}
