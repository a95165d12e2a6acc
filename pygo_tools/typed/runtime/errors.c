/* pygo-tools: exception classes for the Go package's exported error variables (sentinels).
 *
 * Go reports a returned error as kind 'E' (or 'T' for a deadline) with, above the low byte, the
 * index + 1 of the most specific sentinel the error matches with errors.Is (gen's errorRuntime).
 * The classes are made at import, in Go's order: each subclasses GoError, or the class of the
 * sentinel it wraps itself (ErrNoSuchUser = fmt.Errorf("...: %w", ErrNotFound) subclasses
 * ErrNotFound), so that `except api.ErrNotFound` catches both.
 */

typedef struct {
    const char *name;    /* the Python class name (UTF-8) */
    const char *go_name; /* the Go variable */
    const char *doc;
} pygo_sentinel;

/* Set once by pygo_make_sentinels at import, read-only afterwards. */
static PyObject **pygo_sentinel_classes;
static int pygo_sentinel_count;

#ifdef PYGO_SENTINELS
/* Make the classes (parents first) and put them in api under their Python names. */
PYGO_HELPER int pygo_make_sentinels(PyObject *api, const char *typed_module, const pygo_sentinel *table,
                                    PyObject **classes, int count) {
    int made = 0, pass, i;
    pygo_sentinel_classes = classes;
    pygo_sentinel_count = count;
    for (pass = 0; pass <= count && made < count; pass++) {
        for (i = 0; i < count; i++) {
            int parent;
            PyObject *base, *dict, *go_name, *cls;
            char name[512];
            if (classes[i] != NULL) continue;
            Py_BEGIN_ALLOW_THREADS
            parent = pygo_sentinel_parent(i);
            Py_END_ALLOW_THREADS
            if (parent >= count) parent = -1;
            if (parent >= 0 && classes[parent] == NULL) continue; /* its parent first */
            base = parent >= 0 ? classes[parent] : pygo_GoError;
            dict = PyDict_New();
            go_name = PyUnicode_FromString(table[i].go_name);
            if (dict == NULL || go_name == NULL || PyDict_SetItemString(dict, "go_name", go_name) < 0) {
                Py_XDECREF(dict);
                Py_XDECREF(go_name);
                return -1;
            }
            Py_DECREF(go_name);
            PyOS_snprintf(name, sizeof(name), "%s.%s", typed_module, table[i].name);
            cls = PyErr_NewExceptionWithDoc(name, table[i].doc, base, dict);
            Py_DECREF(dict);
            if (cls == NULL) return -1;
            classes[i] = cls;
            if (PyDict_SetItemString(api, table[i].name, cls) < 0) return -1;
            made++;
        }
    }
    if (made < count) {
        /* errors.Is found a cycle among the sentinels (a custom Is method): no parents then */
        for (i = 0; i < count; i++) {
            char name[512];
            if (classes[i] != NULL) continue;
            PyOS_snprintf(name, sizeof(name), "%s.%s", typed_module, table[i].name);
            classes[i] = PyErr_NewExceptionWithDoc(name, table[i].doc, pygo_GoError, NULL);
            if (classes[i] == NULL || PyDict_SetItemString(api, table[i].name, classes[i]) < 0) return -1;
        }
    }
    return 0;
}
#endif

/* pygo_raise, with the sentinel's class when Go named one. */
PYGO_HELPER PyObject *pygo_raise_error(pygo_error *err, const pygo_scratch *s) {
    int sentinel = err->kind >> 8;
    err->kind &= 0xff;
    if (err->kind == 'E' && sentinel > 0 && sentinel <= pygo_sentinel_count) {
        PyObject *message = PyUnicode_DecodeUTF8(err->p != NULL ? err->p : "", (Py_ssize_t)err->n, "replace");
        pygo_release(err->p, s);
        err->p = NULL;
        if (message != NULL) {
            PyErr_SetObject(pygo_sentinel_classes[sentinel - 1], message);
            Py_DECREF(message);
        }
        return NULL;
    }
    return pygo_raise(err, s);
}
