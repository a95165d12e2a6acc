/* pygo-tools: the runtime of the typed module's C functions, appended to the cffi extension.
 *
 * Only CPython's limited API, at the floor the project's limited_api sets (3.9 by default):
 * PyUnicode_AsUTF8AndSize from 3.10 and the buffer protocol from 3.11 are used when the floor
 * allows, with fallbacks below it. Every Go call releases the GIL. Every name is prefixed
 * pygo_ so that nothing clashes with cffi's code or the Go header.
 *
 * No GIL needed (free-threaded CPython: abi3t, 3.13t): nothing here relies on the GIL to keep
 * threads apart. Each call's scratch space, error slot, buffers and messages live on its own
 * stack; the global state is set before the module is published (exceptions, the FFI object,
 * the package name), constant (the struct table), or published atomically and never freed (the
 * dataclasses, the fork flag). A list is read from a snapshot, a bytearray through a buffer
 * that stops it from being resized, so another thread mutating them meanwhile cannot pull
 * memory from under a call. Only the abi3t-allowed API is used (no PyObject field, no
 * PyModuleDef: cffi creates the module, and its backend marks it Py_MOD_GIL_NOT_USED).
 */
#include <float.h>
#include <stdarg.h>
#include <stdint.h>
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

/* Built for a free-threaded CPython: its own (3.13t) or the abi3t stable ABI, which can come
   from GIL headers. */
#if defined(Py_GIL_DISABLED) || defined(Py_TARGET_ABI3T)
#define PYGO_FREE_THREADING 1
#else
#define PYGO_FREE_THREADING 0
#endif

/* Our own Python types (Go objects, Go iterators) keep their fields in a C struct. abi3t hides
   PyObject's layout (PEP 803): there the type's basicsize is negative, the size of the fields
   after the base object's (PEP 697), and PyObject_GetTypeData finds them; elsewhere the fields
   follow PyObject_HEAD. These types allow no subclasses, so an object's own type is the one that
   defined the fields. */
#ifdef Py_TARGET_ABI3T
#define PYGO_OBJECT_HEAD
#define PYGO_BASICSIZE(T) (-(int)sizeof(T))
#define PYGO_FIELDS(T, o) ((T *)PyObject_GetTypeData((PyObject *)(o), Py_TYPE((PyObject *)(o))))
#else
#define PYGO_OBJECT_HEAD PyObject_HEAD
#define PYGO_BASICSIZE(T) ((int)sizeof(T))
#define PYGO_FIELDS(T, o) ((T *)(o))
#endif

/* What the GIL made atomic, for one object: a critical section on a free-threaded build (it is
   suspended, as the GIL was released, while the thread waits), nothing with the GIL. */
#if PYGO_FREE_THREADING
#define PYGO_CRITICAL_BEGIN(o) Py_BEGIN_CRITICAL_SECTION(o)
#define PYGO_CRITICAL_END() Py_END_CRITICAL_SECTION()
#else
#define PYGO_CRITICAL_BEGIN(o) {
#define PYGO_CRITICAL_END() }
#endif

/* Pointers published to every thread (acquire/release), and a flag read without ordering. */
#if defined(__GNUC__) || defined(__clang__)
#define PYGO_LOAD_PTR(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define PYGO_STORE_PTR(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define PYGO_LOAD_FLAG(p) __atomic_load_n(&(p), __ATOMIC_RELAXED)
#define PYGO_STORE_FLAG(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELAXED)
#elif defined(_MSC_VER)
#include <intrin.h>
#define PYGO_LOAD_PTR(p) ((PyObject *)_InterlockedCompareExchangePointer((void *volatile *)&(p), NULL, NULL))
#define PYGO_STORE_PTR(p, v) ((void)_InterlockedExchangePointer((void *volatile *)&(p), (v)))
#define PYGO_LOAD_FLAG(p) (*(volatile int *)&(p))
#define PYGO_STORE_FLAG(p, v) (*(volatile int *)&(p) = (v))
#else
#error "pygo-tools: this C compiler has no atomics pygo-tools knows (GCC, clang, MSVC)"
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

/* Set once by pygo_runtime_init, before the module is returned to the import system (which
   publishes it to other threads); read-only afterwards. */
