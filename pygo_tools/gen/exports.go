// Command exports is run by pygo-tools (go run exports.go) on a copy of the user's Go package.
// It finds the functions marked //export NAME or //pygo:export, and writes
//   - pygo_exports.go: one cgo export pygo_NAME per function that calls it, turns a panic or a
//     returned error into a message in a C string slot (the last parameter), and returns
//     string results as C strings the caller frees;
//   - a JSON description of those functions, from which pygo-tools writes the typed Python module.
//
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
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type param struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type function struct {
	Name    string            `json:"name"`    // what Python calls it: the Go export name
	Symbol  string            `json:"symbol"`  // the C symbol of the generated wrapper
	Params  []param           `json:"params"`  // as in the Go source
	Results []string          `json:"results"` // Go result types, without a trailing error
	Error   bool              `json:"error"`   // the last Go result is an error
	Native  bool              `json:"native"`  // //pygo:export: pygo-tools makes the cgo export
	Doc     string            `json:"doc"`
	Direct  bool              `json:"direct"` // uses C types of the user's preamble: called as is, not wrapped
	imports map[string]string // package name -> import path, used by the signature's types
}

func main() {
	dir := flag.String("dir", ".", "Go package directory")
	out := flag.String("out", "pygo_exports.go", "Go file to write")
	jsonOut := flag.String("json", "exports.json", "JSON description to write")
	tags := flag.String("tags", "", "comma-separated build tags")
	goos := flag.String("goos", build.Default.GOOS, "target GOOS (which files build)")
	goarch := flag.String("goarch", build.Default.GOARCH, "target GOARCH")
	flag.Parse()
	if err := run(*dir, *out, *jsonOut, *tags, *goos, *goarch); err != nil {
		fmt.Fprintln(os.Stderr, "pygo-tools exports:", err)
		os.Exit(1)
	}
}

func run(dir, out, jsonOut, tags, goos, goarch string) error {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH = goos, goarch
	if tags != "" {
		ctx.BuildTags = strings.Split(tags, ",")
	}
	ctx.CgoEnabled = true
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	fset := token.NewFileSet()
	var funcs []function
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasSuffix(base, "_test.go") || base == filepath.Base(out) {
			continue
		}
		if ok, err := ctx.MatchFile(dir, base); err != nil || !ok {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || fn.Doc == nil {
				continue
			}
			described, err := describe(fset, fn, fileImports(file))
			if err != nil {
				return fmt.Errorf("%s: %s: %w", fset.Position(fn.Pos()), fn.Name.Name, err)
			}
			if described != nil {
				funcs = append(funcs, *described)
			}
		}
	}
	code, err := format.Source([]byte(wrappers(funcs)))
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, code, 0o644); err != nil {
		return err
	}
	data, err := json.MarshalIndent(funcs, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(jsonOut, data, 0o644)
}

// fileImports maps the names a file's code uses for its imports to their paths.
func fileImports(file *ast.File) map[string]string {
	imports := map[string]string{}
	for _, spec := range file.Imports {
		path := strings.Trim(spec.Path.Value, `"`)
		name := filepath.Base(path)
		if spec.Name != nil {
			name = spec.Name.Name
		}
		if name != "C" && name != "_" && name != "." {
			imports[name] = path
		}
	}
	return imports
}

func describe(fset *token.FileSet, fn *ast.FuncDecl, imports map[string]string) (*function, error) {
	var name string
	native := false
	var doc []string
	for _, c := range fn.Doc.List {
		text := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
		switch {
		case strings.HasPrefix(c.Text, "//export "):
			name = strings.TrimSpace(strings.TrimPrefix(c.Text, "//export "))
		case strings.HasPrefix(c.Text, "//pygo:export"):
			name, native = fn.Name.Name, true
		case !strings.HasPrefix(c.Text, "//go:"):
			doc = append(doc, text)
		}
	}
	if name == "" {
		return nil, nil
	}
	if fn.Type.TypeParams != nil {
		return nil, fmt.Errorf("generic functions cannot be exported")
	}
	f := &function{Name: name, Symbol: "pygo_" + name, Native: native, Doc: strings.TrimSpace(strings.Join(doc, "\n")), imports: map[string]string{}}
	ast.Inspect(fn.Type, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && imports[pkg.Name] != "" {
				f.imports[pkg.Name] = imports[pkg.Name]
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "C" && !builtinC[sel.Sel.Name] {
				// The wrapper file cannot see the user's preamble (repeating it would clash in the
				// header cgo assembles), so such a function is called through its own export.
				f.Direct = true
			}
		}
		return true
	})
	if f.Direct {
		f.Symbol = name
	}
	index := 0
	for _, field := range fn.Type.Params.List {
		typ := source(fset, field.Type)
		if strings.HasPrefix(typ, "...") {
			return nil, fmt.Errorf("variadic parameters are not supported")
		}
		if len(field.Names) == 0 {
			f.Params = append(f.Params, param{fmt.Sprintf("p%d", index), typ})
			index++
		}
		for _, n := range field.Names {
			pname := n.Name
			if pname == "_" {
				pname = fmt.Sprintf("p%d", index)
			}
			f.Params = append(f.Params, param{pname, typ})
			index++
		}
	}
	if fn.Type.Results != nil {
		for _, field := range fn.Type.Results.List {
			count := len(field.Names)
			if count == 0 {
				count = 1
			}
			for i := 0; i < count; i++ {
				f.Results = append(f.Results, source(fset, field.Type))
			}
		}
	}
	if n := len(f.Results); n > 0 && f.Results[n-1] == "error" {
		if !native {
			return nil, fmt.Errorf("cgo cannot //export a function returning error; mark it //pygo:export instead")
		}
		f.Error = true
		f.Results = f.Results[:n-1]
	}
	for _, r := range f.Results {
		if r == "error" || strings.HasPrefix(r, "[]") || strings.HasPrefix(r, "map[") || r == "any" || r == "interface{}" {
			return nil, fmt.Errorf("result type %s cannot cross into C; return a string, a number or a C pointer", r)
		}
	}
	return f, nil
}

