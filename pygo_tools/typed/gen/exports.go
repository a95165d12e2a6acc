// Command exports is run by pygo-tools on the user's Go package (built once, cached).
// It finds the functions marked //export NAME or //pygo:export and writes
//   - pygo_exports.go: one cgo export per function that converts its arguments, calls it,
//     turns a panic or a returned error into a message in a pygo_error, and hands results to C;
//   - a JSON description of those functions and the struct types they use, from which
//     pygo-tools generates the C functions of the typed module and its Python side.
//
// Everything generated is named with the prefix "pygo", which the user's package may not use.
// Standard library only.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// typeDesc describes a Go type as it crosses into Python.
type typeDesc struct {
	// int, float, bool, string, cstring (*C.char), bytes ([]byte), pointer (unsafe.Pointer,
	// *byte...), list, map, struct, or opaque (a C type of the user's preamble).
	Kind   string    `json:"kind"`
	Go     string    `json:"go"`               // how the user's source spells it
	C      string    `json:"c,omitempty"`      // the C type in the generated export's signature
	Bits   int       `json:"bits,omitempty"`   // Go numbers: 8, 16, 32, 64 (0: the size of C's type)
	Signed bool      `json:"signed,omitempty"` // Go integers
	Elem   *typeDesc `json:"elem,omitempty"`   // list
	Key    *typeDesc `json:"key,omitempty"`    // map
	Value  *typeDesc `json:"value,omitempty"`  // map
	Name   string    `json:"name,omitempty"`   // struct: its Go name
	Named  string    `json:"named,omitempty"`  // a named type over a basic one (type Celsius float64)
	Base   string    `json:"base,omitempty"`   // for a named type: the type under it (float64)
	// func (a callback parameter): its parameters, its one value result (nil: none), and
	// whether its last result is an error.
	Args   []*typeDesc `json:"args,omitempty"`
	Result *typeDesc   `json:"result,omitempty"`
	Fails  bool        `json:"fails,omitempty"`
	// iter (a result): seq (iter.Seq[Elem]), seq2 (iter.Seq2[Key, Value]) or chan (<-chan Elem).
	Form string `json:"form,omitempty"`
}

type param struct {
	Name string    `json:"name"`
	Type *typeDesc `json:"type"`
}

type function struct {
	Name    string      `json:"name"`    // the Go export name, what Python calls it before renaming
	Symbol  string      `json:"symbol"`  // the C symbol of the generated export ("" when direct)
	Params  []param     `json:"params"`  // without a leading context.Context
	Results []*typeDesc `json:"results"` // without a trailing error
	Error   bool        `json:"error"`   // the last Go result is an error
	Context bool        `json:"context"` // the first Go parameter is a context.Context
	Native  bool        `json:"native"`  // //pygo:export: pygo-tools makes the cgo export
	Direct  bool        `json:"direct"`  // uses C types of the user's preamble: called as is
	// Unavailable says why this build cannot call it (-wasm: its file imports "C", or a type
	// needs C); such a function is described but has no generated export.
	Unavailable string   `json:"unavailable,omitempty"`
	Writes      []string `json:"writes"` // buffer parameters Go writes into (//pygo:writes)
	Doc         string   `json:"doc"`
	File        string   `json:"file"`
	Line        int      `json:"line"`
	// A method: the struct type of its receiver (a Go object in Python); "" for a function.
	Receiver string `json:"receiver,omitempty"`
}

type field struct {
	Name string    `json:"name"`
	Type *typeDesc `json:"type"`
}

type structDesc struct {
	Name   string  `json:"name"`
	Fields []field `json:"fields"`
	Doc    string  `json:"doc"`
}

type description struct {
	Functions []function        `json:"functions"`
	Structs   []*structDesc     `json:"structs"`
	Objects   []*objectDesc     `json:"objects"`           // struct types that cross as *T: Python classes with methods
	Errors    []sentinelDesc    `json:"errors"`            // exported error variables: Python exception classes
	Overlay   map[string]string `json:"overlay,omitempty"` // renamed copies of user files (rename.go)
	structs   map[string]*structDesc
	objects   map[string]*objectDesc
	values    map[string]bool // struct types used by value somewhere (dataclasses)
}

