package main

// The Go side of pygo-tools' table of type kinds; pygo_tools/typed/kinds.py is the Python and C
// side (a test checks that both name the same kinds). Each row says how a value of its kind
// crosses a generated export: the export's parameter and what the user's function gets from it,
// the export's results and how they are filled, and, for kinds that travel in the packed format
// (inside lists, maps and structs), how a value is read from and written to that buffer.
//
// A new Go type is one row here, its case in exports.go's resolve, and its row in kinds.py.

import (
	"fmt"
	"sort"
)

type kind struct {
	// param is the export's parameter for an argument of type t named name, and the expression
	// the user's function is given. copyBuffers: the call outlives the C call (a goroutine).
	param func(g *generator, t *typeDesc, name string, copyBuffers bool) (decl, arg string)
	// result is the export's result parameters for a result of type t, and the statement that
	// fills them from got, the user's value.
	result func(g *generator, t *typeDesc, out, got string) (decls []string, assign string)
	// decode is an expression reading a value of type t from the packed reader r; encode is a
	// statement writing v to the packed writer w. nil: the kind does not travel packed.
	decode func(g *generator, t *typeDesc) string
	encode func(g *generator, t *typeDesc, v string) string
	// wasmParam is the //go:wasmexport parameters for an argument of type t (wasm has numbers
	// only: a buffer is its address and length in the module's memory), and the expression the
	// user's function is given. nil: the kind cannot cross into WebAssembly (it needs C).
	wasmParam func(g *generator, t *typeDesc, name string, copyBuffers bool) (decls []string, arg string)
	// wasmResult is the wasm result type of a lone result of type t and the statement setting
	// out from got; nil: the result travels packed (see wasm.go).
	wasmResult func(g *generator, t *typeDesc, out, got string) (typ, assign string)
}

var kinds map[string]kind

