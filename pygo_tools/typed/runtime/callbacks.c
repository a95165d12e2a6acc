/* pygo-tools: Python callables Go calls (func parameters), and what Go calls the extension
 * through (callbacks, awaitable completions), from any thread at any time.
 *
 * A callable passed for a func parameter lives in a slot of a table for the call. Go never gets
 * a C pointer: it gets an id, generation << 32 | index + 1, and calls back through the function
 * pointer registered at import (pygo_hook_set) with encoded arguments. The trampoline takes the
 * GIL, finds the slot (a stale id, after the call returned, finds nothing: Go gets an error),
 * decodes, calls, encodes the result. The first exception a callback raises is kept with its
 * traceback; Go gets an error (or the zero result) and the callable is not called again in that
 * call; the exported call then raises that very exception instead of whatever Go returned.
 * Awaitable calls (aio.c) use slots of the same table for their futures.
 *
 * Process-wide state, unavoidably: Go calls one function pointer, so the trampoline finds the
 * table without a module. The table's structure is guarded by a PyThread lock on builds without
 * a GIL (PYGO_SLOT_LOCK); with the GIL, the GIL guards it.
 */

enum { PYGO_AIO_PENDING = 1, PYGO_AIO_NOTIFIED, PYGO_AIO_CANCELLED };

typedef struct {
    uint32_t gen;
    char used, kind; /* 'c' callback, 'a' awaitable */
    /* a callback */
    PyObject *fn;
    const char *params;  /* descriptors of the Go func's parameters, one after another */
    const char *results; /* descriptor of its one value result, or "" */
    const pygo_fn *owner;
    int arg;
    int failed;              /* it raised: not called again */
    uint64_t call;           /* the context call that received it (0: none): it raised, so that
                                call's context is cancelled and the call winds down */
    PyObject *et, *ev, *etb; /* the first exception it raised, until the call raises it */
    /* an awaitable */
    PyObject *loop, *fut;
    uint64_t task;
    int state;
    PyObject *(*finish)(uint64_t task, uint64_t *cbs, int ncbs);
    uint64_t *cbs; /* the call's callbacks, freed with it (malloc'd) */
    int ncbs;
} pygo_slot;

/* Slots are allocated one by one and never freed, so a pointer to one stays valid while
   Python code runs and opens more; an id of an older generation finds nothing. */
static pygo_slot **pygo_slots;
static uint32_t pygo_nslots, pygo_slots_cap;
static uint32_t *pygo_free_slots;
static uint32_t pygo_nfree;

#if PYGO_FREE_THREADING /* 3.13t's own build, or abi3t (which may come from GIL headers) */
#define PYGO_SLOT_LOCK 1
static PyThread_type_lock pygo_slot_lock;
#define PYGO_SLOTS_LOCK() PyThread_acquire_lock(pygo_slot_lock, WAIT_LOCK)
#define PYGO_SLOTS_UNLOCK() PyThread_release_lock(pygo_slot_lock)
#else
#define PYGO_SLOTS_LOCK() ((void)0)
#define PYGO_SLOTS_UNLOCK() ((void)0)
#endif

static int pygo_exiting;  /* set by the atexit hook: Go's calls no longer reach Python */
static int pygo_inflight; /* trampolines between the exiting check and their end */
#if defined(_MSC_VER)
static __declspec(thread) int pygo_thread_pinned;
static __declspec(thread) int pygo_cb_depth;
#else
static __thread int pygo_thread_pinned; /* this (Go) thread keeps a Python thread state */
static __thread int pygo_cb_depth;      /* > 0: this thread runs a Python callback for Go */
#endif

