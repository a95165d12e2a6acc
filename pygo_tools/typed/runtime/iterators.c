/* pygo-tools: Go iterators (iter.Seq, iter.Seq2, <-chan results) as Python iterators.
 *
 * The Go side runs the seq in a goroutine that hands over batches of encoded items on request
 * (gen's pygoPullSeq; iter.Pull cannot be used from cgo: its coroutine must be resumed on the OS
 * thread that made it, and Python may advance an iterator from any thread). A batch is 1 item,
 * then 4 times more each pull up to 4096 (or about 15 KB): a loop that stops early pulls little
 * more than it uses, a long one pays a goroutine handoff per 4096 items. An iterator whose
 * function received callbacks pulls one item at a time, so that a callback's exception comes
 * out of the next() that caused it. A lock serializes refills across threads; a re-entrant
 * next() (from inside the refill: a callback the seq calls) raises ValueError as a generator
 * does. Closing, exhausting or dropping the iterator stops the Go side (the seq's yield returns
 * false, a channel's context is cancelled) and waits for it, without the GIL.
 *
 * Free-threaded builds (no GIL): next(), batch() and close() run in a critical section on the
 * iterator, which makes them as atomic as the GIL did (suspended, as the GIL was released, while
 * a refill waits for Go; the lock serializes refills, close and dealloc as before).
 */

#define PYGO_BATCH 4096

typedef struct {
    PYGO_OBJECT_HEAD
    uintptr_t handle;        /* the Go pump's handle; 0 once stopped */
    const char *desc;        /* item descriptors: one, or key and value for a Seq2 (a tuple) */
    int arity;
    int want, max;           /* the next pull's size, growing up to max */
    int count, taken;        /* items in the batch, items handed out */
    int done;
    int chan;                /* a channel: a pull may time out empty (room for Ctrl-C) */
    pygo_reader rd;          /* the batch */
    char *batch;             /* the batch's memory when Go had to malloc it */
    PyObject *lock;          /* a _thread lock: one refill or stop at a time */
    uintptr_t owner;         /* the thread holding it (pygo_thread_id) */
    uint64_t *cbs;           /* callbacks of the call: they live as long as the iterator */
    int ncbs;
    char space[16384];
} pygo_iterobj;

static PyTypeObject *pygo_iterator_type;
static PyObject *pygo_allocate_lock, *pygo_acquire_name, *pygo_release_name; /* set once at import */

/* A lock of Python's _thread module, used through its methods: python3.dll exports PyThread's
   locks only from 3.10, and a refill (one per batch) can afford a method call. */
#if defined(_MSC_VER)
static __declspec(thread) char pygo_thread_mark;
#else
static __thread char pygo_thread_mark;
#endif
#define pygo_thread_id() ((uintptr_t)&pygo_thread_mark)

/* 1: acquired; 0: held by someone (blocking == 0); -1: an exception. */
static int pygo_lock_acquire(PyObject *lock, int blocking) {
    PyObject *r = PyObject_CallMethodObjArgs(lock, pygo_acquire_name, blocking ? Py_True : Py_False, NULL);
    int got;
    if (r == NULL) return -1;
    got = PyObject_IsTrue(r);
    Py_DECREF(r);
    return got;
}

/* Release; the exception being raised, if any, stays set. */
static void pygo_lock_release(PyObject *lock) {
    PyObject *et, *ev, *etb, *r;
    PyErr_Fetch(&et, &ev, &etb);
    r = PyObject_CallMethodObjArgs(lock, pygo_release_name, NULL);
    if (r == NULL) PyErr_WriteUnraisable(lock);
    Py_XDECREF(r);
    PyErr_Restore(et, ev, etb);
}

static void pygo_iter_drop_batch(pygo_iterobj *it) {
    free(it->batch);
    it->batch = NULL;
    it->count = it->taken = 0;
    it->rd.p = it->rd.end = NULL;
}

static void pygo_iter_free_cbs(pygo_iterobj *it) {
    int i;
    for (i = 0; i < it->ncbs; i++) pygo_cb_close(it->cbs[i]); /* from now on Go gets EXPIRED */
    free(it->cbs);
    it->cbs = NULL;
    it->ncbs = 0;
}