// builtinC are the C types the generated file can name with only stdlib.h and stdint.h.
var builtinC = map[string]bool{
	"char": true, "schar": true, "uchar": true, "short": true, "ushort": true, "int": true, "uint": true,
	"long": true, "ulong": true, "longlong": true, "ulonglong": true, "float": true, "double": true,
	"size_t": true, "int8_t": true, "int16_t": true, "int32_t": true, "int64_t": true, "uint8_t": true,
	"uint16_t": true, "uint32_t": true, "uint64_t": true, "uintptr_t": true,
}

func source(fset *token.FileSet, node ast.Node) string {
	var buf bytes.Buffer
	printer.Fprint(&buf, fset, node)
	return buf.String()
}

// wrappers writes one cgo export per function. String results become C strings (Go may not
// hand Go memory to C); a panic or error becomes "P<message>" or "E<message>" in *pygoErr.
func wrappers(funcs []function) string {
	var b strings.Builder
	b.WriteString("// Code generated by pygo-tools; DO NOT EDIT.\n\npackage main\n\n")
	b.WriteString("// #include <stdlib.h>\n// #include <stdint.h>\n")
	b.WriteString("import \"C\"\n\n")
	used := map[string]string{}
	for _, f := range funcs {
		if f.Direct {
			continue
		}
		for name, path := range f.imports {
			used[name] = path
		}
	}
	names := make([]string, 0, len(used))
	for name := range used {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) > 0 {
		b.WriteString("import (\n")
		for _, name := range names {
			fmt.Fprintf(&b, "\t%s %q\n", name, used[name])
		}
		b.WriteString(")\n\n")
	}
	// No fmt here: it would pull reflect into every library (about 100 KB).
	b.WriteString("func pygoRecover(out **C.char) {\n\tr := recover()\n\tif r == nil {\n\t\treturn\n\t}\n")
	b.WriteString("\tmessage := \"panic with a value that is not a string or an error\"\n")
	b.WriteString("\tswitch v := r.(type) {\n\tcase string:\n\t\tmessage = v\n\tcase error:\n\t\tmessage = v.Error()\n")
	b.WriteString("\tcase interface{ String() string }:\n\t\tmessage = v.String()\n\t}\n")
	b.WriteString("\t*out = C.CString(\"P\" + message)\n}\n\n")
	for _, f := range funcs {
		if f.Direct {
			continue
		}
		var params, args, results, assigns []string
		for _, p := range f.Params {
			params = append(params, "pygo_"+p.Name+" "+p.Type)
			args = append(args, "pygo_"+p.Name)
		}
		params = append(params, "pygoErr **C.char")
		for i, r := range f.Results {
			cType := r
			if r == "string" {
				cType = "*C.char"
			}
			results = append(results, fmt.Sprintf("r%d %s", i, cType))
			assigns = append(assigns, fmt.Sprintf("g%d", i))
		}
		fmt.Fprintf(&b, "\n//export %s\nfunc %s(%s)", f.Symbol, f.Symbol, strings.Join(params, ", "))
		if len(results) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(results, ", "))
		}
		b.WriteString(" {\n\tdefer pygoRecover(pygoErr)\n\t")
		call := fmt.Sprintf("%s(%s)", f.Name, strings.Join(args, ", ")) // cgo: export name == Go name
		targets := append([]string{}, assigns...)
		if f.Error {
			targets = append(targets, "err")
		}
		if len(targets) > 0 {
			fmt.Fprintf(&b, "%s := %s\n", strings.Join(targets, ", "), call)
		} else {
			b.WriteString(call + "\n")
		}
		if f.Error {
			b.WriteString("\tif err != nil {\n\t\t*pygoErr = C.CString(\"E\" + err.Error())\n\t\treturn\n\t}\n")
		}
		for i, r := range f.Results {
			if r == "string" {
				fmt.Fprintf(&b, "\tr%d = C.CString(g%d)\n", i, i)
			} else {
				fmt.Fprintf(&b, "\tr%d = g%d\n", i, i)
			}
		}
		b.WriteString("\treturn\n}\n")
	}
	return b.String()
}