const generatedName = "pygo_exports.go"

func main() {
	dir := flag.String("dir", ".", "Go package directory")
	out := flag.String("out", generatedName, "Go file to write")
	jsonOut := flag.String("json", "exports.json", "JSON description to write")
	tags := flag.String("tags", "", "comma-separated build tags")
	goos := flag.String("goos", build.Default.GOOS, "target GOOS (which files build)")
	goarch := flag.String("goarch", build.Default.GOARCH, "target GOARCH")
	listKinds := flag.Bool("kinds", false, "print the table of type kinds as JSON and exit")
	wasm := flag.Bool("wasm", false, "write //go:wasmexport wrappers for GOOS=wasip1 (no cgo) instead of cgo exports")
	flag.Parse()
	if *listKinds {
		data, _ := json.Marshal(kindNames())
		fmt.Println(string(data))
		return
	}
	if err := run(*dir, *out, *jsonOut, *tags, *goos, *goarch, *wasm); err != nil {
		fmt.Fprintln(os.Stderr, "pygo-tools exports:", err)
		os.Exit(1)
	}
}

type pkg struct {
	fset  *token.FileSet
	files []*ast.File
	types map[string]*ast.TypeSpec
	// -wasm: the files Go leaves out without cgo (they import "C"); their functions are
	// described, so that the typed module keeps its API, but cannot be called.
	cgoOnly map[*ast.File]bool
	// -wasm: a file that Go compiles without cgo declares func main.
	hasMain bool
}

func run(dir, out, jsonOut, tags, goos, goarch string, wasm bool) error {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH = goos, goarch
	if tags != "" {
		ctx.BuildTags = strings.Split(tags, ",")
	}
	ctx.CgoEnabled = true
	plain := ctx // what a wasip1 build compiles: CGO_ENABLED=0
	plain.CgoEnabled = false
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	p := &pkg{fset: token.NewFileSet(), types: map[string]*ast.TypeSpec{}, cgoOnly: map[*ast.File]bool{}}
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasSuffix(base, "_test.go") {
			continue
		}
		withCgo, err := ctx.MatchFile(dir, base)
		if err != nil {
			continue
		}
		withoutCgo := false
		if wasm {
			if withoutCgo, err = plain.MatchFile(dir, base); err != nil {
				continue
			}
		}
		if !withCgo && !withoutCgo {
			continue
		}
		if base == generatedName {
			return fmt.Errorf("%s: this file name is reserved for the code pygo-tools generates; rename the file", name)
		}
		file, err := parser.ParseFile(p.fset, name, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		// MatchFile reads build constraints only; Go also leaves out files importing "C" without cgo.
		withoutCgo = withoutCgo && !importsC(file)
		if !withCgo && !withoutCgo {
			continue
		}
		p.files = append(p.files, file)
		if wasm && !withoutCgo {
			p.cgoOnly[file] = true
		}
		if wasm && withoutCgo && declaresMain(file) {
			p.hasMain = true
		}
	}
	if err := p.checkReserved(); err != nil {
		return err
	}
	d := &description{structs: map[string]*structDesc{}, objects: map[string]*objectDesc{}, values: map[string]bool{}}
	for _, file := range p.files {
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Doc == nil {
				continue
			}
			name := fn.Name.Name
			receiver := ""
			if fn.Recv != nil {
				var err error
				if receiver, err = p.receiver(fn, d); err != nil {
					return fmt.Errorf("%s: %s: %w", p.fset.Position(fn.Pos()), name, err)
				}
				if receiver == "" {
					continue // not marked //pygo:export
				}
				name = receiver + "." + name
			}
			described, err := p.describe(fn, d)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", p.fset.Position(fn.Pos()), name, err)
			}
			if described == nil {
				continue
			}
			described.Receiver = receiver
			described.Name = name
			index := len(d.Functions)
			if wasm {
				described.Unavailable = unavailableInWasm(described, p.cgoOnly[file])
				// A function declared twice, in a file for cgo and in one for !cgo: the plain Go one.
				if i := d.index(described.Name); i >= 0 {
					if d.Functions[i].Unavailable == "" || described.Unavailable != "" {
						continue
					}
					index = i
				}
			}
			described.Symbol = ""
			if !described.Direct && described.Unavailable == "" {
				described.Symbol = fmt.Sprintf("pygo%d_%s", index, asciiName(strings.ReplaceAll(described.Name, ".", "_")))
			}
			if index == len(d.Functions) {
				d.Functions = append(d.Functions, *described)
			} else {
				d.Functions[index] = *described
			}
		}
	}
	if err := d.checkShapes(); err != nil {
		return err
	}
	d.Errors = p.sentinels()
	sort.Slice(d.Structs, func(i, j int) bool { return d.Structs[i].Name < d.Structs[j].Name })
	sort.Slice(d.Objects, func(i, j int) bool { return d.Objects[i].Name < d.Objects[j].Name })
	if d.Overlay, err = p.renameClashes(filepath.Dir(out)); err != nil {
		return err
	}
	generated := wrappers(d)
	if wasm {
		generated = wasmWrappers(d, !p.hasMain)
	}
	code, err := format.Source([]byte(generated))
	if err != nil {
		return fmt.Errorf("generated code does not parse (a pygo-tools bug): %w", err)
	}
	if err := os.WriteFile(out, code, 0o644); err != nil {
		return err
	}
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(jsonOut, data, 0o644)
}