/* A result Python will not get (an error came with it): stop the Go side. */
PYGO_HELPER void pygo_iter_discard(uintptr_t handle) {
    if (handle == 0) return;
    Py_BEGIN_ALLOW_THREADS
    pygo_iter_stop(handle);
    Py_END_ALLOW_THREADS
}

/* The iterator for a handle Go returned; it takes the call's callbacks (their ids are zeroed in
   cbs, so that the call does not close them). */
PYGO_HELPER PyObject *pygo_iter_wrap(uintptr_t handle, const char *desc, int arity, int chan, uint64_t *cbs, int ncbs) {
    allocfunc alloc = (allocfunc)PyType_GetSlot(pygo_iterator_type, Py_tp_alloc);
    PyObject *self = alloc(pygo_iterator_type, 0);
    pygo_iterobj *it;
    int i, live = 0;
    if (self == NULL) {
        pygo_iter_discard(handle);
        return NULL;
    }
    it = PYGO_FIELDS(pygo_iterobj, self);
    it->handle = handle;
    it->desc = desc;
    it->arity = arity;
    it->chan = chan;
    it->want = 1;
    it->max = PYGO_BATCH;
    it->lock = PyObject_CallObject(pygo_allocate_lock, NULL);
    for (i = 0; i < ncbs; i++) live += cbs[i] != 0;
    if (live) {
        it->cbs = malloc(sizeof(uint64_t) * (size_t)live);
        if (it->cbs != NULL) {
            for (i = 0; i < ncbs; i++) {
                if (cbs[i] != 0) it->cbs[it->ncbs++] = cbs[i];
                cbs[i] = 0;
            }
        }
        it->max = 1; /* a callback's exception comes out of the next() that caused it */
    }
    if (it->lock == NULL || (live && it->cbs == NULL)) {
        Py_DECREF(self);
        return PyErr_Occurred() ? NULL : PyErr_NoMemory();
    }
    return self;
}

/* Take the iterator's lock (waiting without the GIL); -1: this thread is inside a refill. */
static int pygo_iter_lock(pygo_iterobj *it) {
    uintptr_t me = pygo_thread_id();
    int got = pygo_lock_acquire(it->lock, 0);
    if (got < 0) return -1;
    if (!got) {
        if (__atomic_load_n(&it->owner, __ATOMIC_SEQ_CST) == me || pygo_cb_depth > 0) {
            /* this thread is in the refill, or in a callback Go makes, maybe for this very
               refill: waiting would deadlock. As a Python generator does: */
            PyErr_SetString(PyExc_ValueError, "Go iterator already executing");
            return -1;
        }
        if (pygo_lock_acquire(it->lock, 1) < 0) return -1; /* releases the GIL while it waits */
    }
    __atomic_store_n(&it->owner, me, __ATOMIC_SEQ_CST);
    return 0;
}

static void pygo_iter_unlock(pygo_iterobj *it) {
    __atomic_store_n(&it->owner, (uintptr_t)0, __ATOMIC_SEQ_CST);
    pygo_lock_release(it->lock);
}

static void pygo_iter_stop_locked(pygo_iterobj *it) {
    uintptr_t h = it->handle;
    it->handle = 0;
    it->done = 1;
    pygo_iter_discard(h); /* waits for the seq to return, which may call Python */
    pygo_iter_free_cbs(it);
}