static uint64_t pygo_slot_new(pygo_slot **out) {
    uint32_t i;
    pygo_slot *s;
    uint64_t id = 0;
    PYGO_SLOTS_LOCK();
    if (pygo_nfree > 0) {
        i = pygo_free_slots[--pygo_nfree];
    } else {
        if (pygo_nslots == pygo_slots_cap) {
            uint32_t cap = pygo_slots_cap ? pygo_slots_cap * 2 : 64;
            pygo_slot **slots = realloc(pygo_slots, cap * sizeof(*slots));
            uint32_t *free_slots = slots ? realloc(pygo_free_slots, cap * sizeof(*free_slots)) : NULL;
            if (slots) pygo_slots = slots;
            if (free_slots) pygo_free_slots = free_slots;
            if (slots == NULL || free_slots == NULL) goto done;
            pygo_slots_cap = cap;
        }
        s = calloc(1, sizeof(*s));
        if (s == NULL) goto done;
        s->gen = 1;
        i = pygo_nslots++;
        pygo_slots[i] = s;
    }
    s = pygo_slots[i];
    {
        uint32_t gen = s->gen;
        memset(s, 0, sizeof(*s));
        s->gen = gen;
    }
    s->used = 1;
    *out = s;
    id = ((uint64_t)s->gen << 32) | (uint64_t)(i + 1);
done:
    PYGO_SLOTS_UNLOCK();
    if (id == 0) PyErr_NoMemory();
    return id;
}

static pygo_slot *pygo_slot_get_locked(uint64_t id) {
    uint32_t i = (uint32_t)(id & 0xffffffffu) - 1;
    pygo_slot *s;
    if (id == 0 || i >= pygo_nslots) return NULL;
    s = pygo_slots[i];
    return s->used && s->gen == (uint32_t)(id >> 32) ? s : NULL;
}

PYGO_HELPER pygo_slot *pygo_slot_get(uint64_t id) {
    pygo_slot *s;
    PYGO_SLOTS_LOCK();
    s = pygo_slot_get_locked(id);
    PYGO_SLOTS_UNLOCK();
    return s;
}

static void pygo_slot_free(uint64_t id) {
    pygo_slot *s;
    PyObject *refs[6];
    uint64_t *cbs = NULL;
    int k, ncbs = 0;
    PYGO_SLOTS_LOCK();
    s = pygo_slot_get_locked(id);
    if (s == NULL) {
        PYGO_SLOTS_UNLOCK();
        return;
    }
    refs[0] = s->fn, refs[1] = s->et, refs[2] = s->ev, refs[3] = s->etb, refs[4] = s->loop, refs[5] = s->fut;
    cbs = s->cbs, ncbs = s->ncbs;
    s->used = 0;
    s->gen++;
    s->fn = s->et = s->ev = s->etb = s->loop = s->fut = NULL;
    s->cbs = NULL;
    pygo_free_slots[pygo_nfree++] = (uint32_t)(id & 0xffffffffu) - 1;
    PYGO_SLOTS_UNLOCK();
    for (k = 0; k < ncbs; k++) pygo_slot_free(cbs[k]);
    free(cbs);
    for (k = 0; k < 6; k++) Py_XDECREF(refs[k]); /* last: a __del__ may open slots */
}

/* How many slots are in use (for tests: none may be left after a call). */
static PyObject *pygo_slots_in_use(PyObject *self, PyObject *unused) {
    long n;
    (void)self, (void)unused;
    PYGO_SLOTS_LOCK();
    n = (long)(pygo_nslots - pygo_nfree);
    PYGO_SLOTS_UNLOCK();
    return PyLong_FromLong(n);
}
static PyMethodDef pygo_slots_def = {"_slots", pygo_slots_in_use, METH_NOARGS, NULL};

/* A callable argument for a Go func parameter (None: a nil func): a slot until pygo_cb_close. */
PYGO_HELPER int pygo_cb_open(PyObject *fn, const pygo_fn *owner, int arg, const char *params, const char *results,
                             uint64_t *id) {
    pygo_slot *s;
    *id = 0;
    if (fn == Py_None) return 0;
    if (!PyCallable_Check(fn)) return pygo_wrong_type(owner, arg, "a callable or None", fn);
    *id = pygo_slot_new(&s);
    if (*id == 0) return -1;
    Py_INCREF(fn);
    s->kind = 'c';
    s->fn = fn;
    s->params = params;
    s->results = results;
    s->owner = owner;
    s->arg = arg;
    return 0;
}