static PyObject *pygo_GoError, *pygo_GoPanic, *pygo_GoForkError, *pygo_GoTimeout;
static PyObject *pygo_ffi;        /* the extension's cffi FFI object (buffers below 3.11) */
static const char *pygo_package;  /* for messages */
/* Set in a child forked after the Go runtime started: written by the atfork handler, in the
   child's only thread, and never reset. */
static int pygo_forked;

#if !defined(_WIN32)
static void pygo_atfork_child(void) { PYGO_STORE_FLAG(pygo_forked, 1); }
#endif

PYGO_HELPER int pygo_check_fork(void) {
    if (PYGO_LOAD_FLAG(pygo_forked)) {
        PyErr_Format(pygo_GoForkError,
                     "this process was forked after %s started the Go runtime, which does not survive "
                     "fork(); start worker processes with the 'spawn' or 'forkserver' method, e.g. "
                     "multiprocessing.set_start_method('spawn')",
                     pygo_package);
        return -1;
    }
    return 0;
}

#if PYGO_BUFFER_API
/* CPython 3.13t counts a bytearray's exports without a lock, so two threads taking buffers of
   one object at once can lose a count, and the object stays locked or is freed while exported
   (CPython gh-129107, fixed in 3.14). There a buffer is taken and released under the object's
   critical section; 3.14t and abi3t lock inside CPython. */
#if defined(Py_GIL_DISABLED) && !defined(Py_LIMITED_API) && PY_VERSION_HEX < 0x030E0000
#define PYGO_LOCKED_BUFFERS 1
#endif

PYGO_HELPER int pygo_get_buffer(PyObject *o, Py_buffer *view, int flags) {
    int status;
#ifdef PYGO_LOCKED_BUFFERS
    Py_BEGIN_CRITICAL_SECTION(o);
    status = PyObject_GetBuffer(o, view, flags);
    Py_END_CRITICAL_SECTION();
#else
    status = PyObject_GetBuffer(o, view, flags);
#endif
    return status;
}

PYGO_HELPER void pygo_release_buffer(Py_buffer *view) {
#ifdef PYGO_LOCKED_BUFFERS
    PyObject *o = view->obj;
    Py_XINCREF(o); /* PyBuffer_Release drops the view's reference: keep the lock's object alive */
    Py_BEGIN_CRITICAL_SECTION(o);
    PyBuffer_Release(view);
    Py_END_CRITICAL_SECTION();
    Py_XDECREF(o);
#else
    PyBuffer_Release(view);
#endif
}
#endif

PYGO_HELPER void pygo_arg_init(pygo_arg *a) { memset(a, 0, sizeof(*a)); }

