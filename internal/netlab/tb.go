package netlab

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// TB is what a Lab needs from its owner: *testing.T and *testing.B satisfy
// it, and Standalone provides one for commands (the calibration and bench
// programs) that build labs outside `go test`.
type TB interface {
	Helper()
	Log(args ...any)
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
	Skipf(format string, args ...any)
	Cleanup(func())
}

// Standalone is a TB for programs: Fatalf and Skip end the program's use
// of the lab by panicking with an error that Try turns back into an error,
// and Close runs the cleanups (namespaces, stages, processes) in reverse
// order, as the testing package does.
type Standalone struct {
	mu       sync.Mutex
	cleanups []func()
	Verbose  bool // print Log/Logf lines to stderr
}

// stop is the panic value of Fatalf and Skip.
type stop struct{ err error }

// Try runs fn and returns the error of a Fatalf or Skip inside it; other
// panics propagate. A program does `if err := netlab.Try(func(){ ... });
// err != nil { ... }` around everything that builds or uses the lab.
func Try(fn func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s, ok := p.(stop)
			if !ok {
				panic(p)
			}
			err = s.err
		}
	}()
	fn()
	return nil
}

// Stop ends the enclosing Try with err, like Fatalf in a test.
func Stop(err error) { panic(stop{err}) }

// ErrSkipped wraps the reason New gives when the machine cannot build labs.
var ErrSkipped = errors.New("netlab: cannot build a lab here")

func (s *Standalone) Helper() {}
func (s *Standalone) Log(args ...any) {
	if s.Verbose {
		fmt.Fprintln(os.Stderr, args...)
	}
}
func (s *Standalone) Logf(format string, args ...any) {
	if s.Verbose {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}
}
func (s *Standalone) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
func (s *Standalone) Fatalf(format string, args ...any) {
	panic(stop{fmt.Errorf(format, args...)})
}
func (s *Standalone) Skip(args ...any) {
	panic(stop{fmt.Errorf("%w: %s", ErrSkipped, fmt.Sprint(args...))})
}
func (s *Standalone) Skipf(format string, args ...any) {
	panic(stop{fmt.Errorf("%w: %s", ErrSkipped, fmt.Sprintf(format, args...))})
}
func (s *Standalone) Cleanup(fn func()) {
	s.mu.Lock()
	s.cleanups = append(s.cleanups, fn)
	s.mu.Unlock()
}

// Close runs the registered cleanups, newest first. It is safe to call
// more than once.
func (s *Standalone) Close() {
	for {
		s.mu.Lock()
		n := len(s.cleanups)
		if n == 0 {
			s.mu.Unlock()
			return
		}
		fn := s.cleanups[n-1]
		s.cleanups = s.cleanups[:n-1]
		s.mu.Unlock()
		fn()
	}
}