/* After the Go call: from now on Go gets PYGO_CB_EXPIRED for it. */
PYGO_HELPER void pygo_cb_close(uint64_t id) {
    if (id != 0) pygo_slot_free(id);
}

/* After a context call started (its handle): a callback that raises cancels the call's context;
   one that raised already, before this, does it now. */
PYGO_HELPER void pygo_cb_bind(const uint64_t *ids, int n, uint64_t call) {
#ifdef PYGO_ASYNC
    int i, failed = 0;
    PYGO_SLOTS_LOCK();
    for (i = 0; i < n; i++) {
        pygo_slot *slot = pygo_slot_get_locked(ids[i]);
        if (slot != NULL) {
            slot->call = call;
            failed |= slot->failed;
        }
    }
    PYGO_SLOTS_UNLOCK();
    if (failed) pygo_interrupt(call);
#else
    (void)ids, (void)n, (void)call;
#endif
}

/* Take the first exception one of the callbacks raised and not yet raised again: 1 if any (it is
   then set), 0 if none. */
static int pygo_cb_take_exception(const uint64_t *ids, int n) {
    int i;
    for (i = 0; i < n; i++) {
        PyObject *et = NULL, *ev = NULL, *etb = NULL;
        pygo_slot *slot;
        if (ids[i] == 0) continue;
        PYGO_SLOTS_LOCK();
        slot = pygo_slot_get_locked(ids[i]);
        if (slot != NULL && slot->et != NULL) {
            et = slot->et, ev = slot->ev, etb = slot->etb;
            slot->et = slot->ev = slot->etb = NULL;
        }
        PYGO_SLOTS_UNLOCK();
        if (et != NULL) {
            PyErr_Restore(et, ev, etb); /* the callback's own exception and traceback */
            return 1;
        }
    }
    return 0;
}

/* After a Go call that received callbacks: the exception a callback raised (Go's own error, a
   consequence, is dropped), else Go's error or panic. 1 if one is now set, 0 if the call
   succeeded. */
PYGO_HELPER int pygo_failed(pygo_error *err, const pygo_scratch *s, const uint64_t *cbs, int ncbs) {
    if (pygo_cb_take_exception(cbs, ncbs)) {
        if (err->kind) {
            pygo_release(err->p, s);
            err->p = NULL;
            err->kind = 0;
        }
        return 1;
    }
    if (err->kind) {
        pygo_raise_error(err, s);
        return 1;
    }
    return 0;
}

static void pygo_out_put(pygo_out *out, const char *p, size_t n) {
    if (n <= sizeof(out->small)) {
        memcpy(out->small, p, n);
        out->p = NULL;
    } else {
        out->p = malloc(n);
        if (out->p == NULL) n = 0;
        else memcpy(out->p, p, n);
    }
    out->n = n;
}

/* "ValueError: message", for the Go error a failed callback returns. */
static void pygo_out_exception(pygo_out *out, PyObject *et, PyObject *ev) {
    PyObject *name = et != NULL ? PyObject_GetAttrString(et, "__name__") : NULL;
    PyObject *text = ev != NULL ? PyObject_Str(ev) : NULL;
    PyObject *both = NULL;
    if (name != NULL && text != NULL)
        both = PyUnicode_GetLength(text) ? PyUnicode_FromFormat("%U: %U", name, text) : PyUnicode_FromFormat("%U", name);
    if (both != NULL) {
        PyObject *utf8 = PyUnicode_AsEncodedString(both, "utf-8", "replace");
        char *p;
        Py_ssize_t n;
        if (utf8 != NULL && PyBytes_AsStringAndSize(utf8, &p, &n) == 0) pygo_out_put(out, p, (size_t)n);
        Py_XDECREF(utf8);
    }
    if (PyErr_Occurred()) PyErr_Clear();
    Py_XDECREF(name);
    Py_XDECREF(text);
    Py_XDECREF(both);
}

