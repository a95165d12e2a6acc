/* pygo-tools: the runtime of the typed module's C functions, appended to the cffi extension.
 *
 * Only CPython's limited API, at the floor the project's limited_api sets (3.9 by default):
 * PyUnicode_AsUTF8AndSize from 3.10 and the buffer protocol from 3.11 are used when the floor
 * allows, with fallbacks below it. Every Go call releases the GIL. Every name is prefixed
 * pygo_ so that nothing clashes with cffi's code or the Go header.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if !defined(_WIN32)
#include <pthread.h>
#endif

#if !defined(Py_LIMITED_API) || Py_LIMITED_API + 0 >= 0x030A0000
#define PYGO_UTF8_AND_SIZE 1
#else
#define PYGO_UTF8_AND_SIZE 0
#endif
#if !defined(Py_LIMITED_API) || Py_LIMITED_API + 0 >= 0x030B0000
#define PYGO_BUFFER_API 1
#else
#define PYGO_BUFFER_API 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PYGO_HELPER static __attribute__((unused))
#else
#define PYGO_HELPER static
#endif

#define PYGO_SCRATCH 512
#define PYGO_INLINE 128

/* One function of the typed module, for argument parsing and messages. */
typedef struct {
    const char *name;          /* its Python name (UTF-8) */
    int nparams;               /* parameters Python passes */
    const char *const *params; /* their Python names (UTF-8) */
    int takes_timeout;         /* a cancellable function: accepts timeout= too */
} pygo_fn;

/* A string or buffer argument while Go has it. */
typedef struct {
    const char *p; /* what Go sees */
    Py_ssize_t n;
    PyObject *owner; /* a reference to drop afterwards (UTF-8 bytes, a cffi buffer) */
    void *mem;       /* a malloc'd copy to free afterwards */
#if PYGO_BUFFER_API
    Py_buffer view;
    int has_view;
#endif
    char small[PYGO_INLINE]; /* a short copy needs no malloc */
} pygo_arg;

static PyObject *pygo_GoError, *pygo_GoPanic, *pygo_GoForkError;
static PyObject *pygo_ffi;        /* the extension's cffi FFI object (buffers below 3.11) */
static const char *pygo_package;  /* for messages */
static volatile int pygo_forked;  /* set in a child forked after the Go runtime started */

#if !defined(_WIN32)
static void pygo_atfork_child(void) { pygo_forked = 1; }
#endif

PYGO_HELPER int pygo_check_fork(void) {
    if (pygo_forked) {
        PyErr_Format(pygo_GoForkError,
                     "this process was forked after %s started the Go runtime, which does not survive "
                     "fork(); start worker processes with the 'spawn' or 'forkserver' method, e.g. "
                     "multiprocessing.set_start_method('spawn')",
                     pygo_package);
        return -1;
    }
    return 0;
}

PYGO_HELPER void pygo_arg_init(pygo_arg *a) { memset(a, 0, sizeof(*a)); }

PYGO_HELPER void pygo_arg_release(pygo_arg *a) {
#if PYGO_BUFFER_API
    if (a->has_view) {
        PyBuffer_Release(&a->view);
        a->has_view = 0;
    }
#endif
    Py_XDECREF(a->owner);
    a->owner = NULL;
    free(a->mem);
    a->mem = NULL;
}

/* The name of o's type, as a new str (never NULL). */
PYGO_HELPER PyObject *pygo_type_name(PyObject *o) {
    PyObject *name = PyObject_GetAttrString((PyObject *)Py_TYPE(o), "__name__");
    if (name == NULL) {
        PyErr_Clear();
        name = PyUnicode_FromString("?");
    }
    return name;
}

PYGO_HELPER int pygo_wrong_type(const pygo_fn *fn, int i, const char *expected, PyObject *o) {
    PyObject *got = pygo_type_name(o);
    if (got != NULL) {
        PyErr_Format(PyExc_TypeError, "%s() argument '%s': expected %s, got %U", fn->name, fn->params[i],
                     expected, got);
        Py_DECREF(got);
    }
    return -1;
}

/* Python's own rules: positional first, then keywords by name; missing or extra is a TypeError.
   out gets borrowed references: nparams entries, plus timeout (or NULL) for cancellable ones. */