static int pygo_iter_refill(pygo_iterobj *it) {
    int status = 0;
    if (pygo_iter_lock(it) < 0) return -1;
    if (it->taken < it->count || it->done || it->handle == 0) goto out; /* another thread did */
    if (pygo_cb_take_exception(it->cbs, it->ncbs)) { /* raised while the seq was being stopped */
        pygo_iter_stop_locked(it);
        status = -1;
        goto out;
    }
    pygo_iter_drop_batch(it);
    for (;;) {
        pygo_error err = {0};
        char space[PYGO_SCRATCH];
        pygo_scratch s = {space, PYGO_SCRATCH, 0};
        pygo_scratch out = {it->space, sizeof(it->space), 0};
        struct pygo_iter_next_return r;
        Py_BEGIN_ALLOW_THREADS
        r = pygo_iter_next(it->handle, it->want, &out, &err, &s);
        Py_END_ALLOW_THREADS
        if (err.kind || pygo_cb_take_exception(it->cbs, it->ncbs)) {
            /* the seq panicked, or a callback raised while it ran: that exception comes out of
               this next(), and the iterator is finished (as a generator is); the batch goes */
            pygo_release(r.r2, &out);
            if (err.kind && !PyErr_Occurred()) pygo_raise_error(&err, &s);
            else if (err.kind) pygo_release(err.p, &s);
            pygo_iter_stop_locked(it);
            status = -1;
            break;
        }
        if (!pygo_in_scratch(r.r2, &out)) it->batch = r.r2;
        it->rd.p = r.r2;
        it->rd.end = r.r2 + r.r3;
        it->count = r.r0;
        it->taken = 0;
        if (r.r1) pygo_iter_stop_locked(it);
        else if (it->want < it->max) it->want = it->want * 4 > it->max ? it->max : it->want * 4;
        if (r.r0 == 0 && !r.r1) { /* a channel with nothing yet: room for Ctrl-C */
            if (PyErr_CheckSignals() < 0) {
                status = -1;
                break;
            }
            continue;
        }
        break;
    }
out:
    pygo_iter_unlock(it);
    return status;
}

static PyObject *pygo_iter_item(pygo_iterobj *it) {
    PyObject *k, *v, *t;
    it->taken++;
    if (it->arity == 1 && it->desc[0] == 'i' && it->desc[1] == '8' && it->rd.end - it->rd.p >= 8) {
        int64_t n; /* the common case, without a walk through the descriptor */
        memcpy(&n, it->rd.p, 8);
        it->rd.p += 8;
        return PyLong_FromLongLong((long long)n);
    }
    if (it->arity == 1) return pygo_decode(&it->rd, it->desc, 0);
    k = pygo_decode(&it->rd, it->desc, 0);
    if (k == NULL) return NULL;
    v = pygo_decode(&it->rd, pygo_desc_skip(it->desc), 0);
    if (v == NULL) {
        Py_DECREF(k);
        return NULL;
    }
    t = PyTuple_Pack(2, k, v);
    Py_DECREF(k);
    Py_DECREF(v);
    return t;
}

static PyObject *pygo_iter_next_locked(pygo_iterobj *it) {
    for (;;) {
        if (it->taken < it->count) return pygo_iter_item(it);
        if (it->done) return NULL; /* StopIteration */
        if (pygo_iter_refill(it) < 0) return NULL;
    }
}

static PyObject *pygo_iter_next_py(PyObject *self) {
    PyObject *item;
    PYGO_CRITICAL_BEGIN(self);
    item = pygo_iter_next_locked(PYGO_FIELDS(pygo_iterobj, self));
    PYGO_CRITICAL_END();
    return item;
}

static PyObject *pygo_iter_close_locked(pygo_iterobj *it) {
    if (it->handle != 0) {
        int got = pygo_lock_acquire(it->lock, 0);
        if (got < 0) return NULL;
        if (!got) {
            /* a pull is running (waiting for a channel, maybe): cancel what can be, so that it
               returns, then wait for it */
            uintptr_t h = it->handle;
            Py_BEGIN_ALLOW_THREADS
            pygo_iter_cancel(h);
            Py_END_ALLOW_THREADS
        } else {
            pygo_lock_release(it->lock);
        }
    }
    if (pygo_iter_lock(it) < 0) return NULL;
    pygo_iter_stop_locked(it);
    pygo_iter_drop_batch(it);
    pygo_iter_unlock(it);
    Py_RETURN_NONE;
}

static PyObject *pygo_iter_close(PyObject *self, PyObject *unused) {
    PyObject *r;
    (void)unused;
    PYGO_CRITICAL_BEGIN(self);
    r = pygo_iter_close_locked(PYGO_FIELDS(pygo_iterobj, self));
    PYGO_CRITICAL_END();
    return r;
}