// index is the position of the function called name, or -1.
func (d *description) index(name string) int {
	for i, f := range d.Functions {
		if f.Name == name {
			return i
		}
	}
	return -1
}

func importsC(file *ast.File) bool {
	for _, spec := range file.Imports {
		if spec.Path.Value == `"C"` {
			return true
		}
	}
	return false
}

// declaresMain: the file has package main's func main.
func declaresMain(file *ast.File) bool {
	for _, decl := range file.Decls {
		if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "main" {
			return true
		}
	}
	return false
}

// checkReserved refuses package-level names that could clash with the generated code.
func (p *pkg) checkReserved() error {
	for _, file := range p.files {
		for _, decl := range file.Decls {
			var idents []*ast.Ident
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					idents = append(idents, d.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						idents = append(idents, s.Name)
						if s.Doc == nil && !d.Lparen.IsValid() {
							s.Doc = d.Doc // "// Point is..." above "type Point struct" belongs to the type
						}
						p.types[s.Name.Name] = s
					case *ast.ValueSpec:
						idents = append(idents, s.Names...)
					}
				}
			}
			for _, id := range idents {
				if strings.HasPrefix(id.Name, "pygo") {
					return fmt.Errorf("%s: %s: names starting with \"pygo\" are reserved for the code pygo-tools generates; rename it",
						p.fset.Position(id.Pos()), id.Name)
				}
			}
		}
	}
	return nil
}

func asciiName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func commentText(c *ast.Comment) string {
	text := c.Text
	if strings.HasPrefix(text, "/*") {
		return strings.TrimSuffix(strings.TrimPrefix(text, "/*"), "*/")
	}
	text = strings.TrimPrefix(text, "//")
	return strings.TrimPrefix(text, " ")
}