PYGO_HELPER int pygo_parse(PyObject *args, PyObject *kwargs, const pygo_fn *fn, PyObject **out) {
    Py_ssize_t nargs = PyTuple_Size(args), i;
    int n = fn->nparams;
    for (i = 0; i <= n; i++) out[i] = NULL;
    if (nargs > n) {
        PyErr_Format(PyExc_TypeError, "%s() takes %d positional argument%s but %zd %s given", fn->name, n,
                     n == 1 ? "" : "s", nargs, nargs == 1 ? "was" : "were");
        return -1;
    }
    for (i = 0; i < nargs; i++) out[i] = PyTuple_GetItem(args, i);
    if (kwargs != NULL && PyDict_Size(kwargs) > 0) {
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        while (PyDict_Next(kwargs, &pos, &key, &value)) {
            int found = -1, k;
            for (k = 0; k <= n && found < 0; k++) {
                const char *name = k < n ? fn->params[k] : (fn->takes_timeout ? "timeout" : NULL);
                PyObject *expected;
                if (name == NULL) break;
                expected = PyUnicode_FromString(name);
                if (expected == NULL) return -1;
                if (PyUnicode_Compare(key, expected) == 0) found = k;
                Py_DECREF(expected);
                if (PyErr_Occurred()) return -1;
            }
            if (found < 0) {
                PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fn->name, key);
                return -1;
            }
            if (out[found] != NULL) {
                PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%U'", fn->name, key);
                return -1;
            }
            out[found] = value;
        }
    }
    for (i = 0; i < n; i++) {
        if (out[i] == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s' (position %zd)", fn->name,
                         fn->params[i], i + 1);
            return -1;
        }
    }
    return 0;
}

/* Integers: Python int (or anything with __index__), range-checked for the C type's size. */
PYGO_HELPER int pygo_arg_int(PyObject *o, const pygo_fn *fn, int i, const char *go, int is_signed, size_t size,
                        long long *sv, unsigned long long *uv) {
    PyObject *number;
    int overflow = 0;
    long long value;
    if (PyFloat_Check(o) || PyUnicode_Check(o) || PyBytes_Check(o)) return pygo_wrong_type(fn, i, "int", o);
    number = PyNumber_Index(o);
    if (number == NULL) {
        PyErr_Clear();
        return pygo_wrong_type(fn, i, "int", o);
    }
    value = PyLong_AsLongLongAndOverflow(number, &overflow);
    if (value == -1 && PyErr_Occurred()) {
        Py_DECREF(number);
        return -1;
    }
    if (is_signed) {
        long long high = size >= 8 ? LLONG_MAX : (long long)((1ULL << (size * 8 - 1)) - 1);
        long long low = -high - 1;
        if (overflow || value < low || value > high) {
            PyErr_Format(PyExc_OverflowError, "%s() argument '%s': %R does not fit in %s (%lld to %lld)",
                         fn->name, fn->params[i], number, go, low, high);
            Py_DECREF(number);
            return -1;
        }
        *sv = value;
    } else {
        unsigned long long high = size >= 8 ? ULLONG_MAX : (1ULL << (size * 8)) - 1;
        unsigned long long u = 0;
        if (overflow < 0 || (!overflow && value < 0)) {
            u = high, overflow = 1; /* negative */
        } else if (overflow > 0) {
            u = PyLong_AsUnsignedLongLong(number);
            if (u == (unsigned long long)-1 && PyErr_Occurred()) PyErr_Clear(), u = high, overflow = 1;
            else overflow = 0;
        } else {
            u = (unsigned long long)value;
        }
        if (overflow || u > high) {
            PyErr_Format(PyExc_OverflowError, "%s() argument '%s': %R does not fit in %s (0 to %llu)", fn->name,
                         fn->params[i], number, go, high);
            Py_DECREF(number);
            return -1;
        }
        *uv = u;
    }
    Py_DECREF(number);
    return 0;
}

PYGO_HELPER int pygo_arg_float(PyObject *o, const pygo_fn *fn, int i, int is_float32, double *out) {
    double value;
    if (!PyFloat_Check(o) && !PyLong_Check(o)) return pygo_wrong_type(fn, i, "float", o);
    value = PyFloat_AsDouble(o);
    if (value == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_OverflowError, "%s() argument '%s': %R is too large for a float", fn->name,
                     fn->params[i], o);
        return -1;
    }
    if (is_float32 && isfinite(value) && fabs(value) > FLT_MAX) {
        PyErr_Format(PyExc_OverflowError, "%s() argument '%s': %R does not fit in float32", fn->name,
                     fn->params[i], o);
        return -1;
    }
    *out = value;
    return 0;
}

