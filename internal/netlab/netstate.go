package netlab

import (
	"bytes"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"
	"time"

	"github.com/wfh-cli/wfh/internal/netstate"
)

// NetConfig is where internal/netstate reads this namespace's network
// state as the real Linux sources do: its own /proc/net, /sys/class/net and
// /etc/resolv.conf (ResolvConf's file), its interfaces through netlink
// from inside it, and its kernel's route choice through sockets made in
// it. A check given netstate.Start(ctx, ns.NetConfig()) sees the lab as a
// program running in the namespace would.
func (ns *NS) NetConfig() netstate.Config {
	return netstate.Config{
		OS:     "linux",
		FS:     nsFS{ns: ns},
		Dialer: ns,
		ListInterfaces: func() (list []netstate.SysInterface, err error) {
			if derr := ns.Do(func() error { list, err = netstate.SystemInterfaces(); return nil }); derr != nil {
				return nil, derr
			}
			return list, err
		},
	}
}

// nsFS reads files as a process in the namespace sees them, with `ip netns
// exec NS cat`: /proc/net and the remounted /sys are the namespace's. Only
// what the network state reads is supported: whole files, and Stat of
// files and directories.
type nsFS struct{ ns *NS }

func (f nsFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	abs := "/" + name
	out, err := run("", "ip", "netns", "exec", f.ns.name, "sh", "-c",
		`if [ -d "$1" ]; then echo dir; elif [ -e "$1" ]; then echo file; cat "$1"; else echo none; fi`, "sh", abs)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	kind, data, _ := bytes.Cut(out, []byte("\n"))
	switch strings.TrimSpace(string(kind)) {
	case "dir":
		m := fstest.MapFS{path.Base(name): &fstest.MapFile{Mode: fs.ModeDir | 0o555, ModTime: time.Now()}}
		return m.Open(path.Base(name))
	case "file":
		m := fstest.MapFS{path.Base(name): &fstest.MapFile{Data: data, Mode: 0o444, ModTime: time.Now()}}
		return m.Open(path.Base(name))
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
