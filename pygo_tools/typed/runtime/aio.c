/* pygo-tools: awaitable calls (api.aio.Name) of functions and methods taking a context.Context.
 *
 * The C function creates a future on the running loop, keeps it in a slot of the callback table
 * (callbacks.c) and starts the Go call in its goroutine with the slot's id as a token, then
 * returns the future at once: the loop's thread never waits for Go. When the goroutine ends, Go
 * calls pygo_tramp_notify(token) from its thread, which schedules _finish on the loop with
 * call_soon_threadsafe; _finish collects the results into the future on the loop's thread. A
 * cancelled future cancels the Go context; a closed loop (call_soon_threadsafe's RuntimeError)
 * or an exiting interpreter makes Go drop the results.
 *
 * A slot's state changes under the slot lock (callbacks.c; free-threaded builds have one), as Go's
 * notification (any thread) and the done callback (the loop's thread) may race without a GIL.
 * The rest of a slot is set and read on the loop's thread (the call, _finish, _done), or by the
 * notification while only it may free the slot (pending or cancelled).
 */

/* Slot id's state from `from` to `to`: 1 if it was `from` (its task then in *task), else 0. */
static int pygo_aio_transition(uint64_t id, int from, int to, uint64_t *task) {
    pygo_slot *s;
    int done = 0;
    PYGO_SLOTS_LOCK();
    s = pygo_slot_get_locked(id);
    if (s != NULL && s->kind == 'a' && s->state == from) {
        s->state = to;
        if (task != NULL) *task = s->task;
        done = 1;
    }
    PYGO_SLOTS_UNLOCK();
    return done;
}

static PyObject *pygo_get_running_loop; /* asyncio.get_running_loop, looked up once */

static PyObject *pygo_aio_finish_cb(PyObject *key, PyObject *unused);
static PyMethodDef pygo_aio_finish_def = {"_finish", pygo_aio_finish_cb, METH_NOARGS, NULL};
static PyObject *pygo_aio_done_cb(PyObject *key, PyObject *fut);
static PyMethodDef pygo_aio_done_def = {"_done", pygo_aio_done_cb, METH_O, NULL};

/* Go -> C when an awaitable call's goroutine has ended: schedule its completion on the loop.
   0: scheduled; 1: declined, Go drops the results. Any thread, without the GIL. */
static int pygo_tramp_notify(uint64_t id) {
    PyGILState_STATE g;
    int drop = 1;
    pygo_slot *s;
    __atomic_add_fetch(&pygo_inflight, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&pygo_exiting, __ATOMIC_SEQ_CST)) {
        __atomic_sub_fetch(&pygo_inflight, 1, __ATOMIC_SEQ_CST);
        return 1;
    }
    g = pygo_gil();
    s = pygo_slot_get(id);
    if (s != NULL && s->kind == 'a') {
        if (pygo_aio_transition(id, PYGO_AIO_CANCELLED, PYGO_AIO_CANCELLED, NULL)) {
            pygo_slot_free(id);
        } else {
            PyObject *key = PyLong_FromUnsignedLongLong(id);
            PyObject *cb = key != NULL ? PyCFunction_NewEx(&pygo_aio_finish_def, key, NULL) : NULL;
            PyObject *r = cb != NULL ? PyObject_CallMethod(s->loop, "call_soon_threadsafe", "O", cb) : NULL;
            if (r != NULL) {
                /* cancelled meanwhile: _finish sees the future done and cancels the call */
                (void)pygo_aio_transition(id, PYGO_AIO_PENDING, PYGO_AIO_NOTIFIED, NULL);
                drop = 0;
            } else {
                PyErr_Clear(); /* RuntimeError: the loop is closed, nobody awaits any more */
                pygo_slot_free(id);
            }
            Py_XDECREF(r);
            Py_XDECREF(cb);
            Py_XDECREF(key);
        }
    }
    PyGILState_Release(g);
    __atomic_sub_fetch(&pygo_inflight, 1, __ATOMIC_SEQ_CST);
    return drop;
}