PYGO_HELPER int pygo_arg_bool(PyObject *o, const pygo_fn *fn, int i, int *out) {
    int truth;
    if (!PyBool_Check(o) && !PyLong_Check(o)) return pygo_wrong_type(fn, i, "bool", o);
    truth = PyObject_IsTrue(o);
    if (truth < 0) return -1;
    *out = truth;
    return 0;
}

/* A str as UTF-8. For a Go string (copy == 0) Go gets the str's own bytes: the Go side copies
   them. For a *C.char (copy == 1) Go gets a NUL-terminated copy it may even write into; a NUL
   inside the str cannot be passed and is a ValueError. */
PYGO_HELPER int pygo_arg_str(PyObject *o, const pygo_fn *fn, int i, int copy, pygo_arg *a) {
    const char *p;
    Py_ssize_t n;
    if (!PyUnicode_Check(o)) return pygo_wrong_type(fn, i, "str", o);
#if PYGO_UTF8_AND_SIZE
    p = PyUnicode_AsUTF8AndSize(o, &n);
    if (p == NULL) return -1;
#else
    {
        char *data;
        a->owner = PyUnicode_AsUTF8String(o);
        if (a->owner == NULL) return -1;
        if (PyBytes_AsStringAndSize(a->owner, &data, &n) < 0) return -1;
        p = data;
    }
#endif
    if (copy) {
        char *buffer;
        if (memchr(p, 0, (size_t)n) != NULL) {
            PyErr_Format(PyExc_ValueError, "%s() argument '%s': embedded null character (a C string cannot hold it)",
                         fn->name, fn->params[i]);
            return -1;
        }
        if (n < PYGO_INLINE) {
            buffer = a->small;
        } else {
            buffer = a->mem = malloc((size_t)n + 1);
            if (buffer == NULL) {
                PyErr_NoMemory();
                return -1;
            }
        }
        memcpy(buffer, p, (size_t)n);
        buffer[n] = 0;
        p = buffer;
    }
    a->p = p;
    a->n = n;
    return 0;
}

/* A bytes-like argument, passed with no copy. writable: Go writes into it, so bytes and
   read-only buffers are refused. Below 3.11 the limited API has no buffer protocol: cffi's
   ffi.from_buffer provides it. */
PYGO_HELPER int pygo_arg_buffer(PyObject *o, const pygo_fn *fn, int i, int writable, pygo_arg *a) {
    const char *expected = writable ? "a writable bytes-like object (bytearray, or a memoryview of one)"
                                    : "a bytes-like object (bytes, bytearray, memoryview)";
    if (PyBytes_Check(o) && !writable) {
        char *data;
        if (PyBytes_AsStringAndSize(o, &data, &a->n) < 0) return -1;
        a->p = data; /* immutable, and kept alive by the call's arguments */
        return 0;
    }
    if (PyUnicode_Check(o) || PyBytes_Check(o)) return pygo_wrong_type(fn, i, expected, o);
#if PYGO_BUFFER_API
    if (PyObject_GetBuffer(o, &a->view, writable ? (PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) : PyBUF_C_CONTIGUOUS) < 0) {
        int buffer = PyObject_CheckBuffer(o);
        PyErr_Clear();
        if (buffer) {
            PyErr_Format(writable ? PyExc_TypeError : PyExc_ValueError,
                         "%s() argument '%s': %s", fn->name, fn->params[i],
                         writable ? "the buffer must be writable and contiguous" : "the buffer must be contiguous");
            return -1;
        }
        return pygo_wrong_type(fn, i, expected, o);
    }
    a->has_view = 1;
    a->p = (const char *)a->view.buf;
    a->n = a->view.len;
    return 0;
#else
    {
        PyObject *method = NULL, *call_args = NULL, *call_kwargs = NULL, *address = NULL, *number = NULL;
        int status = -1;
        method = PyObject_GetAttrString(pygo_ffi, "from_buffer");
        call_args = method ? PyTuple_Pack(1, o) : NULL;
        call_kwargs = call_args ? PyDict_New() : NULL;
        if (call_kwargs && writable && PyDict_SetItemString(call_kwargs, "require_writable", Py_True) < 0) goto done;
        if (call_kwargs) a->owner = PyObject_Call(method, call_args, call_kwargs);
        if (a->owner == NULL) {
            if (PyErr_ExceptionMatches(PyExc_TypeError) || PyErr_ExceptionMatches(PyExc_BufferError) ||
                PyErr_ExceptionMatches(PyExc_ValueError)) {
                PyErr_Clear();
                pygo_wrong_type(fn, i, expected, o);
            }
            goto done;
        }
        address = PyObject_CallMethod(pygo_ffi, "cast", "sO", "uintptr_t", a->owner);
        number = address ? PyNumber_Long(address) : NULL;
        if (number == NULL) goto done;
        a->p = (const char *)PyLong_AsVoidPtr(number);
        a->n = PyObject_Size(a->owner);
        if (a->n < 0 || PyErr_Occurred()) goto done;
        status = 0;
    done:
        Py_XDECREF(method);
        Py_XDECREF(call_args);
        Py_XDECREF(call_kwargs);
        Py_XDECREF(address);
        Py_XDECREF(number);
        return status;
    }
#endif
}

