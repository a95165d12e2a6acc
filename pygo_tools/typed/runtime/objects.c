/* pygo-tools: Go objects. A function returning *T gives Python an object of T's class (one
 * PyType_FromSpec type per Go struct type) holding a handle to the Go value; T's methods marked
 * //pygo:export are its methods.
 *
 * A handle is deleted once: by close() (or __exit__) when no call is using it, else by the last
 * call using it; or when the object is collected. Each call that uses an object (as self or as
 * a *T argument) enters it (ValueError if closed, busy++) and leaves it afterwards. busy, closed
 * and handle change with atomic operations, so calls from several threads at once (with or
 * without the GIL) never see a deleted handle reach Go.
 */

typedef struct {
    PYGO_OBJECT_HEAD
    uintptr_t handle; /* the *T in the Go side's table (pygoNew); 0 once deleted */
    int busy;         /* calls using it right now */
    int closed;
    int go_closed;    /* Go's own Close() was called (the end of a with block calls it once) */
} pygo_object;

typedef struct {
    const char *name;    /* the Python class name, for messages */
    const char *made_by; /* the Python functions returning it, for the message of T() */
    PyType_Spec *spec;
} pygo_class_info;

/* Set once at import (pygo_make_object_types), read-only afterwards. */
static const pygo_class_info *pygo_object_info;
static PyTypeObject **pygo_object_types;
static int pygo_object_count;

static void pygo_object_delete(pygo_object *o) {
    uintptr_t h = __atomic_exchange_n(&o->handle, (uintptr_t)0, __ATOMIC_SEQ_CST);
    /* Handle.Delete is a map delete that never waits: no need to release the GIL */
    if (h != 0) pygo_handle_delete(h);
}

/* 0, or -1 (no exception set yet): the object was closed. */
static int pygo_enter(pygo_object *o) {
    __atomic_add_fetch(&o->busy, 1, __ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&o->closed, __ATOMIC_SEQ_CST)) return 0;
    /* closed: this call never starts */
    if (__atomic_sub_fetch(&o->busy, 1, __ATOMIC_SEQ_CST) == 0) pygo_object_delete(o);
    return -1;
}

static int pygo_closed_error(const pygo_fn *fn, int i) {
    if (i < 0)
        PyErr_Format(PyExc_ValueError, "%s(): the Go object was closed (close() or the end of a with block)", fn->name);
    else
        PyErr_Format(PyExc_ValueError, "%s() argument '%s': the Go object was closed (close() or the end of a with block)",
                     fn->name, fn->params[i]);
    return -1;
}

PYGO_HELPER void pygo_leave(pygo_object *o) {
    if (o == NULL) return;
    if (__atomic_sub_fetch(&o->busy, 1, __ATOMIC_SEQ_CST) == 0 && __atomic_load_n(&o->closed, __ATOMIC_SEQ_CST))
        pygo_object_delete(o);
}

PYGO_HELPER uintptr_t pygo_handle_of(pygo_object *o) {
    return o != NULL ? o->handle : 0;
}

/* A method call's self. */
PYGO_HELPER int pygo_enter_self(PyObject *self, const pygo_fn *fn, pygo_object **held) {
    pygo_object *o = PYGO_FIELDS(pygo_object, self);
    if (pygo_enter(o) < 0) return pygo_closed_error(fn, -1);
    *held = o;
    return 0;
}

/* A *T argument: an object of T's class, or None for nil. */
PYGO_HELPER int pygo_arg_object(PyObject *v, const pygo_fn *fn, int i, int type, pygo_object **out) {
    char what[300];
    *out = NULL;
    if (v == Py_None) return 0;
    if (!PyObject_TypeCheck(v, pygo_object_types[type])) {
        PyOS_snprintf(what, sizeof(what), "%s or None", pygo_object_info[type].name);
        return pygo_wrong_type(fn, i, what, v);
    }
    if (pygo_enter(PYGO_FIELDS(pygo_object, v)) < 0) return pygo_closed_error(fn, i);
    *out = PYGO_FIELDS(pygo_object, v);
    return 0;
}