/* On the loop's thread, soon after the notification: the results into the future. */
static PyObject *pygo_aio_finish_cb(PyObject *key, PyObject *unused) {
    uint64_t id = PyLong_AsUnsignedLongLong(key);
    pygo_slot *s = pygo_slot_get(id);
    PyObject *fut, *done, *value, *r;
    uint64_t task, *cbs;
    int ncbs, k;
    PyObject *(*finish)(uint64_t, uint64_t *, int);
    (void)unused;
    if (s == NULL || s->kind != 'a') Py_RETURN_NONE;
    fut = s->fut;
    Py_INCREF(fut);
    task = s->task, finish = s->finish, cbs = s->cbs, ncbs = s->ncbs;
    s->cbs = NULL, s->ncbs = 0; /* this function closes them, after finish has looked at them */
    pygo_slot_free(id);
    done = PyObject_CallMethod(fut, "done", NULL);
    if (done == NULL || PyObject_IsTrue(done)) { /* cancelled meanwhile */
        PyErr_Clear();
        pygo_cancel(task);
        value = NULL;
        r = NULL;
    } else {
        value = finish(task, cbs, ncbs);
        if (value != NULL) {
            r = PyObject_CallMethod(fut, "set_result", "O", value);
        } else {
            PyObject *et, *ev, *etb;
            PyErr_Fetch(&et, &ev, &etb);
            PyErr_NormalizeException(&et, &ev, &etb);
            if (etb != NULL && ev != NULL) PyException_SetTraceback(ev, etb);
            r = PyObject_CallMethod(fut, "set_exception", "O", ev != NULL ? ev : Py_None);
            Py_XDECREF(et);
            Py_XDECREF(ev);
            Py_XDECREF(etb);
        }
        if (r == NULL) PyErr_Clear();
    }
    Py_XDECREF(done);
    Py_XDECREF(value);
    Py_XDECREF(r);
    Py_DECREF(fut);
    for (k = 0; k < ncbs; k++) pygo_cb_close(cbs[k]);
    free(cbs);
    Py_RETURN_NONE;
}

/* The future's done callback: a cancelled future cancels the Go context. */
static PyObject *pygo_aio_done_cb(PyObject *key, PyObject *fut) {
    uint64_t id = PyLong_AsUnsignedLongLong(key), task;
    PyObject *cancelled = PyObject_CallMethod(fut, "cancelled", NULL);
    int yes = cancelled != NULL && PyObject_IsTrue(cancelled);
    Py_XDECREF(cancelled);
    PyErr_Clear();
    /* the slot goes when Go's notification comes */
    if (yes && pygo_aio_transition(id, PYGO_AIO_PENDING, PYGO_AIO_CANCELLED, &task)) pygo_cancel(task);
    Py_RETURN_NONE;
}

/* Before the Go call: the running loop's future, in a new slot (0 with an exception if there is
   no running loop). */
PYGO_HELPER uint64_t pygo_aio_begin(void) {
    PyObject *loop, *fut;
    pygo_slot *s;
    uint64_t id;
    if (pygo_get_running_loop == NULL) {
        PyObject *asyncio = PyImport_ImportModule("asyncio");
        if (asyncio == NULL) return 0;
        pygo_get_running_loop = PyObject_GetAttrString(asyncio, "get_running_loop");
        Py_DECREF(asyncio);
        if (pygo_get_running_loop == NULL) return 0;
    }
    loop = PyObject_CallObject(pygo_get_running_loop, NULL);
    if (loop == NULL) return 0;
    fut = PyObject_CallMethod(loop, "create_future", NULL);
    if (fut == NULL) {
        Py_DECREF(loop);
        return 0;
    }
    id = pygo_slot_new(&s);
    if (id == 0) {
        Py_DECREF(loop);
        Py_DECREF(fut);
        return 0;
    }
    s->kind = 'a';
    s->loop = loop;
    s->fut = fut;
    s->state = PYGO_AIO_PENDING;
    return id;
}

/* After Go started the call: the future, with the cancellation hook on it; the slot takes the
   call's callbacks (their ids are zeroed in cbs, so that the call does not close them). */
PYGO_HELPER PyObject *pygo_aio_started(uint64_t id, uint64_t task, PyObject *(*finish)(uint64_t, uint64_t *, int),
                                       uint64_t *cbs, int ncbs) {
    pygo_slot *s = pygo_slot_get(id);
    PyObject *fut, *key, *cb, *r;
    int k, live = 0;
    if (s == NULL) { /* cannot happen: only _finish frees a notified slot, on this thread, later */
        PyErr_SetString(PyExc_SystemError, "pygo-tools: an awaitable call lost its future");
        return NULL;
    }
    s->task = task;
    s->finish = finish;
    for (k = 0; k < ncbs; k++) live += cbs[k] != 0;
    if (live) {
        s->cbs = malloc(sizeof(uint64_t) * (size_t)live);
        if (s->cbs != NULL) {
            for (k = 0; k < ncbs; k++) {
                if (cbs[k] != 0) s->cbs[s->ncbs++] = cbs[k];
                cbs[k] = 0;
            }
        }
    }
    fut = s->fut;
    Py_INCREF(fut);
    key = PyLong_FromUnsignedLongLong(id);
    cb = key != NULL ? PyCFunction_NewEx(&pygo_aio_done_def, key, NULL) : NULL;
    r = cb != NULL ? PyObject_CallMethod(fut, "add_done_callback", "O", cb) : NULL;
    Py_XDECREF(key);
    Py_XDECREF(cb);
    if (r == NULL) {
        /* Go runs on; its notification finds the slot pending and completes the future anyway */
        Py_DECREF(fut);
        return NULL;
    }
    Py_DECREF(r);
    return fut;
}

/* The Go call did not start (its arguments failed in Go): the slot goes. */
PYGO_HELPER void pygo_aio_abandon(uint64_t id) {
    pygo_slot_free(id);
}