static int pygo_desc_count(const char *d) {
    int n = 0;
    while (*d) d = pygo_desc_skip(d), n++;
    return n;
}

/* With the GIL: run the callable of slot id on Go's encoded arguments. */
static int pygo_invoke_locked(uint64_t id, const char *args, size_t n, pygo_out *out) {
    pygo_slot *s;
    PyObject *fn, *tuple = NULL, *result = NULL;
    const char *d, *params, *results;
    const pygo_fn *owner;
    pygo_reader r;
    int i, count, arg, status = PYGO_CB_OK;
    pygo_buf buf;
    PYGO_SLOTS_LOCK();
    s = pygo_slot_get_locked(id);
    if (s == NULL || s->kind != 'c') {
        PYGO_SLOTS_UNLOCK();
        return PYGO_CB_EXPIRED;
    }
    if (s->failed) {
        PYGO_SLOTS_UNLOCK();
        return PYGO_CB_FAILED;
    }
    fn = s->fn;
    Py_INCREF(fn);
    params = s->params, results = s->results, owner = s->owner, arg = s->arg;
    PYGO_SLOTS_UNLOCK();
    r.p = args;
    r.end = args + n;
    count = pygo_desc_count(params);
    tuple = PyTuple_New(count);
    for (i = 0, d = params; tuple != NULL && i < count; i++, d = pygo_desc_skip(d)) {
        PyObject *v = pygo_decode(&r, d, 0);
        if (v == NULL) Py_CLEAR(tuple);
        else PyTuple_SetItem(tuple, i, v);
    }
    if (tuple != NULL) result = PyObject_CallObject(fn, tuple);
    Py_XDECREF(tuple);
    pygo_buf_init(&buf);
    if (result != NULL && *results) {
        pygo_path *path = malloc(sizeof(pygo_path)); /* 32 KB: not on a Go thread's small C stack */
        if (path == NULL) {
            PyErr_NoMemory();
        } else {
            path->fn = owner;
            path->arg = arg;
            path->depth = 0;
            if (pygo_encode(&buf, result, results, path) == 0) pygo_out_put(out, buf.p, buf.n);
            free(path);
        }
        if (PyErr_Occurred()) Py_CLEAR(result);
    }
    pygo_buf_free(&buf);
    if (result == NULL) {
        PyObject *et, *ev, *etb;
        int kept = 0;
        uint64_t call = 0;
        PyErr_Fetch(&et, &ev, &etb);
        PyErr_NormalizeException(&et, &ev, &etb);
        if (etb != NULL && ev != NULL) PyException_SetTraceback(ev, etb);
        pygo_out_exception(out, et, ev);
        status = PYGO_CB_RAISED;
        PYGO_SLOTS_LOCK();
        s = pygo_slot_get_locked(id); /* the same slot, or NULL if the Go call returned meanwhile */
        if (s != NULL) {
            s->failed = 1;
            call = s->call;
            if (s->et == NULL) {
                s->et = et, s->ev = ev, s->etb = etb;
                kept = 1;
            }
        }
        PYGO_SLOTS_UNLOCK();
#ifdef PYGO_ASYNC
        if (call != 0) pygo_interrupt(call);
#else
        (void)call;
#endif
        if (s == NULL) {
            /* No call left to raise it from (a goroutine kept the func): reported as from __del__. */
            PyErr_Restore(et, ev, etb);
            PyErr_WriteUnraisable(fn);
        } else if (!kept) {
            Py_XDECREF(et);
            Py_XDECREF(ev);
            Py_XDECREF(etb);
        }
    }
    Py_XDECREF(result);
    Py_DECREF(fn);
    return status;
}

/* The GIL for a Go thread. PyGILState_Ensure makes a thread state on a thread CPython does not
   know and deletes it again at the matching Release: several microseconds per callback. One more
   Ensure, never released, pins the state to the thread (Go's threads live as long as the
   process): a callback from a Go thread then costs about as much as from a Python one. */