/* The Python object for a handle Go returned (None for 0); on failure the handle is deleted. */
PYGO_HELPER PyObject *pygo_wrap_object(int type, uintptr_t handle) {
    PyTypeObject *cls = pygo_object_types[type];
    allocfunc alloc;
    PyObject *self;
    if (handle == 0) Py_RETURN_NONE;
    alloc = (allocfunc)PyType_GetSlot(cls, Py_tp_alloc);
    self = alloc(cls, 0);
    if (self == NULL) {
        pygo_handle_delete(handle);
        return NULL;
    }
    PYGO_FIELDS(pygo_object, self)->handle = handle;
    return self;
}

static void pygo_object_dealloc(PyObject *self) {
    PyTypeObject *type = Py_TYPE(self);
    freefunc tp_free = (freefunc)PyType_GetSlot(type, Py_tp_free);
    pygo_object_delete(PYGO_FIELDS(pygo_object, self)); /* nobody else can be using it */
    tp_free(self);
    Py_DECREF(type);
}

static PyObject *pygo_object_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    int i;
    (void)args, (void)kwargs;
    for (i = 0; i < pygo_object_count; i++) {
        if (pygo_object_types[i] == type && pygo_object_info[i].made_by[0]) {
            PyErr_Format(PyExc_TypeError, "%s objects come from Go (%s), not from %s()", pygo_object_info[i].name,
                         pygo_object_info[i].made_by, pygo_object_info[i].name);
            return NULL;
        }
    }
    PyErr_Format(PyExc_TypeError, "%R objects come from Go functions that return them, not from a call of the class",
                 (PyObject *)type);
    return NULL;
}

static PyObject *pygo_object_close(PyObject *self, PyObject *unused) {
    pygo_object *o = PYGO_FIELDS(pygo_object, self);
    (void)unused;
    if (!__atomic_exchange_n(&o->closed, 1, __ATOMIC_SEQ_CST) && __atomic_load_n(&o->busy, __ATOMIC_SEQ_CST) == 0)
        pygo_object_delete(o); /* else the last call in flight deletes it */
    Py_RETURN_NONE;
}

static PyObject *pygo_object_enter(PyObject *self, PyObject *unused) {
    (void)unused;
    if (__atomic_load_n(&PYGO_FIELDS(pygo_object, self)->closed, __ATOMIC_SEQ_CST)) {
        PyErr_SetString(PyExc_ValueError, "with: the Go object was closed already");
        return NULL;
    }
    Py_INCREF(self);
    return self;
}

PYGO_HELPER PyObject *pygo_object_exit(PyObject *self, PyObject *args) {
    (void)args;
    return pygo_object_close(self, NULL);
}

static PyObject *pygo_object_repr(PyObject *self) {
    pygo_object *o = PYGO_FIELDS(pygo_object, self);
    PyObject *name = PyObject_GetAttrString((PyObject *)Py_TYPE(self), "__qualname__"), *text;
    if (name == NULL) return NULL;
    if (__atomic_load_n(&o->closed, __ATOMIC_SEQ_CST))
        text = PyUnicode_FromFormat("<%U object (closed)>", name);
    else
        text = PyUnicode_FromFormat("<%U object, Go handle %zu>", name, (size_t)o->handle);
    Py_DECREF(name);
    return text;
}

#define PYGO_OBJECT_METHODS                                                                                    \
    {"close", pygo_object_close, METH_NOARGS,                                                                  \
     "close($self)\n--\n\nRelease the Go value now (it is also released when this object is collected); " \
     "calling a method afterwards raises ValueError."},                                                        \
        {"__enter__", pygo_object_enter, METH_NOARGS, NULL},

/* Make every object class and put it in api under its Python name. */
PYGO_HELPER int pygo_make_object_types(PyObject *api, const pygo_class_info *info, PyTypeObject **types, int count) {
    int i;
    pygo_object_info = info;
    pygo_object_types = types;
    pygo_object_count = count;
    for (i = 0; i < count; i++) {
        types[i] = (PyTypeObject *)PyType_FromSpec(info[i].spec);
        if (types[i] == NULL || PyDict_SetItemString(api, info[i].name, (PyObject *)types[i]) < 0) return -1;
    }
    return 0;
}