/* batch(n): pull at most n items per Go call from now on (1: strictly one at a time). */
static PyObject *pygo_iter_batch(PyObject *self, PyObject *arg) {
    pygo_iterobj *it = PYGO_FIELDS(pygo_iterobj, self);
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    if (n < 1 || n > 65536) {
        PyErr_SetString(PyExc_ValueError, "batch(n): n must be 1 to 65536");
        return NULL;
    }
    PYGO_CRITICAL_BEGIN(self);
    it->max = (int)n;
    if (it->want > it->max) it->want = it->max;
    PYGO_CRITICAL_END();
    Py_INCREF(self);
    return self;
}

static PyObject *pygo_iter_exit(PyObject *self, PyObject *args) {
    (void)args;
    return pygo_iter_close(self, NULL);
}

static PyObject *pygo_iter_self(PyObject *self, PyObject *unused) {
    (void)unused;
    Py_INCREF(self);
    return self;
}

static void pygo_iter_dealloc(PyObject *self) {
    pygo_iterobj *it = PYGO_FIELDS(pygo_iterobj, self);
    PyTypeObject *type = Py_TYPE(self);
    freefunc tp_free = (freefunc)PyType_GetSlot(type, Py_tp_free);
    pygo_iter_stop_locked(it); /* nobody else holds a reference, so nobody holds the lock */
    pygo_iter_drop_batch(it);
    Py_XDECREF(it->lock);
    tp_free(self);
    Py_DECREF(type);
}

static PyObject *pygo_iter_refuse_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    (void)type, (void)args, (void)kwargs;
    PyErr_SetString(PyExc_TypeError, "Go iterators come from Go functions returning iter.Seq, iter.Seq2 or a channel");
    return NULL;
}

/* GoIterator[int] at run time too (annotations evaluated at run time, typing.get_type_hints). */
static PyObject *pygo_iter_class_getitem(PyObject *cls, PyObject *item) {
    return Py_GenericAlias(cls, item);
}

static PyMethodDef pygo_iterator_methods[] = {
    {"__class_getitem__", pygo_iter_class_getitem, METH_O | METH_CLASS, NULL},
    {"close", pygo_iter_close, METH_NOARGS,
     "close($self)\n--\n\nStop the Go side now (also done when exhausted or collected)."},
    {"batch", pygo_iter_batch, METH_O,
     "batch($self, n, /)\n--\n\nPull at most n items per Go call from now on; returns the iterator."},
    {"__enter__", pygo_iter_self, METH_NOARGS, NULL},
    {"__exit__", pygo_iter_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}};

static PyType_Slot pygo_iterator_slots[] = {
    {Py_tp_dealloc, pygo_iter_dealloc},
    {Py_tp_iter, PyObject_SelfIter},
    {Py_tp_iternext, pygo_iter_next_py},
    {Py_tp_methods, pygo_iterator_methods},
    {Py_tp_new, pygo_iter_refuse_new},
    {Py_tp_doc, "A Go iter.Seq, iter.Seq2 or channel, pulled lazily; close() stops the Go side."},
    {0, NULL}};

/* At import: the GoIterator class (name: "<typed module>.GoIterator", a static string). */
PYGO_HELPER int pygo_iterators_init(PyObject *api, const char *name) {
    static PyType_Spec spec = {NULL, PYGO_BASICSIZE(pygo_iterobj), 0, Py_TPFLAGS_DEFAULT, pygo_iterator_slots};
    PyObject *thread = PyImport_ImportModule("_thread");
    if (thread == NULL) return -1;
    pygo_allocate_lock = PyObject_GetAttrString(thread, "allocate_lock");
    Py_DECREF(thread);
    pygo_acquire_name = PyUnicode_InternFromString("acquire");
    pygo_release_name = PyUnicode_InternFromString("release");
    if (pygo_allocate_lock == NULL || pygo_acquire_name == NULL || pygo_release_name == NULL) return -1;
    spec.name = name;
    pygo_iterator_type = (PyTypeObject *)PyType_FromSpec(&spec);
    if (pygo_iterator_type == NULL) return -1;
    return PyDict_SetItemString(api, "GoIterator", (PyObject *)pygo_iterator_type);
}