func init() {
	number := kind{
		param: scalarParam, result: scalarResult, decode: numberDecode, encode: numberEncode,
		wasmParam: wasmScalarParam, wasmResult: wasmScalarResult,
	}
	packed := kind{
		param: packedParam, result: packedResult, decode: codecDecode, encode: codecEncode,
		wasmParam: wasmPackedParam,
	}
	kinds = map[string]kind{
		"int":   number,
		"float": number,
		"bool":  number,
		"string": {
			param: func(g *generator, t *typeDesc, name string, _ bool) (string, string) {
				g.imports[`pygo_strings "strings"`] = true
				if t.Named != "" { // type Name string: a string is not a Name without a conversion
					return name + " string", t.Named + "(pygo_strings.Clone(" + name + "))"
				}
				return name + " string", "pygo_strings.Clone(" + name + ")"
			},
			result: func(g *generator, t *typeDesc, out, got string) ([]string, string) {
				return []string{out + " *C.char", out + "n C.size_t"},
					fmt.Sprintf("%s, %sn = pygoOut(string(%s), pygoScratch)", out, out, got)
			},
			decode: func(g *generator, t *typeDesc) string { return fmt.Sprintf("%s(r.str())", goSpelling(t)) },
			encode: func(g *generator, t *typeDesc, v string) string { return fmt.Sprintf("w.str(string(%s))", v) },
			wasmParam: func(g *generator, t *typeDesc, name string, _ bool) ([]string, string) {
				return []string{name + "p pygo_unsafe.Pointer", name + "n uint32"},
					fmt.Sprintf("%s(pygoString(%sp, %sn))", goSpelling(t), name, name)
			},
			wasmResult: func(g *generator, t *typeDesc, out, got string) (string, string) {
				return "int64", fmt.Sprintf("%s = pygoOutString(string(%s))", out, got)
			},
		},
		"bytes": {
			param: func(g *generator, t *typeDesc, name string, copyBuffers bool) (string, string) {
				if !copyBuffers {
					return name + " []byte", name + "[:len(" + name + "):len(" + name + ")]"
				}
				// The call outlives the C call that passed the buffer: Go gets its own copy.
				conv := "append([]byte{}, " + name + "...)"
				if t.Named != "" {
					conv = t.Named + "(" + conv + ")"
				}
				return name + " []byte", conv
			},
			result: func(g *generator, t *typeDesc, out, got string) ([]string, string) {
				return []string{out + " *C.char", out + "n C.size_t"},
					fmt.Sprintf("%s, %sn = pygoOutBytes([]byte(%s), pygoScratch)", out, out, got)
			},
			decode: func(g *generator, t *typeDesc) string { return fmt.Sprintf("%s(r.bytes())", goSpelling(t)) },
			encode: func(g *generator, t *typeDesc, v string) string { return fmt.Sprintf("w.bytes([]byte(%s))", v) },
			wasmParam: func(g *generator, t *typeDesc, name string, copyBuffers bool) ([]string, string) {
				conv := fmt.Sprintf("pygoBytes(%sp, %sn)", name, name)
				if copyBuffers { // the staging memory is reused while the goroutine runs
					conv = "append([]byte{}, " + conv + "...)"
				}
				if t.Named != "" {
					conv = t.Named + "(" + conv + ")"
				}
				return []string{name + "p pygo_unsafe.Pointer", name + "n uint32"}, conv
			},
			wasmResult: func(g *generator, t *typeDesc, out, got string) (string, string) {
				return "int64", fmt.Sprintf("%s = pygoOutBytes([]byte(%s))", out, got)
			},
		},
		"cstring": {
			param: func(g *generator, t *typeDesc, name string, _ bool) (string, string) {
				return name + " *C.char", name
			},
			result: func(g *generator, t *typeDesc, out, got string) ([]string, string) {
				return []string{out + " *C.char"}, fmt.Sprintf("%s = %s", out, got)
			},
		},
		"pointer": {
			param: func(g *generator, t *typeDesc, name string, _ bool) (string, string) {
				// *C.char in the export (the C side passes void *, which converts to it): the
				// package may have a name unsafe of its own, which would hide the import.
				if t.Go == "unsafe.Pointer" {
					return name + " *C.char", "pygo_unsafe.Pointer(" + name + ")"
				}
				return name + " *C.char", "(" + t.Go + ")(pygo_unsafe.Pointer(" + name + "))"
			},
			// WebAssembly: an address in the module's memory (no C, so no *C.char).
			wasmParam: func(g *generator, t *typeDesc, name string, copyBuffers bool) ([]string, string) {
				if t.Go == "unsafe.Pointer" {
					return []string{name + " pygo_unsafe.Pointer"}, name
				}
				return []string{name + " pygo_unsafe.Pointer"}, "(" + t.Go + ")(" + name + ")"
			},
		},
		"list":   packed,
		"map":    packed,
		"struct": packed,
		// *T, T a struct type of the package: a handle (pygoNew, pygoObj) both ways (0 is nil).
		"object": {
			param: func(g *generator, t *typeDesc, name string, _ bool) (string, string) {
				return name + " C.uintptr_t", fmt.Sprintf("pygoObj[%s](%s)", t.Name, name)
			},
			result: func(g *generator, t *typeDesc, out, got string) ([]string, string) {
				return []string{out + " C.uintptr_t"}, fmt.Sprintf("%s = pygoNew(%s)", out, got)
			},
		},
		// A func parameter: Python passes a callable, Go gets a callback id and calls it through
		// a converter generated per func type (pygoCb<n>).
		"func": {
			param: func(g *generator, t *typeDesc, name string, _ bool) (string, string) {
				return name + " C.uint64_t", fmt.Sprintf("%s(%s)", g.callbackFor(t), name)
			},
		},
		// iter.Seq, iter.Seq2, <-chan: a result only, a handle to a pump Python pulls batches from.
		"iter": {
			result: func(g *generator, t *typeDesc, out, got string) ([]string, string) {
				return []string{out + " C.uintptr_t"}, fmt.Sprintf("%s = %s", out, g.pullFor(t, got))
			},
		},
		// A C type of the user's preamble: its function is called through its own //export.
		"opaque": {},
		// Only as the first parameter, never given to Python; see describe.
		"context": {},
	}
}

// scalarType is the export's type for an int, float or bool: the type under a named one.
func scalarType(t *typeDesc) string {
	if t.Named != "" {
		return t.Base
	}
	return t.Go
}

func scalarParam(g *generator, t *typeDesc, name string, _ bool) (string, string) {
	if t.Named != "" {
		return name + " " + scalarType(t), t.Named + "(" + name + ")"
	}
	return name + " " + scalarType(t), name
}