func (p *pkg) describe(fn *ast.FuncDecl, d *description) (*function, error) {
	var name string
	native := false
	var doc []string
	var writes []string
	for _, c := range fn.Doc.List {
		switch {
		case strings.HasPrefix(c.Text, "//export "):
			name = strings.TrimSpace(strings.TrimPrefix(c.Text, "//export "))
		case c.Text == "//pygo:export" || strings.HasPrefix(c.Text, "//pygo:export "):
			name, native = fn.Name.Name, true
		case strings.HasPrefix(c.Text, "//pygo:writes"):
			for _, w := range strings.FieldsFunc(strings.TrimPrefix(c.Text, "//pygo:writes"), func(r rune) bool {
				return r == ',' || unicode.IsSpace(r)
			}) {
				writes = append(writes, w)
			}
		case strings.HasPrefix(c.Text, "//pygo:"):
			return nil, fmt.Errorf("unknown directive %q (known: //pygo:export, //pygo:writes NAME)", c.Text)
		case !strings.HasPrefix(c.Text, "//go:"):
			doc = append(doc, commentText(c))
		}
	}
	if name == "" {
		if len(writes) > 0 {
			return nil, fmt.Errorf("//pygo:writes applies only to a function marked //export or //pygo:export")
		}
		return nil, nil
	}
	if fn.Type.TypeParams != nil {
		return nil, fmt.Errorf("generic functions cannot be exported")
	}
	position := p.fset.Position(fn.Pos())
	f := &function{
		Name: name, Native: native, Doc: strings.TrimSpace(strings.Join(doc, "\n")), Writes: writes,
		File: filepath.Base(position.Filename), Line: position.Line,
	}
	index := 0
	for _, group := range fn.Type.Params.List {
		if _, ok := group.Type.(*ast.Ellipsis); ok {
			return nil, fmt.Errorf("variadic parameters are not supported")
		}
		names := group.Names
		if len(names) == 0 {
			names = []*ast.Ident{nil}
		}
		for _, n := range names {
			if index == 0 && isContext(group.Type) {
				f.Context = true
				index++
				continue
			}
			pname := fmt.Sprintf("p%d", index)
			if n != nil && n.Name != "_" {
				pname = n.Name
			}
			t, err := p.resolve(group.Type, d, native)
			if err != nil {
				return nil, fmt.Errorf("parameter %s: %w", pname, err)
			}
			if t.Kind == "context" {
				return nil, fmt.Errorf("parameter %s: a context.Context must be the first parameter", pname)
			}
			f.Params = append(f.Params, param{pname, t})
			index++
		}
	}
	if f.Context && !native {
		return nil, fmt.Errorf("a context.Context parameter needs //pygo:export (cgo cannot export it)")
	}
	if f.Context {
		// Its goroutine may outlive the call (Ctrl-C, timeout=): it gets copies, never the
		// caller's memory, so C pointers and buffers Go writes into cannot be passed to it.
		for _, prm := range f.Params {
			if prm.Type.Kind == "pointer" || prm.Type.Kind == "cstring" {
				return nil, fmt.Errorf("parameter %s: a function taking a context.Context runs on after a "+
					"cancelled call, so it cannot take %s (C memory the caller frees); take a []byte or a string", prm.Name, prm.Type.Go)
			}
		}
		if len(writes) > 0 {
			return nil, fmt.Errorf("//pygo:writes: a function taking a context.Context works on a copy of its buffers, " +
				"so what it writes would not reach Python; return the result instead")
		}
	}
	if fn.Type.Results != nil {
		results := fieldTypes(fn.Type.Results)
		if n := len(results); n > 0 {
			if id, ok := results[n-1].(*ast.Ident); ok && id.Name == "error" {
				if !native {
					return nil, fmt.Errorf("cgo cannot //export a function returning error; mark it //pygo:export instead")
				}
				f.Error = true
				results = results[:n-1]
			}
		}
		for i, r := range results {
			t, err := p.resolve(r, d, native)
			if err != nil {
				return nil, fmt.Errorf("result %d: %w", i+1, err)
			}
			if t.Kind == "context" || t.Kind == "pointer" {
				if native {
					return nil, fmt.Errorf("result %d: %s cannot be returned to Python", i+1, t.Go)
				}
				t = &typeDesc{Kind: "opaque", Go: t.Go}
			}
			f.Results = append(f.Results, t)
		}
	}
	for _, t := range f.types() {
		if t.Kind == "opaque" {
			if native {
				return nil, fmt.Errorf("type %s cannot be converted from or to Python", t.Go)
			}
			// The generated file cannot see the user's preamble (repeating it would clash in
			// the header cgo assembles), so such a function is called through its own export.
			f.Direct = true
		}
	}
	if err := checkShapes(f); err != nil {
		return nil, err
	}
	if err := checkWrites(fn, f); err != nil {
		return nil, err
	}
	for _, w := range writes {
		found := false
		for _, prm := range f.Params {
			if prm.Name == w {
				found = true
				if prm.Type.Kind != "bytes" && prm.Type.Kind != "pointer" && prm.Type.Kind != "cstring" {
					return nil, fmt.Errorf("//pygo:writes %s: %s is a %s, not a buffer Go can write into", w, w, prm.Type.Go)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("//pygo:writes %s: no parameter is named %s", w, w)
		}
	}
	return f, nil
}

func (f *function) types() []*typeDesc {
	var all []*typeDesc
	for _, prm := range f.Params {
		all = append(all, prm.Type)
	}
	return append(all, f.Results...)
}

func isContext(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkgName, ok := sel.X.(*ast.Ident)
	return ok && pkgName.Name == "context" && sel.Sel.Name == "Context"
}

var goInts = map[string]struct {
	bits   int
	signed bool
	c      string
}{
	"int": {64, true, "GoInt"}, "int8": {8, true, "GoInt8"}, "int16": {16, true, "GoInt16"},
	"int32": {32, true, "GoInt32"}, "int64": {64, true, "GoInt64"}, "rune": {32, true, "GoInt32"},
	"uint": {64, false, "GoUint"}, "uint8": {8, false, "GoUint8"}, "byte": {8, false, "GoUint8"},
	"uint16": {16, false, "GoUint16"}, "uint32": {32, false, "GoUint32"}, "uint64": {64, false, "GoUint64"},
	"uintptr": {64, false, "GoUintptr"},
}

// cNumbers are the C types cgo spells C.name, with the C spelling; their size comes from C.
var cNumbers = map[string]string{
	"char": "char", "schar": "signed char", "uchar": "unsigned char", "short": "short",
	"ushort": "unsigned short", "int": "int", "uint": "unsigned int", "long": "long",
	"ulong": "unsigned long", "longlong": "long long", "ulonglong": "unsigned long long",
	"size_t": "size_t", "int8_t": "int8_t", "int16_t": "int16_t", "int32_t": "int32_t",
	"int64_t": "int64_t", "uint8_t": "uint8_t", "uint16_t": "uint16_t", "uint32_t": "uint32_t",
	"uint64_t": "uint64_t", "uintptr_t": "uintptr_t", "ssize_t": "ssize_t",
}

var cBuffers = map[string]bool{"uchar": true, "uint8_t": true, "void": true, "schar": true}

func source(fset *token.FileSet, node ast.Node) string {
	var buf bytes.Buffer
	_ = format.Node(&buf, fset, node)
	return buf.String()
}

func (p *pkg) resolve(e ast.Expr, d *description, native bool) (*typeDesc, error) {
	spelled := source(p.fset, e)
	switch t := e.(type) {
	case *ast.ParenExpr:
		return p.resolve(t.X, d, native)
	case *ast.Ident:
		if n, ok := goInts[t.Name]; ok {
			return &typeDesc{Kind: "int", Go: t.Name, C: n.c, Bits: n.bits, Signed: n.signed}, nil
		}
		switch t.Name {
		case "float32":
			return &typeDesc{Kind: "float", Go: t.Name, C: "GoFloat32", Bits: 32}, nil
		case "float64":
			return &typeDesc{Kind: "float", Go: t.Name, C: "GoFloat64", Bits: 64}, nil
		case "bool":
			return &typeDesc{Kind: "bool", Go: t.Name, C: "GoUint8"}, nil
		case "string":
			return &typeDesc{Kind: "string", Go: t.Name}, nil
		case "error", "any", "complex64", "complex128":
			return nil, fmt.Errorf("type %s is not supported here", t.Name)
		}
		spec, ok := p.types[t.Name]
		if !ok {
			return nil, fmt.Errorf("type %s is not supported (not a basic type or a type of this package)", t.Name)
		}
		if _, isStruct := spec.Type.(*ast.StructType); isStruct {
			return p.structType(spec, d, native)
		}
		if spec.Assign.IsValid() || spec.TypeParams != nil {
			return nil, fmt.Errorf("type %s: aliases and generic types are not supported", t.Name)
		}
		under, err := p.resolve(spec.Type, d, native)
		if err != nil {
			return nil, fmt.Errorf("type %s: %w", t.Name, err)
		}
		if under.Named != "" {
			return nil, fmt.Errorf("type %s: a named type over another named type is not supported", t.Name)
		}
		named := *under
		named.Named, named.Go, named.Base = t.Name, t.Name, under.Go
		return &named, nil
	case *ast.SelectorExpr:
		pkgName, _ := t.X.(*ast.Ident)
		switch {
		case pkgName != nil && pkgName.Name == "C":
			if c, ok := cNumbers[t.Sel.Name]; ok {
				return &typeDesc{Kind: "int", Go: spelled, C: c}, nil
			}
			if t.Sel.Name == "float" || t.Sel.Name == "double" {
				return &typeDesc{Kind: "float", Go: spelled, C: t.Sel.Name}, nil
			}
			return &typeDesc{Kind: "opaque", Go: spelled}, nil
		case pkgName != nil && pkgName.Name == "unsafe" && t.Sel.Name == "Pointer":
			return &typeDesc{Kind: "pointer", Go: spelled}, nil
		case pkgName != nil && pkgName.Name == "context" && t.Sel.Name == "Context":
			return &typeDesc{Kind: "context", Go: spelled}, nil
		}
		if native {
			return nil, fmt.Errorf("type %s from another package is not supported; use a basic Go type", spelled)
		}
		return &typeDesc{Kind: "opaque", Go: spelled}, nil
	case *ast.StarExpr:
		if sel, ok := t.X.(*ast.SelectorExpr); ok {
			if pkgName, ok := sel.X.(*ast.Ident); ok && pkgName.Name == "C" {
				if sel.Sel.Name == "char" {
					return &typeDesc{Kind: "cstring", Go: spelled}, nil
				}
				if cBuffers[sel.Sel.Name] {
					return &typeDesc{Kind: "pointer", Go: spelled}, nil
				}
				return &typeDesc{Kind: "opaque", Go: spelled}, nil
			}
		}
		if id, ok := t.X.(*ast.Ident); ok && (id.Name == "byte" || id.Name == "uint8") {
			return &typeDesc{Kind: "pointer", Go: spelled}, nil
		}
		if id, ok := t.X.(*ast.Ident); ok && native {
			if obj, err := p.objectType(id.Name, spelled, d); obj != nil || err != nil {
				return obj, err
			}
		}
		if native {
			return nil, fmt.Errorf("pointer type %s is not supported; pass values", spelled)
		}
		return &typeDesc{Kind: "opaque", Go: spelled}, nil
	case *ast.ArrayType:
		if t.Len != nil {
			return nil, fmt.Errorf("array type %s is not supported; use a slice", spelled)
		}
		// []byte is bytes; []uint8, the same Go type, is spelled for a list of small ints.
		if id, ok := t.Elt.(*ast.Ident); ok && id.Name == "byte" {
			return &typeDesc{Kind: "bytes", Go: spelled}, nil
		}
		elem, err := p.resolve(t.Elt, d, native)
		if err != nil {
			return nil, err
		}
		if !convertible(elem) {
			return nil, fmt.Errorf("slice of %s is not supported", elem.Go)
		}
		return &typeDesc{Kind: "list", Go: spelled, Elem: elem}, nil
	case *ast.FuncType:
		if native {
			return p.funcType(t, spelled, d)
		}
	case *ast.IndexExpr, *ast.IndexListExpr, *ast.ChanType:
		if native {
			return p.iterType(e, spelled, d)
		}
	case *ast.MapType:
		key, err := p.resolve(t.Key, d, native)
		if err != nil {
			return nil, err
		}
		if key.Kind != "string" || key.Named != "" {
			return nil, fmt.Errorf("map type %s is not supported: keys must be string", spelled)
		}
		value, err := p.resolve(t.Value, d, native)
		if err != nil {
			return nil, err
		}
		if !convertible(value) {
			return nil, fmt.Errorf("map of %s is not supported", value.Go)
		}
		return &typeDesc{Kind: "map", Go: spelled, Key: key, Value: value}, nil
	}
	if native {
		return nil, fmt.Errorf("type %s is not supported", spelled)
	}
	return &typeDesc{Kind: "opaque", Go: spelled}, nil
}

// convertible: a Go value of this type can travel in the packed format (its kind's row can
// encode and decode it; C's own numbers cannot: their size is C's).
func convertible(t *typeDesc) bool {
	row, ok := kinds[t.Kind]
	return ok && row.decode != nil && !strings.HasPrefix(t.Go, "C.")
}

func (p *pkg) structType(spec *ast.TypeSpec, d *description, native bool) (*typeDesc, error) {
	name := spec.Name.Name
	desc := &typeDesc{Kind: "struct", Go: name, Name: name}
	d.values[name] = true
	if _, seen := d.structs[name]; seen {
		return desc, nil // described already, or being described (a recursive type)
	}
	if spec.TypeParams != nil {
		return nil, fmt.Errorf("generic struct %s is not supported", name)
	}
	s := &structDesc{Name: name}
	if spec.Doc != nil {
		s.Doc = strings.TrimSpace(spec.Doc.Text())
	}
	d.structs[name] = s
	d.Structs = append(d.Structs, s)
	for _, group := range spec.Type.(*ast.StructType).Fields.List {
		if len(group.Names) == 0 {
			return nil, fmt.Errorf("struct %s: embedded fields are not supported", name)
		}
		for _, n := range group.Names {
			if !n.IsExported() {
				continue // unexported fields stay in Go: zero when Python builds the value
			}
			t, err := p.resolve(group.Type, d, native)
			if err != nil {
				return nil, fmt.Errorf("struct %s: field %s: %w", name, n.Name, err)
			}
			if !convertible(t) {
				return nil, fmt.Errorf("struct %s: field %s: type %s is not supported", name, n.Name, t.Go)
			}
			s.Fields = append(s.Fields, field{n.Name, t})
		}
	}
	return desc, nil
}

// checkWrites refuses a function that visibly writes into a buffer parameter it has not declared
// with //pygo:writes: Python may pass an immutable bytes object there (zero-copy), and Go would
// change it under everyone who shares it. It sees direct writes (buf[i] = x, buf[i]++, copy(buf,
// ...), and the same through buf[a:b]); writes through other functions are the author's to declare.
func checkWrites(fn *ast.FuncDecl, f *function) error {
	if fn.Body == nil {
		return nil
	}
	buffers := map[string]bool{}
	for _, prm := range f.Params {
		if prm.Type.Kind == "bytes" || prm.Type.Kind == "pointer" {
			buffers[prm.Name] = true
		}
	}
	for _, w := range f.Writes {
		delete(buffers, w)
	}
	if len(buffers) == 0 {
		return nil
	}
	// root is the parameter an expression like buf, buf[i] or buf[a:b][i] refers to.
	var root func(e ast.Expr) string
	root = func(e ast.Expr) string {
		switch x := e.(type) {
		case *ast.Ident:
			if buffers[x.Name] {
				return x.Name
			}
		case *ast.IndexExpr:
			return root(x.X)
		case *ast.SliceExpr:
			return root(x.X)
		case *ast.ParenExpr:
			return root(x.X)
		}
		return ""
	}
	indexed := func(e ast.Expr) string {
		if ix, ok := e.(*ast.IndexExpr); ok {
			return root(ix.X)
		}
		return ""
	}
	var found string
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if found != "" {
			return false
		}
		switch x := n.(type) {
		case *ast.AssignStmt:
			for _, lhs := range x.Lhs {
				if name := indexed(lhs); name != "" {
					found = name
				}
			}
		case *ast.IncDecStmt:
			found = indexed(x.X)
		case *ast.CallExpr:
			if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "copy" && len(x.Args) == 2 {
				found = root(x.Args[0])
			}
		}
		return true
	})
	if found != "" {
		return fmt.Errorf("writes into its buffer parameter %s: declare it with //pygo:writes %s above the function "+
			"(Python must then pass a writable buffer such as a bytearray)", found, found)
	}
	return nil
}

// fieldTypes is the type of each parameter or result in list, one per name (`a, b int` is two;
// an unnamed one is one); nil for a nil list.
func fieldTypes(list *ast.FieldList) []ast.Expr {
	if list == nil {
		return nil
	}
	var types []ast.Expr
	for _, group := range list.List {
		count := len(group.Names)
		if count == 0 {
			count = 1
		}
		for i := 0; i < count; i++ {
			types = append(types, group.Type)
		}
	}
	return types
}
