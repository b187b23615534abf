package progress

import (
	"bytes"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/checks"
)

// breaksLater accepts writes until armed, then panics, as a bug in the
// drawing code would; once armed, only the spinner's goroutine writes.
type breaksLater struct {
	bytes.Buffer
	armed atomic.Bool
	broke chan struct{}
}

func (w *breaksLater) Write(p []byte) (int, error) {
	if w.armed.Load() {
		select {
		case <-w.broke:
		default:
			close(w.broke)
		}
		panic("drawing failed")
	}
	return w.Buffer.Write(p)
}

func (w *breaksLater) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// A panic in the spinner's goroutine would end the process past main's
// recover (exit 2 and a stack dump); Stop raises it again on the caller's
// goroutine instead, with the original stack.
func TestSpinnerPanicReachesStop(t *testing.T) {
	w := &breaksLater{broke: make(chan struct{})}
	sys := named{"system", "System basics"}
	d := New(w, []checks.Check{sys}, Options{Width: 60})
	d.Start()
	d.Started(sys) // a running check: the spinner redraws it every tick
	w.armed.Store(true)
	select {
	case <-w.broke:
	case <-time.After(10 * time.Second):
		t.Fatal("the spinner never drew again")
	}
	// The lock is free: a check reporting progress does not hang on it
	// (its own write panics, on its own goroutine, as it would have).
	func() {
		defer func() { _ = recover() }()
		d.Progress(sys, "still here")
	}()

	defer func() {
		v := recover()
		var p *Panic
		err, _ := v.(error)
		if !errors.As(err, &p) || p.Value != "drawing failed" || !strings.Contains(string(p.Stack), "progress.(*Display).animate") {
			t.Errorf("Stop raised %v, want the spinner's panic with its stack", v)
		}
	}()
	d.Stop()
	t.Error("Stop returned after the spinner panicked")
}
