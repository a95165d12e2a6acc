package main

// The Go side of the shapes at run time: handles for objects, converters for callbacks, pumps
// for iterators, the hooks Go calls the extension through, and sentinel errors. The C side is
// pygo_tools/typed/runtime/{objects,callbacks,iterators,aio,errors}.c.

import (
	"fmt"
	"strings"
)

// iterates: the function's result is an iterator (which then owns its context, if any).
func (f *function) iterates() bool {
	return len(f.Results) == 1 && f.Results[0].Kind == "iter"
}

// receiverParam is a method's first export parameter: the handle of its object.
func receiverParam(f function) []string {
	if f.Receiver == "" {
		return nil
	}
	return []string{"pygoSelf C.uintptr_t"}
}

// receiverValue looks the object up before anything else (the C side keeps the handle valid for
// the call); a goroutine started for a context method holds the *T itself.
func receiverValue(f function) string {
	if f.Receiver == "" {
		return ""
	}
	return fmt.Sprintf("\tpygoRecv := pygoObj[%s](pygoSelf)\n", f.Receiver)
}

func (f *function) hasCallbacks() bool {
	for _, prm := range f.Params {
		if prm.Type.Kind == "func" {
			return true
		}
	}
	return false
}

// callbackFor is the converter for func type t: a Go func of that type that encodes its
// arguments, calls the Python callable behind a callback id, and decodes its result.
func (g *generator) callbackFor(t *typeDesc) string {
	if name, ok := g.callbacks[t.Go]; ok {
		return name
	}
	name := fmt.Sprintf("pygoCb%d", len(g.callbacks))
	g.callbacks[t.Go] = name
	var params, encode []string
	for i, a := range t.Args {
		v := fmt.Sprintf("pygoP%d", i)
		params = append(params, v+" "+goSpelling(a))
		encode = append(encode, "\t\t"+g.encode(a, v)+"\n")
	}
	var results []string
	if t.Result != nil {
		results = append(results, "pygoR "+goSpelling(t.Result))
	}
	if t.Fails {
		results = append(results, "pygoE error")
	}
	literal := "func(" + strings.Join(params, ", ") + ")"
	if len(results) > 0 {
		literal += " (" + strings.Join(results, ", ") + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n// %s calls a Python callable as a Go %s.\n", name, t.Go)
	fmt.Fprintf(&b, "func %s(pygoID C.uint64_t) %s {\n\tif pygoID == 0 {\n\t\treturn nil\n\t}\n", name, literal)
	fmt.Fprintf(&b, "\treturn %s {\n\t\tw := &pygoWriter{}\n%s", literal, strings.Join(encode, ""))
	b.WriteString("\t\tpygoOut, pygoFailed := pygoInvoke(pygoID, w.b)\n\t\tif pygoFailed != nil {\n")
	if t.Fails {
		b.WriteString("\t\t\tpygoE = pygoFailed\n")
	}
	b.WriteString("\t\t\treturn\n\t\t}\n")
	if t.Result != nil {
		fmt.Fprintf(&b, "\t\tr := &pygoReader{b: pygoOut}\n\t\tpygoR = %s\n", g.decode(t.Result))
	} else {
		b.WriteString("\t\t_ = pygoOut\n")
	}
	b.WriteString("\t\treturn\n\t}\n}\n")
	g.callbackCode.WriteString(b.String())
	return name
}

// pullFor is the expression that hands iterator got, of type t, to its pump; pygoCancel (nil, or
// the cancel of the call's context) is declared by the export.
func (g *generator) pullFor(t *typeDesc, got string) string {
	g.iterators = true
	g.imports[`pygo_iter "iter"`] = true
	switch t.Form {
	case "seq2":
		k, v := goSpelling(t.Key), goSpelling(t.Value)
		return fmt.Sprintf("pygoPullSeq2(pygo_iter.Seq2[%s, %s](%s), func(w *pygoWriter, pygoK %s, pygoV %s) {\n%s\n%s\n}, pygoCancel)",
			k, v, got, k, v, g.encode(t.Key, "pygoK"), g.encode(t.Value, "pygoV"))
	case "chan":
		e := goSpelling(t.Elem)
		return fmt.Sprintf("pygoPullChan((<-chan %s)(%s), func(w *pygoWriter, pygoV %s) {\n%s\n}, pygoCancel)",
			e, got, e, g.encode(t.Elem, "pygoV"))
	}
	e := goSpelling(t.Elem)
	return fmt.Sprintf("pygoPullSeq(pygo_iter.Seq[%s](%s), func(w *pygoWriter, pygoV %s) {\n%s\n}, pygoCancel)",
		e, got, e, g.encode(t.Elem, "pygoV"))
}

// writeShapes appends the runtime the exports written so far need.
func (g *generator) writeShapes(b *strings.Builder, d *description, async bool) {
	g.imports[`pygo_context "context"`] = true
	g.imports[`pygo_errors "errors"`] = true
	g.imports[`pygo_sync "sync"`] = true
	g.imports[`pygo_time "time"`] = true
	b.WriteString(contextRuntime)
	b.WriteString(sentinelList(d))
	b.WriteString(errorRuntime)
	if len(d.Objects) > 0 {
		g.imports[`pygo_atomic "sync/atomic"`] = true
		b.WriteString(objectRuntime)
	}
	// The C side registers its hooks whenever it has callbacks, awaitables or iterators (whose
	// seqs may take callbacks): c.py's render_typed_layer decides the same way.
	if async || len(g.callbacks) > 0 || g.iterators {
		g.imports[`pygo_atomic "sync/atomic"`] = true
		b.WriteString(hookRuntime)
		b.WriteString(g.callbackCode.String())
	}
	if g.iterators {
		g.imports[`pygo_cgo "runtime/cgo"`] = true
		b.WriteString(iterRuntime)
	}
}

const contextRuntime = `
// pygoContext is a call's own context, with the deadline Python's timeout= gives (nanoseconds;
// 0: none).
func pygoContext(timeout C.int64_t) (pygo_context.Context, pygo_context.CancelFunc) {
	if timeout > 0 {
		return pygo_context.WithTimeout(pygo_context.Background(), pygo_time.Duration(timeout))
	}
	return pygo_context.WithCancel(pygo_context.Background())
}
`

// sentinelList is the Go list of the package's error variables, in the description's order (the
// Python side has their exception classes in the same order); nil for one the build leaves out.
func sentinelList(d *description) string {
	var list strings.Builder
	for _, s := range d.Errors {
		if s.cgoOnly {
			list.WriteString("\t\tnil,\n")
		} else {
			fmt.Fprintf(&list, "\t\tpygoErrorOf(%s),\n", s.Name)
		}
	}
	return fmt.Sprintf(sentinelRuntime, list.String())
}

// sentinelRuntime finds the sentinel a returned error matches; both the native and the
// WebAssembly runtimes use it.
const sentinelRuntime = `
// The package's exported error variables, in declaration order. Read at the first error, after
// the package's init functions ran.
func pygoSentinelList() []error {
	return []error{
%s	}
}

func pygoErrorOf(v any) error {
	e, _ := v.(error)
	return e
}

var (
	pygoSentinelOnce  pygo_sync.Once
	pygoSentinels     []error
	pygoSentinelDepth []int // how many other sentinels each one wraps: deeper is more specific
)

func pygoSentinelInit() {
	pygoSentinels = pygoSentinelList()
	pygoSentinelDepth = make([]int, len(pygoSentinels))
	for i, s := range pygoSentinels {
		for j, t := range pygoSentinels {
			if i != j && s != nil && t != nil && pygo_errors.Is(s, t) {
				pygoSentinelDepth[i]++
			}
		}
	}
}

// pygoSentinel is the index of the most specific sentinel e matches (errors.Is), or -1;
// skip: a sentinel not to consider (-1: none).
func pygoSentinel(e error, skip int) int {
	pygoSentinelOnce.Do(pygoSentinelInit)
	best := -1
	for i, s := range pygoSentinels {
		if i != skip && s != nil && pygo_errors.Is(e, s) && (best < 0 || pygoSentinelDepth[i] > pygoSentinelDepth[best]) {
			best = i
		}
	}
	return best
}

// pygoSentinelParentOf is the sentinel that sentinel i wraps (the most specific), or -1: the
// Python side makes that class the base of i's.
func pygoSentinelParentOf(i int) int {
	pygoSentinelOnce.Do(pygoSentinelInit)
	if i < 0 || i >= len(pygoSentinels) || pygoSentinels[i] == nil {
		return -1
	}
	return pygoSentinel(pygoSentinels[i], i)
}
`

const errorRuntime = `
// pygoFailError reports a returned error: kind 'E' ('T' when it is a deadline), and above the
// low byte the index + 1 of the most specific sentinel it matches (the C side raises its class).
func pygoFailError(err *C.pygo_error, scratch *C.pygo_scratch, e error) {
	kind := byte('E')
	if pygo_errors.Is(e, pygo_context.DeadlineExceeded) {
		kind = 'T'
	}
	pygoFail(err, scratch, kind, e.Error())
	err.kind |= C.int(pygoSentinel(e, -1)+1) << 8
}

// pygo_sentinel_parent: the extension asks at import, to make that class the base of i's.
//
//export pygo_sentinel_parent
func pygo_sentinel_parent(i C.int) C.int {
	return C.int(pygoSentinelParentOf(int(i)))
}
`

const objectRuntime = `
// The Go values Python objects hold. Not runtime/cgo.Handle: its lookup (a sync.Map) is most of
// what a method call costs beyond a function call. Here a lookup is two atomic loads: chunks of
// slots that never move, the list of chunks replaced (never changed) when it grows. The C side
// keeps a handle valid while a call uses it and deletes it once.
type pygoChunk [1024]pygo_atomic.Pointer[any]

var (
	pygoObjectsMu pygo_sync.Mutex
	pygoChunks    pygo_atomic.Pointer[[]*pygoChunk]
	pygoFree      []uint64
	pygoUsed      uint64
)

// pygoNew gives C a handle to p (0 for nil); the Python object that holds it deletes it.
func pygoNew[pygoT any](p *pygoT) C.uintptr_t {
	if p == nil {
		return 0
	}
	var v any = p
	pygoObjectsMu.Lock()
	var i uint64
	if n := len(pygoFree); n > 0 {
		i, pygoFree = pygoFree[n-1], pygoFree[:n-1]
	} else {
		i = pygoUsed
		pygoUsed++
		chunks := pygoChunks.Load()
		if chunks == nil || int(i>>10) >= len(*chunks) {
			var grown []*pygoChunk
			if chunks != nil {
				grown = append(grown, *chunks...)
			}
			grown = append(grown, new(pygoChunk))
			pygoChunks.Store(&grown)
		}
	}
	pygoObjectsMu.Unlock()
	(*pygoChunks.Load())[i>>10][i&1023].Store(&v)
	return C.uintptr_t(i + 1)
}

// pygoObj is the *T behind a handle (nil for 0). A deleted handle or one of another type (which
// the C side's checks rule out) panics, and the export's recover makes that a GoPanic.
func pygoObj[pygoT any](h C.uintptr_t) *pygoT {
	if h == 0 {
		return nil
	}
	i := uint64(h) - 1
	return (*(*pygoChunks.Load())[i>>10][i&1023].Load()).(*pygoT)
}

//export pygo_handle_delete
func pygo_handle_delete(h C.uintptr_t) {
	if h == 0 {
		return
	}
	i := uint64(h) - 1
	(*pygoChunks.Load())[i>>10][i&1023].Store(nil)
	pygoObjectsMu.Lock()
	pygoFree = append(pygoFree, i)
	pygoObjectsMu.Unlock()
}
`

const hookRuntime = `
// The extension's entry points for Go, registered at import (a Go library cannot link against
// the extension that loads it): run a Python callback; an awaitable call has ended.
var pygoInvokeHook, pygoNotifyHook pygo_atomic.Uintptr

//export pygo_hook_set
func pygo_hook_set(invoke, notify *C.char) { // function pointers: the C side passes void *
	pygoInvokeHook.Store(uintptr(pygo_unsafe.Pointer(invoke)))
	pygoNotifyHook.Store(uintptr(pygo_unsafe.Pointer(notify)))
}

func pygoNotify(token C.uint64_t) C.int {
	f := pygoNotifyHook.Load()
	if f == 0 {
		return 1
	}
	return C.pygo_call_notify(C.uintptr_t(f), token)
}

// pygoCallbackError is the error a func made from a Python callable returns when the call did
// not happen or raised; the exported call that received the callable raises the Python
// exception itself.
type pygoCallbackError struct {
	status  C.int
	message string
}

func (e *pygoCallbackError) Error() string {
	switch e.status {
	case C.PYGO_CB_EXPIRED:
		return "pygo-tools: a Python callback was called after the Go call that received it returned"
	case C.PYGO_CB_EXITING:
		return "pygo-tools: a Python callback was called while the interpreter is shutting down"
	case C.PYGO_CB_FAILED:
		return "pygo-tools: the Python callback raised earlier in this call: " + e.message
	}
	return "Python callback raised " + e.message
}

var pygoOutPool = pygo_sync.Pool{New: func() any { return new(C.pygo_out) }}

// pygoInvoke calls callback id with encoded arguments: its encoded result, or an error. Safe from
// any goroutine at any time: the extension checks that the callback is still live.
func pygoInvoke(id C.uint64_t, args []byte) ([]byte, error) {
	f := pygoInvokeHook.Load()
	if f == 0 {
		return nil, &pygoCallbackError{status: C.PYGO_CB_EXITING}
	}
	out := pygoOutPool.Get().(*C.pygo_out)
	var p *C.char
	if len(args) > 0 {
		p = (*C.char)(pygo_unsafe.Pointer(&args[0]))
	}
	out.p, out.n = nil, 0
	status := C.pygo_call_invoke(C.uintptr_t(f), id, p, C.size_t(len(args)), out)
	var data []byte
	if out.p != nil {
		data = C.GoBytes(pygo_unsafe.Pointer(out.p), C.int(out.n))
		C.free(pygo_unsafe.Pointer(out.p))
		out.p = nil
	} else if out.n > 0 {
		data = C.GoBytes(pygo_unsafe.Pointer(&out.small[0]), C.int(out.n))
	}
	pygoOutPool.Put(out)
	if status != C.PYGO_CB_OK {
		return nil, &pygoCallbackError{status: status, message: string(data)}
	}
	return data, nil
}
`

const iterRuntime = `
// pygoIterState is what an iterator handle holds: pull encodes up to want items (fewer when that
// is all there is for now); stop ends the Go side (the seq returns, the context is cancelled).
type pygoIterState struct {
	pull   func(want int, w *pygoWriter) (n int, done bool)
	stop   func()
	cancel func() // safe while a pull waits (the context of a channel's call); nil if none
	buf    []byte
	busy   pygo_sync.Mutex // the C side serializes pulls; this is a net
}

// A batch ends at want items or at about this many bytes: it then fits the iterator's own
// buffer on the C side (16 KB), with no malloc.
const pygoBatchBytes = 16384 - 1024

// pygoPullSeq runs seq in a goroutine of its own that hands over batches on request, the way
// iter.Pull would: the seq runs only while a pull waits for it, and stop makes its yield return
// false and waits for it to return.
//
// Not iter.Pull itself: its coroutine must be resumed on the OS thread, and at the cgo callback
// depth, where it was created ("coro: OS thread locking must match locking at coroutine
// creation", a fatal error). Every export runs locked to the calling C thread, so a Python
// iterator advanced from a second thread, or inside a callback, would kill the process.
func pygoPullSeq[pygoT any](seq pygo_iter.Seq[pygoT], enc func(*pygoWriter, pygoT), cancel func()) C.uintptr_t {
	type request struct {
		want int
		w    *pygoWriter // the puller's, written by the seq's goroutine while the puller waits
	}
	type batch struct {
		n        int
		last     bool // the seq has returned
		panicked bool // the seq panicked after these n items
	}
	req := make(chan request) // closed: stop
	resp := make(chan batch)  // closed: the goroutine has ended
	var panicValue any
	started, finished, panicNext := false, false, false
	run := func() {
		n := 0
		defer close(resp)
		defer func() {
			if r := recover(); r != nil {
				panicValue = r
				resp <- batch{n: n, panicked: true} // the items before the panic come first
			}
		}()
		p, ok := <-req
		if !ok || seq == nil {
			return
		}
		stopped := false
		seq(func(v pygoT) bool {
			if stopped {
				return false
			}
			enc(p.w, v)
			n++
			if n < p.want && len(p.w.b) < pygoBatchBytes {
				return true
			}
			resp <- batch{n: n}
			n = 0
			if p, ok = <-req; !ok {
				stopped = true
				return false
			}
			return true
		})
		if !stopped {
			resp <- batch{n: n, last: true}
		}
	}
	st := &pygoIterState{}
	st.pull = func(want int, w *pygoWriter) (int, bool) {
		if panicNext {
			panicNext, finished = false, true
			panic(panicValue)
		}
		if finished {
			return 0, true
		}
		if !started {
			started = true
			go run()
		}
		req <- request{want, w}
		b, ok := <-resp
		if !ok {
			finished = true
			return 0, true
		}
		if b.panicked {
			for range resp {
			}
			if b.n == 0 {
				finished = true
				panic(panicValue)
			}
			panicNext = true
			return b.n, false
		}
		if b.last {
			finished = true
			for range resp {
			}
		}
		return b.n, b.last
	}
	st.stop = func() {
		if started && !finished && !panicNext {
			close(req)
			for range resp {
			}
		}
		finished = true
		if cancel != nil {
			cancel()
		}
	}
	return C.uintptr_t(pygo_cgo.NewHandle(st))
}

type pygoPair[pygoK, pygoV any] struct {
	k pygoK
	v pygoV
}

func pygoPullSeq2[pygoK, pygoV any](seq pygo_iter.Seq2[pygoK, pygoV], enc func(*pygoWriter, pygoK, pygoV), cancel func()) C.uintptr_t {
	var pairs pygo_iter.Seq[pygoPair[pygoK, pygoV]]
	if seq != nil {
		// Not range-over-func: the module's go.mod may name a Go older than 1.23.
		pairs = func(yield func(pygoPair[pygoK, pygoV]) bool) {
			seq(func(k pygoK, v pygoV) bool { return yield(pygoPair[pygoK, pygoV]{k, v}) })
		}
	}
	return pygoPullSeq(pairs, func(w *pygoWriter, p pygoPair[pygoK, pygoV]) { enc(w, p.k, p.v) }, cancel)
}

// pygoPullChan: a channel Python receives from. The first item of a pull waits at most 20 ms
// (the C side checks for Ctrl-C and asks again); more items are taken only if already there.
func pygoPullChan[pygoT any](ch <-chan pygoT, enc func(*pygoWriter, pygoT), cancel func()) C.uintptr_t {
	st := &pygoIterState{stop: cancel, cancel: cancel}
	st.pull = func(n int, w *pygoWriter) (int, bool) {
		if ch == nil {
			return 0, true
		}
		timer := pygo_time.NewTimer(20 * pygo_time.Millisecond)
		defer timer.Stop()
		select {
		case v, ok := <-ch:
			if !ok {
				return 0, true
			}
			enc(w, v)
		case <-timer.C:
			return 0, false
		}
		count := 1
		for count < n && len(w.b) < pygoBatchBytes {
			select {
			case v, ok := <-ch:
				if !ok {
					return count, true
				}
				enc(w, v)
				count++
			default:
				return count, false
			}
		}
		return count, false
	}
	return C.uintptr_t(pygo_cgo.NewHandle(st))
}

// pygo_iter_next pulls up to want items, encoded into out (or malloc'd memory if they do not fit).
//
//export pygo_iter_next
func pygo_iter_next(h C.uintptr_t, want C.int, out *C.pygo_scratch, pygoErr *C.pygo_error, pygoScratch *C.pygo_scratch) (n C.int, done C.int, p *C.char, pn C.size_t) {
	defer pygoRecover(pygoErr, pygoScratch)
	st := pygo_cgo.Handle(h).Value().(*pygoIterState)
	if !st.busy.TryLock() {
		panic("pygo-tools: a Go iterator was pulled from two threads at once")
	}
	defer st.busy.Unlock()
	w := &pygoWriter{b: st.buf[:0]}
	count, fin := st.pull(int(want), w)
	st.buf = w.b
	if cap(st.buf) > 1<<20 {
		st.buf = nil
	}
	n = C.int(count)
	if fin {
		done = 1
	}
	p, pn = pygoOutBytes(w.b, out)
	return
}

// pygo_iter_stop ends the Go side (a suspended seq returns, a context is cancelled) and deletes
// the handle. Never called while a pygo_iter_next of the same handle runs.
//
//export pygo_iter_stop
func pygo_iter_stop(h C.uintptr_t) {
	defer func() { recover() }()
	handle := pygo_cgo.Handle(h)
	defer handle.Delete()
	st := handle.Value().(*pygoIterState)
	st.busy.Lock()
	defer st.busy.Unlock()
	if st.stop != nil {
		st.stop()
	}
}

// pygo_iter_cancel: what can end a waiting pull from outside it (a channel call's context), for
// close() from another thread while a pull waits.
//
//export pygo_iter_cancel
func pygo_iter_cancel(h C.uintptr_t) {
	defer func() { recover() }()
	if st := pygo_cgo.Handle(h).Value().(*pygoIterState); st.cancel != nil {
		st.cancel()
	}
}
`