PYGO_HELPER void pygo_arg_release(pygo_arg *a) {
#if PYGO_BUFFER_API
    if (a->has_view) {
        pygo_release_buffer(&a->view);
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

PYGO_HELPER int pygo_not_contiguous(const pygo_fn *fn, int i) {
    PyErr_Format(PyExc_ValueError, "%s() argument '%s': the buffer must be contiguous", fn->name, fn->params[i]);
    return -1;
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
    if (pygo_get_buffer(o, &a->view, writable ? (PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) : PyBUF_C_CONTIGUOUS) < 0) {
        int contiguity = PyErr_ExceptionMatches(PyExc_BufferError) && PyObject_CheckBuffer(o) && !writable;
        PyErr_Clear();
        return contiguity ? pygo_not_contiguous(fn, i) : pygo_wrong_type(fn, i, expected, o);
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
            if (PyErr_ExceptionMatches(PyExc_BufferError) && !writable) {
                PyErr_Clear();
                pygo_not_contiguous(fn, i);
            } else if (PyErr_ExceptionMatches(PyExc_TypeError) || PyErr_ExceptionMatches(PyExc_BufferError)) {
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
        PyErr_SetObject(err->kind == 'P' ? pygo_GoPanic : err->kind == 'T' ? pygo_GoTimeout : pygo_GoError, message);
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
    {
        PyObject *bases = PyTuple_Pack(2, pygo_GoError, PyExc_TimeoutError);
        if (bases == NULL) return -1;
        PyOS_snprintf(name, sizeof(name), "%s.%s", typed_module, "GoTimeout");
        pygo_GoTimeout = PyErr_NewExceptionWithDoc(
            name, "A cancellable Go function ran past the timeout= the call gave it.", bases, NULL);
        Py_DECREF(bases);
        if (pygo_GoTimeout == NULL) return -1;
    }
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


/* ---- Plain Go values: lists, maps, structs ------------------------------------------------
 * They cross as one little-endian buffer, read and written from a type descriptor:
 *   b bool (1 byte)   i1 i2 i4 i8 signed, u1 u2 u4 u8 unsigned   f4 f8 floats
 *   s str (uint64 length + UTF-8)   y bytes (uint64 length + bytes)
 *   L<item> list (uint64 count + items)   M<value> dict with str keys (count + key/value pairs)
 *   S<n>; struct n of the struct table (its fields in order)
 * The Go side (gen/wrappers.go) reads and writes the same layout. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "pygo-tools' value layout is little-endian; this target is not"
#endif

#define PYGO_DEPTH 1000 /* frames of a value's path: about 500 nested structs */

typedef struct {
    const char *name;          /* the Python class */
    int nfields;
    const char *const *fields; /* Python attribute names */
    const char *const *types;  /* their descriptors */
} pygo_struct;

/* PYGO_STRUCT_TABLE: typed/c.py puts the project's struct table here: pygo_structs (constant),
   PYGO_STRUCT_COUNT, and pygo_classes, the dataclasses _pygo_register publishes. */

typedef struct {
    char *p;
    size_t n, cap;
    char small[256];
} pygo_buf;

PYGO_HELPER void pygo_buf_init(pygo_buf *b) {
    b->p = b->small;
    b->n = 0;
    b->cap = sizeof(b->small);
}

PYGO_HELPER void pygo_buf_free(pygo_buf *b) {
    if (b->p != b->small) free(b->p);
    pygo_buf_init(b);
}

PYGO_HELPER char *pygo_buf_grow(pygo_buf *b, size_t more) {
    if (b->n + more > b->cap) {
        size_t cap = b->cap * 2;
        char *p;
        while (cap < b->n + more) cap *= 2;
        p = b->p == b->small ? malloc(cap) : realloc(b->p, cap);
        if (p == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        if (b->p == b->small) memcpy(p, b->small, b->n);
        b->p = p;
        b->cap = cap;
    }
    b->n += more;
    return b->p + b->n - more;
}

PYGO_HELPER int pygo_buf_put(pygo_buf *b, const void *data, size_t n) {
    char *at = pygo_buf_grow(b, n);
    if (at == NULL) return -1;
    memcpy(at, data, n);
    return 0;
}

PYGO_HELPER int pygo_buf_u64(pygo_buf *b, unsigned long long v) {
    uint64_t value = (uint64_t)v;
    return pygo_buf_put(b, &value, 8);
}

/* Where a value is inside an argument, for messages: item 2: key 'a': field 'X'. */
typedef struct {
    char kind; /* 'i' item, 'k' key, 'f' field */
    Py_ssize_t index;
    PyObject *key;
    const char *field;
} pygo_frame;

typedef struct {
    const pygo_fn *fn;
    int arg;
    int depth;
    pygo_frame frames[PYGO_DEPTH];
} pygo_path;

/* Raise exc with "F() argument 'x': item 2: field 'Y' <message>". */
PYGO_HELPER int pygo_path_error(pygo_path *path, PyObject *exc, const char *format, ...) {
    PyObject *text, *part, *joined;
    int i;
    va_list args;
    text = PyUnicode_FromFormat("%s() argument '%s'", path->fn->name, path->fn->params[path->arg]);
    for (i = 0; i < path->depth && text != NULL; i++) {
        pygo_frame *f = &path->frames[i];
        if (path->depth > 12 && i >= 4 && i < path->depth - 6) { /* a long path: its ends say enough */
            if (i == 4) part = PyUnicode_FromFormat(": (%d more)", path->depth - 10);
            else continue;
        } else if (f->kind == 'i') part = PyUnicode_FromFormat(": item %zd", f->index);
        else if (f->kind == 'k') part = PyUnicode_FromFormat(": value of key %R", f->key);
        else part = PyUnicode_FromFormat(": field '%s'", f->field);
        joined = part ? PyUnicode_Concat(text, part) : NULL;
        Py_XDECREF(part);
        Py_DECREF(text);
        text = joined;
    }
    va_start(args, format);
    part = text ? PyUnicode_FromFormatV(format, args) : NULL;
    va_end(args);
    joined = part ? PyUnicode_Concat(text, part) : NULL;
    if (joined != NULL) PyErr_SetObject(exc, joined);
    Py_XDECREF(text);
    Py_XDECREF(part);
    Py_XDECREF(joined);
    return -1;
}

/* What a descriptor names, for messages ("a sequence of int"), written into the caller's buffer. */
#define PYGO_NAME_ROOM 256

PYGO_HELPER const char *pygo_desc_skip(const char *d);

PYGO_HELPER void pygo_desc_append(char *out, size_t room, const char *d) {
    const char *text = "?";
    size_t used = strlen(out);
    switch (*d) {
    case 'b': text = "bool"; break;
    case 'i': case 'u': text = "int"; break;
    case 'f': text = "float"; break;
    case 's': text = "str"; break;
    case 'y': text = "bytes"; break;
    case 'S': text = pygo_structs[atoi(d + 1)].name; break;
    case 'L': case 'M':
        PyOS_snprintf(out + used, room - used, "%s", *d == 'L' ? "a sequence of " : "a mapping of str to ");
        pygo_desc_append(out, room, d + 1);
        return;
    }
    PyOS_snprintf(out + used, room - used, "%s", text);
}

PYGO_HELPER const char *pygo_desc_name(const char *d, char *room) {
    room[0] = 0;
    pygo_desc_append(room, PYGO_NAME_ROOM, d);
    return room;
}

/* One whole descriptor starting at d: where the next one starts. */
PYGO_HELPER const char *pygo_desc_skip(const char *d) {
    switch (*d) {
    case 'i': case 'u': case 'f': return d + 2;
    case 'L': case 'M': return pygo_desc_skip(d + 1);
    case 'S': return strchr(d, ';') + 1;
    }
    return d + 1;
}

PYGO_HELPER int pygo_wrong(pygo_path *path, const char *d, PyObject *o) {
    char room[PYGO_NAME_ROOM];
    PyObject *got = pygo_type_name(o);
    if (got == NULL) return -1;
    if (path->depth == 0) pygo_path_error(path, PyExc_TypeError, ": expected %s, got %U", pygo_desc_name(d, room), got);
    else pygo_path_error(path, PyExc_TypeError, " is %U, expected %s", got, pygo_desc_name(d, room));
    Py_DECREF(got);
    return -1;
}

PYGO_HELPER int pygo_encode(pygo_buf *b, PyObject *o, const char *d, pygo_path *path);

PYGO_HELPER int pygo_encode_number(pygo_buf *b, PyObject *o, const char *d, pygo_path *path) {
    size_t size = (size_t)(d[1] - '0');
    if (*d == 'f') {
        double v;
        if (!PyFloat_Check(o) && !PyLong_Check(o)) return pygo_wrong(path, d, o);
        v = PyFloat_AsDouble(o);
        if (v == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return pygo_path_error(path, PyExc_OverflowError, ": %R is too large for a float", o);
        }
        if (size == 4) {
            float f = (float)v;
            if (isfinite(v) && fabs(v) > FLT_MAX)
                return pygo_path_error(path, PyExc_OverflowError, ": %R does not fit in float32", o);
            return pygo_buf_put(b, &f, 4);
        }
        return pygo_buf_put(b, &v, 8);
    } else {
        PyObject *number;
        int overflow = 0;
        long long v;
        unsigned long long u = 0;
        if (PyFloat_Check(o) || PyUnicode_Check(o) || PyBytes_Check(o)) return pygo_wrong(path, d, o);
        number = PyNumber_Index(o);
        if (number == NULL) {
            PyErr_Clear();
            return pygo_wrong(path, d, o);
        }
        v = PyLong_AsLongLongAndOverflow(number, &overflow);
        if (*d == 'i') {
            long long high = size >= 8 ? LLONG_MAX : (long long)((1ULL << (size * 8 - 1)) - 1);
            if (overflow || v < -high - 1 || v > high) {
                pygo_path_error(path, PyExc_OverflowError, ": %R does not fit in int%d", number, (int)size * 8);
                Py_DECREF(number);
                return -1;
            }
            u = (unsigned long long)v;
        } else {
            unsigned long long high = size >= 8 ? ULLONG_MAX : (1ULL << (size * 8)) - 1;
            int bad = overflow < 0 || (!overflow && v < 0);
            if (!bad && overflow > 0) {
                u = PyLong_AsUnsignedLongLong(number);
                if (PyErr_Occurred()) PyErr_Clear(), bad = 1;
            } else if (!bad) {
                u = (unsigned long long)v;
            }
            if (bad || u > high) {
                pygo_path_error(path, PyExc_OverflowError, ": %R does not fit in uint%d", number, (int)size * 8);
                Py_DECREF(number);
                return -1;
            }
        }
        Py_DECREF(number);
        /* little-endian: the low bytes of the 64-bit value are the value in its own size */
        return pygo_buf_put(b, &u, size);
    }
}

PYGO_HELPER int pygo_encode_text(pygo_buf *b, PyObject *o, const char *d, pygo_path *path) {
    char *data;
    Py_ssize_t n;
    PyObject *owner = NULL;
    int status;
    if (*d == 's') {
        if (!PyUnicode_Check(o)) return pygo_wrong(path, d, o);
#if PYGO_UTF8_AND_SIZE
        data = (char *)PyUnicode_AsUTF8AndSize(o, &n);
        if (data == NULL) return -1;
#else
        owner = PyUnicode_AsUTF8String(o);
        if (owner == NULL || PyBytes_AsStringAndSize(owner, &data, &n) < 0) {
            Py_XDECREF(owner);
            return -1;
        }
#endif
    } else if (PyBytes_Check(o)) {
        if (PyBytes_AsStringAndSize(o, &data, &n) < 0) return -1;
    } else if (PyByteArray_Check(o)) {
#if PYGO_FREE_THREADING
        /* Through a buffer: while it is held, another thread cannot resize the bytearray. */
        Py_buffer view;
        if (pygo_get_buffer(o, &view, PyBUF_SIMPLE) < 0) return -1;
        status = pygo_buf_u64(b, (unsigned long long)view.len) < 0 || pygo_buf_put(b, view.buf, (size_t)view.len) < 0
                     ? -1
                     : 0;
        pygo_release_buffer(&view);
        return status;
#else
        data = PyByteArray_AsString(o);
        n = PyByteArray_Size(o);
#endif
    } else {
        /* any other bytes-like object: a copy through bytes() */
        if (PyUnicode_Check(o) || !PyObject_HasAttrString(o, "__len__")) return pygo_wrong(path, d, o);
        owner = PyObject_CallFunctionObjArgs((PyObject *)&PyBytes_Type, o, NULL);
        if (owner == NULL) {
            PyErr_Clear();
            return pygo_wrong(path, d, o);
        }
        if (PyBytes_AsStringAndSize(owner, &data, &n) < 0) {
            Py_DECREF(owner);
            return -1;
        }
    }
    status = pygo_buf_u64(b, (unsigned long long)n) < 0 || pygo_buf_put(b, data, (size_t)n) < 0 ? -1 : 0;
    Py_XDECREF(owner);
    return status;
}

PYGO_HELPER int pygo_encode_list(pygo_buf *b, PyObject *o, const char *d, pygo_path *path) {
    const char *item = d + 1;
    PyObject *iterator, *value;
    size_t count_at;
    unsigned long long count = 0;
    int status = 0;
    if (PyUnicode_Check(o) || PyBytes_Check(o) || PyByteArray_Check(o) || PyDict_Check(o)) return pygo_wrong(path, d, o);
    count_at = b->n;
    if (pygo_buf_u64(b, 0) < 0) return -1;
    path->frames[path->depth].kind = 'i';
    if (PyList_Check(o) || PyTuple_Check(o)) {
        PyObject *seq = o;
        Py_ssize_t n, i;
#if PYGO_FREE_THREADING
        /* Another thread may change the list meanwhile: read a snapshot, a tuple of strong
           references copied under the list's lock (PyList_AsTuple). */
        seq = PyList_Check(o) ? PySequence_Tuple(o) : (Py_INCREF(o), o);
        if (seq == NULL) return -1;
#endif
        n = PyList_Check(seq) ? PyList_Size(seq) : PyTuple_Size(seq);
        path->depth++;
        for (i = 0; i < n && status == 0; i++) {
            value = PyList_Check(seq) ? PyList_GetItem(seq, i) : PyTuple_GetItem(seq, i);
            if (value == NULL) { status = -1; break; }
            Py_INCREF(value); /* a list may change under a __index__ or __float__ */
            path->frames[path->depth - 1].index = i;
            status = pygo_encode(b, value, item, path);
            Py_DECREF(value);
            count++;
        }
        path->depth--;
#if PYGO_FREE_THREADING
        Py_DECREF(seq);
#endif
    } else {
        iterator = PyObject_GetIter(o);
        if (iterator == NULL) {
            PyErr_Clear();
            return pygo_wrong(path, d, o);
        }
        path->depth++;
        while (status == 0 && (value = PyIter_Next(iterator)) != NULL) {
            path->frames[path->depth - 1].index = (Py_ssize_t)count;
            status = pygo_encode(b, value, item, path);
            Py_DECREF(value);
            count++;
        }
        path->depth--;
        Py_DECREF(iterator);
        if (status == 0 && PyErr_Occurred()) status = -1;
    }
    if (status == 0) memcpy(b->p + count_at, &count, 8);
    return status;
}

PYGO_HELPER int pygo_encode_map(pygo_buf *b, PyObject *o, const char *d, pygo_path *path) {
    PyObject *items = NULL, *key, *value;
    Py_ssize_t n, i;
    int status = 0;
    if (PyDict_Check(o)) {
        items = PyDict_Items(o);
    } else if (PyObject_HasAttrString(o, "keys") && PyObject_HasAttrString(o, "__getitem__")) {
        items = PyMapping_Items(o);
    } else {
        return pygo_wrong(path, d, o);
    }
    if (items == NULL) return -1;
    n = PyList_Size(items);
    if (pygo_buf_u64(b, (unsigned long long)n) < 0) {
        Py_DECREF(items);
        return -1;
    }
    path->depth++;
    for (i = 0; i < n && status == 0; i++) {
        PyObject *pair = PyList_GetItem(items, i);
        /* A mapping's items() may yield anything: only (key, value) pairs are read. */
        if (pair == NULL || !PyTuple_Check(pair) || PyTuple_Size(pair) != 2) {
            PyObject *got = pair != NULL ? pygo_type_name(pair) : NULL;
            path->depth--;
            if (got != NULL) {
                pygo_path_error(path, PyExc_TypeError, ": items() yielded %U, not a (key, value) pair", got);
                Py_DECREF(got);
            }
            path->depth++;
            status = -1;
            break;
        }
        key = PyTuple_GetItem(pair, 0);
        value = PyTuple_GetItem(pair, 1);
        path->frames[path->depth - 1].kind = 'k';
        path->frames[path->depth - 1].key = key;
        if (!PyUnicode_Check(key)) {
            PyObject *got = pygo_type_name(key);
            path->depth--;
            if (got != NULL) {
                pygo_path_error(path, PyExc_TypeError, ": key %R is %U, expected str", key, got);
                Py_DECREF(got);
            }
            path->depth++;
            status = -1;
            break;
        }
        status = pygo_encode_text(b, key, "s", path);
        if (status == 0) status = pygo_encode(b, value, d + 1, path);
    }
    path->depth--;
    Py_DECREF(items);
    return status;
}

PYGO_HELPER int pygo_encode_struct(pygo_buf *b, PyObject *o, const char *d, pygo_path *path) {
    const pygo_struct *s = &pygo_structs[atoi(d + 1)];
    int i, status = 0;
    path->depth++;
    for (i = 0; i < s->nfields && status == 0; i++) {
        PyObject *value = PyObject_GetAttrString(o, s->fields[i]);
        if (value == NULL) {
            PyObject *got = pygo_type_name(o);
            PyErr_Clear();
            path->depth--;
            if (got != NULL) {
                if (path->depth == 0)
                    pygo_path_error(path, PyExc_TypeError, ": expected %s, got %U (it has no attribute '%s')", s->name,
                                    got, s->fields[i]);
                else
                    pygo_path_error(path, PyExc_TypeError, " is %U, expected %s (it has no attribute '%s')", got,
                                    s->name, s->fields[i]);
                Py_DECREF(got);
            }
            return -1;
        }
        path->frames[path->depth - 1].kind = 'f';
        path->frames[path->depth - 1].field = s->fields[i];
        status = pygo_encode(b, value, s->types[i], path);
        Py_DECREF(value);
    }
    path->depth--;
    return status;
}

PYGO_HELPER int pygo_encode(pygo_buf *b, PyObject *o, const char *d, pygo_path *path) {
    if (path->depth >= PYGO_DEPTH - 1)
        return pygo_path_error(path, PyExc_ValueError, ": nested too deeply (a cycle?)");
    switch (*d) {
    case 'b': {
        unsigned char v;
        int truth;
        if (!PyBool_Check(o) && !PyLong_Check(o)) return pygo_wrong(path, d, o);
        truth = PyObject_IsTrue(o);
        if (truth < 0) return -1;
        v = (unsigned char)truth;
        return pygo_buf_put(b, &v, 1);
    }
    case 'i': case 'u': case 'f': return pygo_encode_number(b, o, d, path);
    case 's': case 'y': return pygo_encode_text(b, o, d, path);
    case 'L': return pygo_encode_list(b, o, d, path);
    case 'M': return pygo_encode_map(b, o, d, path);
    case 'S': return pygo_encode_struct(b, o, d, path);
    }
    PyErr_SetString(PyExc_SystemError, "pygo-tools: bad type descriptor");
    return -1;
}

PYGO_HELPER int pygo_arg_value(PyObject *o, const pygo_fn *fn, int i, const char *d, pygo_buf *b) {
    pygo_path path;
    path.fn = fn;
    path.arg = i;
    path.depth = 0;
    return pygo_encode(b, o, d, &path);
}

/* Reading what Go wrote. */
typedef struct {
    const char *p, *end;
} pygo_reader;

PYGO_HELPER const char *pygo_read(pygo_reader *r, size_t n) {
    const char *at = r->p;
    if ((size_t)(r->end - r->p) < n) {
        PyErr_SetString(PyExc_SystemError, "pygo-tools: a Go result was cut short");
        return NULL;
    }
    r->p += n;
    return at;
}

PYGO_HELPER PyObject *pygo_decode(pygo_reader *r, const char *d, int depth) {
    const char *at;
    uint64_t n = 0;
    if (depth > PYGO_DEPTH) {
        PyErr_SetString(PyExc_ValueError, "a Go result is nested too deeply");
        return NULL;
    }
    switch (*d) {
    case 'b':
        at = pygo_read(r, 1);
        return at ? PyBool_FromLong(*at != 0) : NULL;
    case 'i': case 'u': {
        size_t size = (size_t)(d[1] - '0');
        uint64_t u = 0;
        at = pygo_read(r, size);
        if (at == NULL) return NULL;
        memcpy(&u, at, size);
        if (*d == 'u') return PyLong_FromUnsignedLongLong((unsigned long long)u);
        if (size < 8 && (u >> (size * 8 - 1)) & 1) u |= ~(uint64_t)0 << (size * 8); /* sign-extend */
        return PyLong_FromLongLong((long long)u);
    }
    case 'f':
        if (d[1] == '4') {
            float f;
            at = pygo_read(r, 4);
            if (at == NULL) return NULL;
            memcpy(&f, at, 4);
            return PyFloat_FromDouble((double)f);
        } else {
            double v;
            at = pygo_read(r, 8);
            if (at == NULL) return NULL;
            memcpy(&v, at, 8);
            return PyFloat_FromDouble(v);
        }
    case 's': case 'y':
        at = pygo_read(r, 8);
        if (at == NULL) return NULL;
        memcpy(&n, at, 8);
        at = pygo_read(r, (size_t)n);
        if (at == NULL) return NULL;
        return *d == 's' ? PyUnicode_DecodeUTF8(at, (Py_ssize_t)n, "strict")
                         : PyBytes_FromStringAndSize(at, (Py_ssize_t)n);
    case 'L': case 'M': {
        PyObject *result;
        uint64_t i;
        at = pygo_read(r, 8);
        if (at == NULL) return NULL;
        memcpy(&n, at, 8);
        if (n > (uint64_t)(r->end - r->p) && n > 0xFFFFFFFFu) {
            PyErr_SetString(PyExc_SystemError, "pygo-tools: a Go result was cut short");
            return NULL;
        }
        result = *d == 'L' ? PyList_New(0) : PyDict_New();
        for (i = 0; i < n && result != NULL; i++) {
            PyObject *key = NULL, *value;
            if (*d == 'M') {
                key = pygo_decode(r, "s", depth + 1);
                if (key == NULL) {
                    Py_CLEAR(result);
                    break;
                }
            }
            value = pygo_decode(r, d + 1, depth + 1);
            if (value == NULL || (*d == 'L' ? PyList_Append(result, value) : PyDict_SetItem(result, key, value)) < 0)
                Py_CLEAR(result);
            Py_XDECREF(value);
            Py_XDECREF(key);
        }
        return result;
    }
    case 'S': {
        int index = atoi(d + 1), i;
        const pygo_struct *s = &pygo_structs[index];
        PyObject *values, *result, *cls = PYGO_LOAD_PTR(pygo_classes[index]);
        if (cls == NULL) {
            PyErr_Format(PyExc_RuntimeError, "import %s before calling: it defines %s", pygo_package, s->name);
            return NULL;
        }
        values = PyTuple_New(s->nfields);
        for (i = 0; i < s->nfields && values != NULL; i++) {
            PyObject *value = pygo_decode(r, s->types[i], depth + 1);
            if (value == NULL) Py_CLEAR(values);
            else PyTuple_SetItem(values, i, value);
        }
        if (values == NULL) return NULL;
        result = PyObject_Call(cls, values, NULL);
        Py_DECREF(values);
        return result;
    }
    }
    PyErr_SetString(PyExc_SystemError, "pygo-tools: bad type descriptor");
    return NULL;
}

/* A value result: decoded from Go's buffer, which is released either way. */
PYGO_HELPER PyObject *pygo_take_value(char *p, size_t n, const char *d, const pygo_scratch *s) {
    pygo_reader r;
    PyObject *result;
    r.p = p;
    r.end = p + n;
    result = pygo_decode(&r, d, 0);
    if (result != NULL && r.p != r.end) {
        Py_CLEAR(result);
        PyErr_SetString(PyExc_SystemError, "pygo-tools: a Go result has trailing bytes");
    }
    pygo_release(p, s);
    return result;
}

/* _pygo_register(classes): the typed module's dataclasses, in the struct table's order. Each is
   published atomically and kept for good: a class registered again (a reloaded module) leaves
   the one before alive, since another thread may be building a value from it this moment. */
static PyObject *pygo_register(PyObject *self, PyObject *classes) {
    Py_ssize_t i;
    (void)self;
    if (!PyTuple_Check(classes) || PyTuple_Size(classes) != PYGO_STRUCT_COUNT) {
        PyErr_Format(PyExc_TypeError, "_pygo_register takes a tuple of %d classes", PYGO_STRUCT_COUNT);
        return NULL;
    }
    for (i = 0; i < PYGO_STRUCT_COUNT; i++) {
        PyObject *cls = PyTuple_GetItem(classes, i);
        Py_INCREF(cls);
        PYGO_STORE_PTR(pygo_classes[i], cls);
    }
    Py_RETURN_NONE;
}

static PyMethodDef pygo_register_defs[] = {{"_pygo_register", pygo_register, METH_O, NULL}, {NULL, NULL, 0, NULL}};

/* timeout=: None, or seconds (int or float, >= 0), as nanoseconds for Go (0: no deadline). */
PYGO_HELPER int pygo_timeout_arg(PyObject *o, const pygo_fn *fn, long long *ns) {
    double seconds;
    *ns = 0;
    if (o == NULL || o == Py_None) return 0;
    if (!PyFloat_Check(o) && !PyLong_Check(o)) {
        PyObject *got = pygo_type_name(o);
        if (got != NULL) {
            PyErr_Format(PyExc_TypeError, "%s() timeout: expected seconds (int or float) or None, got %U", fn->name, got);
            Py_DECREF(got);
        }
        return -1;
    }
    seconds = PyFloat_AsDouble(o);
    if (seconds == -1.0 && PyErr_Occurred()) return -1;
    if (!(seconds >= 0) || seconds > 9.2e9) {
        PyErr_Format(PyExc_ValueError, "%s() timeout: %R is not a number of seconds from 0 to 9.2e9", fn->name, o);
        return -1;
    }
    *ns = (long long)(seconds * 1e9);
    if (*ns == 0 && seconds > 0) *ns = 1;
    if (seconds == 0) *ns = 1; /* an immediate deadline, not none */
    return 0;
}

#ifdef PYGO_ASYNC
/* Wait for a cancellable call; on Ctrl-C (or any signal handler raising) cancel its context
   and return -1 with the exception set. Only the main thread sees signals; others just wait. */
PYGO_HELPER int pygo_await(uint64_t handle) {
    for (;;) {
        int done;
        Py_BEGIN_ALLOW_THREADS
        done = pygo_wait(handle, 20);
        Py_END_ALLOW_THREADS
        if (done) return 0;
        if (PyErr_CheckSignals() < 0) {
            pygo_cancel(handle);
            return -1;
        }
    }
}
#endif
