package main

// The shapes Go APIs have beyond plain values: objects (*T, and methods marked //pygo:export),
// callbacks (parameters of func types), iterators (iter.Seq, iter.Seq2 and <-chan results) and
// sentinel errors (exported Err... variables). This file finds and checks them; shapes_runtime.go
// holds the Go code the generated exports use for them.

import (
	"fmt"
	"go/ast"
	"go/token"
	"strings"
)

// objectDesc is a struct type that crosses as *T: a Python class whose methods are T's methods
// marked //pygo:export; the Python object holds a handle to the Go value (objectRuntime).
type objectDesc struct {
	Name string `json:"name"`
	Doc  string `json:"doc"`
}

// sentinelDesc is an exported error variable: a Python exception class, raised when a returned
// error matches it (errors.Is).
type sentinelDesc struct {
	Name string `json:"name"`
	Doc  string `json:"doc"`
	// cgoOnly (-wasm): declared in a file a WebAssembly build leaves out; its class never matches.
	cgoOnly bool
}

// receiver is the struct type of a method marked //pygo:export ("" if it is not marked).
func (p *pkg) receiver(fn *ast.FuncDecl, d *description) (string, error) {
	marked := false
	for _, c := range fn.Doc.List {
		switch {
		case c.Text == "//pygo:export" || strings.HasPrefix(c.Text, "//pygo:export "):
			marked = true
		case strings.HasPrefix(c.Text, "//export "):
			return "", fmt.Errorf("cgo cannot //export a method; mark it //pygo:export instead")
		}
	}
	if !marked {
		return "", nil
	}
	expr := fn.Recv.List[0].Type
	if star, ok := expr.(*ast.StarExpr); ok {
		expr = star.X
	}
	id, ok := expr.(*ast.Ident)
	if !ok {
		return "", fmt.Errorf("methods of generic types cannot be exported")
	}
	spec := p.types[id.Name]
	if spec == nil {
		return "", fmt.Errorf("receiver type %s is not a type of this package", id.Name)
	}
	if _, isStruct := spec.Type.(*ast.StructType); !isStruct || spec.TypeParams != nil || spec.Assign.IsValid() {
		return "", fmt.Errorf("only methods of (non-generic) struct types can be exported; %s is not one", id.Name)
	}
	p.object(spec, d)
	return id.Name, nil
}

// object registers struct type spec as an object type.
func (p *pkg) object(spec *ast.TypeSpec, d *description) {
	name := spec.Name.Name
	if d.objects[name] != nil {
		return
	}
	o := &objectDesc{Name: name}
	if spec.Doc != nil {
		o.Doc = strings.TrimSpace(spec.Doc.Text())
	}
	d.objects[name] = o
	d.Objects = append(d.Objects, o)
}

// objectType is *name when name is a struct type of the package (nil, nil otherwise).
func (p *pkg) objectType(name, spelled string, d *description) (*typeDesc, error) {
	spec := p.types[name]
	if spec == nil {
		return nil, nil
	}
	if _, isStruct := spec.Type.(*ast.StructType); !isStruct {
		return nil, nil
	}
	if spec.TypeParams != nil || spec.Assign.IsValid() {
		return nil, fmt.Errorf("type %s: pointers to generic types and aliases are not supported", spelled)
	}
	p.object(spec, d)
	return &typeDesc{Kind: "object", Go: spelled, Name: name}, nil
}

// funcType is a func type whose values Python passes as callables: parameters that travel in the
// packed format, at most one such result, and an optional error last.
func (p *pkg) funcType(t *ast.FuncType, spelled string, d *description) (*typeDesc, error) {
	if t.TypeParams != nil {
		return nil, fmt.Errorf("generic func type %s is not supported", spelled)
	}
	desc := &typeDesc{Kind: "func", Go: spelled}
	for _, group := range t.Params.List {
		if _, ok := group.Type.(*ast.Ellipsis); ok {
			return nil, fmt.Errorf("func type %s: variadic parameters are not supported", spelled)
		}
		count := len(group.Names)
		if count == 0 {
			count = 1
		}
		arg, err := p.resolve(group.Type, d, true)
		if err != nil {
			return nil, fmt.Errorf("func type %s: %w", spelled, err)
		}
		if !convertible(arg) {
			return nil, fmt.Errorf("func type %s: a parameter of type %s cannot be passed to Python "+
				"(numbers, bool, string, []byte, slices, maps and structs of these can)", spelled, arg.Go)
		}
		for i := 0; i < count; i++ {
			desc.Args = append(desc.Args, arg)
		}
	}
	results := fieldTypes(t.Results)
	if n := len(results); n > 0 {
		if id, ok := results[n-1].(*ast.Ident); ok && id.Name == "error" {
			desc.Fails = true
			results = results[:n-1]
		}
	}
	if len(results) > 1 {
		return nil, fmt.Errorf("func type %s: a callback may return one value (and an error), not %d", spelled, len(results))
	}
	if len(results) == 1 {
		result, err := p.resolve(results[0], d, true)
		if err != nil {
			return nil, fmt.Errorf("func type %s: %w", spelled, err)
		}
		if !convertible(result) {
			return nil, fmt.Errorf("func type %s: a result of type %s cannot come from Python", spelled, result.Go)
		}
		desc.Result = result
	}
	return desc, nil
}