static PyGILState_STATE pygo_gil(void) {
    PyGILState_STATE g;
    if (pygo_thread_pinned) return PyGILState_Ensure();
    {
        int foreign = PyGILState_GetThisThreadState() == NULL;
        g = PyGILState_Ensure();
        if (foreign) (void)PyGILState_Ensure();
        pygo_thread_pinned = 1;
    }
    return g;
}

/* Go -> C: run a Python callback. Any thread, any time, without the GIL. */
static int pygo_tramp_invoke(uint64_t id, const char *args, size_t n, pygo_out *out) {
    PyGILState_STATE g;
    int status;
    __atomic_add_fetch(&pygo_inflight, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&pygo_exiting, __ATOMIC_SEQ_CST)) {
        __atomic_sub_fetch(&pygo_inflight, 1, __ATOMIC_SEQ_CST);
        return PYGO_CB_EXITING;
    }
    g = pygo_gil();
    pygo_cb_depth++;
    status = pygo_invoke_locked(id, args, n, out);
    pygo_cb_depth--;
    PyGILState_Release(g);
    __atomic_sub_fetch(&pygo_inflight, 1, __ATOMIC_SEQ_CST);
    return status;
}

#ifdef PYGO_AIO
static int pygo_tramp_notify(uint64_t token);
#else
static int pygo_tramp_notify(uint64_t token) {
    (void)token;
    return 1;
}
#endif

/* atexit: from now on Go's calls into Python fail (PYGO_CB_EXITING) without touching Python;
   wait (without the GIL, at most 2 s) for trampolines already past the check. */
static PyObject *pygo_atexit(PyObject *self, PyObject *unused) {
    PyObject *time_module, *sleep = NULL;
    int i;
    (void)self, (void)unused;
    __atomic_store_n(&pygo_exiting, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&pygo_inflight, __ATOMIC_SEQ_CST) == 0) Py_RETURN_NONE;
    /* time.sleep releases the GIL, which those trampolines may be waiting for (PyThread's timed
       lock would do without Python, but python3.dll exports it only from 3.10) */
    time_module = PyImport_ImportModule("time");
    if (time_module != NULL) sleep = PyObject_GetAttrString(time_module, "sleep");
    for (i = 0; sleep != NULL && i < 2000 && __atomic_load_n(&pygo_inflight, __ATOMIC_SEQ_CST) > 0; i++) {
        PyObject *r = PyObject_CallFunction(sleep, "d", 0.001);
        if (r == NULL) break;
        Py_DECREF(r);
    }
    PyErr_Clear();
    Py_XDECREF(sleep);
    Py_XDECREF(time_module);
    Py_RETURN_NONE;
}
static PyMethodDef pygo_atexit_def = {"_pygo_atexit", pygo_atexit, METH_NOARGS, NULL};

/* At import: the hooks Go calls, and the atexit guard. */
PYGO_HELPER int pygo_callbacks_init(PyObject *api) {
    PyObject *atexit_module, *hook, *r = NULL, *slots;
#ifdef PYGO_SLOT_LOCK
    if (pygo_slot_lock == NULL && (pygo_slot_lock = PyThread_allocate_lock()) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
#endif
    slots = PyCFunction_NewEx(&pygo_slots_def, NULL, NULL);
    if (slots == NULL || PyDict_SetItemString(api, "_slots", slots) < 0) {
        Py_XDECREF(slots);
        return -1;
    }
    Py_DECREF(slots);
    atexit_module = PyImport_ImportModule("atexit");
    hook = atexit_module != NULL ? PyCFunction_NewEx(&pygo_atexit_def, NULL, NULL) : NULL;
    if (hook != NULL) r = PyObject_CallMethod(atexit_module, "register", "O", hook);
    Py_XDECREF(hook);
    Py_XDECREF(atexit_module);
    if (r == NULL) return -1;
    Py_DECREF(r);
    pygo_hook_set((void *)pygo_tramp_invoke, (void *)pygo_tramp_notify);
    return 0;
}
