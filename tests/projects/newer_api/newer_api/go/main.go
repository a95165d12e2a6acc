// Package main is an extension that reaches for CPython API newer than its limited_api floor:
// PyModule_AddObjectRef came with 3.10. The preamble goes into the header the extension
// includes after Python.h (Py_LIMITED_API is defined there only, not in Go's own build).
package main

/*
#ifdef Py_LIMITED_API
PyAPI_FUNC(int) PyModule_AddObjectRef(PyObject *mod, const char *name, PyObject *value);
__attribute__((used)) static int newer_api_probe(PyObject *module) {
    return PyModule_AddObjectRef(module, "probe", module);
}
#endif
*/
import "C"

//export Answer
func Answer() C.int {
	return 42
}

func main() {}
