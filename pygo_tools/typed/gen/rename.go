package main

// cgo gives every package it compiles a file-scope `import "unsafe"` (in _cgo_gotypes.go), and
// Go forbids a package-level name that a file imports too. The generated exports make the
// user's package a cgo package, so a pure-Go package with a name `unsafe` of its own would stop
// building. Such a name is renamed, in copies of the user's files that the build reads through
// -overlay (nothing in the user's tree changes): the package builds as written.

import (
	"go/ast"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

const (
	clashingName = "unsafe"
	renamedName  = "pygoUnsafe" // under the prefix the user's package may not use
)

// renameClashes writes the renamed copies into outDir; it returns original path -> copy.
func (p *pkg) renameClashes(outDir string) (map[string]string, error) {
	declared, field := false, false
	for _, file := range p.files {
		for _, decl := range file.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == clashingName {
				declared = true
			}
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if s, ok := n.(*ast.StructType); ok {
				for _, f := range s.Fields.List {
					for _, name := range f.Names {
						field = field || name.Name == clashingName
					}
				}
			}
			return true
		})
		for _, name := range packageNames(file) {
			declared = declared || name == clashingName
		}
	}
	if !declared {
		return nil, nil
	}
	overlay := map[string]string{}
	for index, file := range p.files {
		offsets := clashOffsets(p, file, field)
		if len(offsets) == 0 {
			continue
		}
		name := p.fset.Position(file.Pos()).Filename
		source, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		sort.Sort(sort.Reverse(sort.IntSlice(offsets)))
		for _, at := range offsets {
			source = append(source[:at], append([]byte(renamedName), source[at+len(clashingName):]...)...)
		}
		copyPath := filepath.Join(outDir, "pygo_renamed_"+strconv.Itoa(index)+"_"+filepath.Base(name))
		if err := os.WriteFile(copyPath, source, 0o644); err != nil {
			return nil, err
		}
		absolute, err := filepath.Abs(name)
		if err != nil {
			return nil, err
		}
		overlay[absolute] = copyPath
	}
	return overlay, nil
}

func packageNames(file *ast.File) []string {
	var names []string
	for _, decl := range file.Decls {
		if g, ok := decl.(*ast.GenDecl); ok {
			for _, spec := range g.Specs {
				switch s := spec.(type) {
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names = append(names, n.Name)
					}
				case *ast.TypeSpec:
					names = append(names, s.Name.Name)
				}
			}
		}
	}
	return names
}

// clashOffsets: the byte offsets of every identifier `unsafe` in file that names a variable,
// constant, type or function (the package's, or a local one: renaming a local everywhere it
// appears changes nothing). Field and method names, selectors and labels keep their name, and
// so do composite-literal keys when a struct of the package has a field of that name.
func clashOffsets(p *pkg, file *ast.File, field bool) []int {
	keep := map[*ast.Ident]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			keep[x.Sel] = true
		case *ast.StructType:
			markNames(keep, x.Fields)
		case *ast.InterfaceType:
			markNames(keep, x.Methods)
		case *ast.FuncDecl:
			if x.Recv != nil {
				keep[x.Name] = true
			}
		case *ast.LabeledStmt:
			keep[x.Label] = true
		case *ast.BranchStmt:
			if x.Label != nil {
				keep[x.Label] = true
			}
		case *ast.KeyValueExpr:
			if id, ok := x.Key.(*ast.Ident); ok && field {
				keep[id] = true
			}
		}
		return true
	})
	var offsets []int
	ast.Inspect(file, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == clashingName && !keep[id] {
			offsets = append(offsets, p.fset.Position(id.Pos()).Offset)
		}
		return true
	})
	return offsets
}

func markNames(keep map[*ast.Ident]bool, fields *ast.FieldList) {
	if fields == nil {
		return
	}
	for _, f := range fields.List {
		for _, name := range f.Names {
			keep[name] = true
		}
	}
}