// iterType is iter.Seq[T], iter.Seq2[K, V] or a channel Python receives from.
func (p *pkg) iterType(e ast.Expr, spelled string, d *description) (*typeDesc, error) {
	desc := &typeDesc{Kind: "iter", Go: spelled}
	var items []ast.Expr
	switch t := e.(type) {
	case *ast.ChanType:
		if t.Dir == ast.SEND {
			return nil, fmt.Errorf("type %s: Python cannot receive from a send-only channel", spelled)
		}
		desc.Form, items = "chan", []ast.Expr{t.Value}
	case *ast.IndexExpr:
		if !isIter(t.X, "Seq") {
			return nil, fmt.Errorf("type %s is not supported (generic types other than iter.Seq and iter.Seq2)", spelled)
		}
		desc.Form, items = "seq", []ast.Expr{t.Index}
	case *ast.IndexListExpr:
		if !isIter(t.X, "Seq2") || len(t.Indices) != 2 {
			return nil, fmt.Errorf("type %s is not supported (generic types other than iter.Seq and iter.Seq2)", spelled)
		}
		desc.Form, items = "seq2", t.Indices
	}
	var resolved []*typeDesc
	for _, item := range items {
		r, err := p.resolve(item, d, true)
		if err != nil {
			return nil, fmt.Errorf("type %s: %w", spelled, err)
		}
		if !convertible(r) {
			return nil, fmt.Errorf("type %s: items of type %s cannot be passed to Python "+
				"(numbers, bool, string, []byte, slices, maps and structs of these can)", spelled, r.Go)
		}
		resolved = append(resolved, r)
	}
	if desc.Form == "seq2" {
		desc.Key, desc.Value = resolved[0], resolved[1]
	} else {
		desc.Elem = resolved[0]
	}
	return desc, nil
}

func isIter(e ast.Expr, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkgName, ok := sel.X.(*ast.Ident)
	return ok && pkgName.Name == "iter" && sel.Sel.Name == name
}

// checkShapes: where each shape may appear in one function's signature.
func checkShapes(f *function) error {
	for _, prm := range f.Params {
		if prm.Type.Kind == "iter" {
			return fmt.Errorf("parameter %s: Python cannot pass %s to Go; take a slice instead", prm.Name, prm.Type.Go)
		}
	}
	for i, r := range f.Results {
		switch r.Kind {
		case "func":
			return fmt.Errorf("result %d: a func cannot be returned to Python", i+1)
		case "iter":
			if len(f.Results) > 1 {
				return fmt.Errorf("result %d: %s must be the only result (an error may follow it)", i+1, r.Go)
			}
		}
	}
	return nil
}

// checkShapes: a struct type is either an object (*T, with methods) or a value (a dataclass),
// not both, since Python has one class of that name.
func (d *description) checkShapes() error {
	for _, o := range d.Objects {
		if d.values[o.Name] {
			return fmt.Errorf("type %s is used both as *%s or a method receiver (a Go object: a Python class with "+
				"methods) and as a %s value (a dataclass); use one of the two: pass and return *%s, or drop the "+
				"//pygo:export methods", o.Name, o.Name, o.Name, o.Name)
		}
	}
	return nil
}

// sentinels are the package's exported error variables, in declaration order: Go's convention
// names them Err... (errors.New, fmt.Errorf, or a value of a type implementing error). The
// generated code checks each is an error at run time; one that is not never matches.
func (p *pkg) sentinels() []sentinelDesc {
	var found []sentinelDesc
	for _, file := range p.files {
		for _, decl := range file.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.VAR {
				continue
			}
			for _, spec := range gen.Specs {
				s := spec.(*ast.ValueSpec)
				for i, name := range s.Names {
					if !name.IsExported() || !strings.HasPrefix(name.Name, "Err") {
						continue
					}
					if s.Type != nil {
						if id, ok := s.Type.(*ast.Ident); !ok || id.Name != "error" {
							continue
						}
					} else if i >= len(s.Values) {
						continue
					}
					doc := s.Doc
					if doc == nil && !gen.Lparen.IsValid() {
						doc = gen.Doc
					}
					if doc == nil {
						doc = s.Comment
					}
					text := ""
					if doc != nil {
						text = strings.TrimSpace(doc.Text())
					}
					found = append(found, sentinelDesc{Name: name.Name, Doc: text, cgoOnly: p.cgoOnly[file]})
				}
			}
		}
	}
	return found
}