func scalarResult(g *generator, t *typeDesc, out, got string) ([]string, string) {
	typ := scalarType(t)
	if t.Named != "" {
		return []string{out + " " + typ}, fmt.Sprintf("%s = %s(%s)", out, typ, got)
	}
	return []string{out + " " + typ}, fmt.Sprintf("%s = %s", out, got)
}

// wasmScalarParam: wasm's own numbers, the widest of each kind (//go:wasmexport takes no int8
// or int), converted to the Go type (an out-of-range value was refused on the Python side).
func wasmScalarParam(g *generator, t *typeDesc, name string, _ bool) ([]string, string) {
	switch t.Kind {
	case "int":
		return []string{name + " int64"}, fmt.Sprintf("%s(%s)", goSpelling(t), name)
	case "float":
		return []string{name + " float64"}, fmt.Sprintf("%s(%s)", goSpelling(t), name)
	}
	return []string{name + " int32"}, fmt.Sprintf("%s(%s != 0)", goSpelling(t), name)
}

func wasmScalarResult(g *generator, t *typeDesc, out, got string) (string, string) {
	switch t.Kind {
	case "int": // an unsigned 64-bit value keeps its bits; the host reads it back unsigned
		return "int64", fmt.Sprintf("%s = int64(%s)", out, got)
	case "float":
		return "float64", fmt.Sprintf("%s = float64(%s)", out, got)
	}
	return "int32", fmt.Sprintf("if %s {\n\t\t%s = 1\n\t}", got, out)
}

func wasmPackedParam(g *generator, t *typeDesc, name string, _ bool) ([]string, string) {
	return []string{name + "p pygo_unsafe.Pointer", name + "n uint32"},
		fmt.Sprintf("pygoDec%d(&pygoReader{b: pygoBytes(%sp, %sn)})", g.codecFor(t), name, name)
}

func numberDecode(g *generator, t *typeDesc) string {
	typ := goSpelling(t)
	switch t.Kind {
	case "int":
		return fmt.Sprintf("%s(r.u%d())", typ, t.Bits)
	case "float":
		g.imports[`pygo_math "math"`] = true
		if t.Bits == 32 {
			return fmt.Sprintf("%s(pygo_math.Float32frombits(r.u32()))", typ)
		}
		return fmt.Sprintf("%s(pygo_math.Float64frombits(r.u64()))", typ)
	}
	return fmt.Sprintf("%s(r.u8() != 0)", typ)
}

func numberEncode(g *generator, t *typeDesc, v string) string {
	switch t.Kind {
	case "int":
		return fmt.Sprintf("w.u%d(uint%d(%s))", t.Bits, t.Bits, v)
	case "float":
		g.imports[`pygo_math "math"`] = true
		if t.Bits == 32 {
			return fmt.Sprintf("w.u32(pygo_math.Float32bits(float32(%s)))", v)
		}
		return fmt.Sprintf("w.u64(pygo_math.Float64bits(float64(%s)))", v)
	}
	return fmt.Sprintf("w.boolean(bool(%s))", v)
}

func packedParam(g *generator, t *typeDesc, name string, _ bool) (string, string) {
	return name + " []byte", fmt.Sprintf("pygoDec%d(&pygoReader{b: %s})", g.codecFor(t), name)
}

func packedResult(g *generator, t *typeDesc, out, got string) ([]string, string) {
	return []string{out + " *C.char", out + "n C.size_t"},
		fmt.Sprintf("%s, %sn = pygoOutBytes(pygoEnc%d(&pygoWriter{}, %s).b, pygoScratch)", out, out, g.codecFor(t), got)
}

func codecDecode(g *generator, t *typeDesc) string {
	return fmt.Sprintf("pygoDec%d(r)", g.codecFor(t))
}

func codecEncode(g *generator, t *typeDesc, v string) string {
	return fmt.Sprintf("pygoEnc%d(w, %s)", g.codecFor(t), v)
}

// rowOf is t's row of the table; a kind without one is a bug of the generator.
func rowOf(t *typeDesc) kind {
	row, ok := kinds[t.Kind]
	if !ok {
		panic("pygo-tools: no row for kind " + t.Kind)
	}
	return row
}

// kindNames lists the table's kinds, for the test that compares it with kinds.py.
func kindNames() []string {
	var names []string
	for name := range kinds {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
