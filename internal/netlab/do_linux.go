package netlab

import (
	"fmt"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// Do runs fn on an OS thread switched into the namespace and returns its
// error. Sockets that fn creates belong to the namespace for their whole
// life, so a listener or connection made inside fn keeps working after Do
// returns, from any goroutine.
//
// fn runs on a goroutine of its own (so the caller's thread is never
// switched): it must not call t.Fatal, and goroutines it starts run in
// the host namespace, as does Go's name resolution (it uses goroutines),
// so create sockets directly in fn and dial IP literals. A panic in fn is
// re-raised in the caller.
func (ns *NS) Do(fn func() error) error {
	target, err := unix.Open(filepath.Join(runNetns, ns.name), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("netlab: open namespace %s: %w", ns.name, err)
	}
	defer unix.Close(target)

	type result struct {
		err      error
		panic    any
		panicked bool
	}
	done := make(chan result, 1)
	go func() {
		// The thread is unlocked only once it is back in the host
		// namespace; if that fails the goroutine ends still locked and
		// the Go runtime destroys the thread instead of reusing it.
		runtime.LockOSThread()
		self, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("netlab: open own namespace: %w", err)}
			return
		}
		defer unix.Close(self)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("netlab: enter namespace %s: %w", ns.name, err)}
			return
		}
		var r result
		func() {
			defer func() {
				if p := recover(); p != nil {
					r.panic, r.panicked = p, true
				}
			}()
			r.err = fn()
		}()
		if err := unix.Setns(self, unix.CLONE_NEWNET); err != nil {
			if r.err == nil {
				r.err = fmt.Errorf("netlab: leave namespace %s: %w", ns.name, err)
			}
			done <- r
			return // still locked: the thread is discarded
		}
		runtime.UnlockOSThread()
		done <- r
	}()
	r := <-done
	if r.panicked {
		panic(r.panic)
	}
	return r.err
}

// killPID sends SIGKILL; an error means the process is already gone.
func killPID(pid int) { _ = unix.Kill(pid, unix.SIGKILL) }