PYGO_HELPER int pygo_in_scratch(const char *p, const pygo_scratch *s) {
    return p >= s->buf && p < s->buf + s->cap;
}

PYGO_HELPER void pygo_release(char *p, const pygo_scratch *s) {
    if (p != NULL && !pygo_in_scratch(p, s)) free(p);
}

/* A Go string result: decoded (UTF-8, exactly n bytes, NULs kept) and released either way. */
PYGO_HELPER PyObject *pygo_take_str(char *p, size_t n, const pygo_scratch *s) {
    PyObject *result = PyUnicode_DecodeUTF8(p != NULL ? p : "", (Py_ssize_t)n, "strict");
    pygo_release(p, s);
    return result;
}

PYGO_HELPER PyObject *pygo_take_bytes(char *p, size_t n, const pygo_scratch *s) {
    PyObject *result = PyBytes_FromStringAndSize(p != NULL ? p : "", (Py_ssize_t)n);
    pygo_release(p, s);
    return result;
}

/* A *C.char result: NUL-terminated; freed unless the function is borrowed. */
PYGO_HELPER PyObject *pygo_take_cstr(char *p, int borrowed) {
    PyObject *result;
    if (p == NULL) return PyUnicode_FromString("");
    result = PyUnicode_DecodeUTF8(p, (Py_ssize_t)strlen(p), "strict");
    if (!borrowed) free(p);
    return result;
}

/* A panic or a returned error: raise it, free the message. */
PYGO_HELPER PyObject *pygo_raise(pygo_error *err, const pygo_scratch *s) {
    PyObject *message = PyUnicode_DecodeUTF8(err->p != NULL ? err->p : "", (Py_ssize_t)err->n, "replace");
    pygo_release(err->p, s);
    err->p = NULL;
    if (message != NULL) {
        PyErr_SetObject(err->kind == 'P' ? pygo_GoPanic : pygo_GoError, message);
        Py_DECREF(message);
    }
    return NULL;
}

/* The module-level objects of the typed module: its functions and exceptions, in a dict the
   generated Python module reads. */
PYGO_HELPER int pygo_runtime_init(PyObject *module, const char *typed_module, const char *package) {
    char name[512];
    pygo_package = package;
    pygo_ffi = PyObject_GetAttrString(module, "ffi");
    if (pygo_ffi == NULL) return -1;
#define PYGO_EXCEPTION(var, short_name, doc, base)                                        \
    PyOS_snprintf(name, sizeof(name), "%s.%s", typed_module, short_name);                \
    var = PyErr_NewExceptionWithDoc(name, doc, base, NULL);                                \
    if (var == NULL) return -1;
    PYGO_EXCEPTION(pygo_GoError, "GoError", "A Go function returned a non-nil error; the message is err.Error().",
                   NULL)
    PYGO_EXCEPTION(pygo_GoPanic, "GoPanic", "A Go function panicked; Go recovered, and the process goes on.",
                   pygo_GoError)
    PYGO_EXCEPTION(pygo_GoForkError, "GoForkError",
                   "Go was called in a process forked after the Go runtime started: use the spawn or "
                   "forkserver start method.",
                   PyExc_RuntimeError)
#undef PYGO_EXCEPTION
#if !defined(_WIN32)
    if (pthread_atfork(NULL, NULL, pygo_atfork_child) != 0) {
        PyErr_SetString(PyExc_RuntimeError, "pthread_atfork failed");
        return -1;
    }
#endif
    return 0;
}
