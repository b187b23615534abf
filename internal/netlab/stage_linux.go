package netlab

import (
	"container/heap"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Stage impairs the packets that arrive on one interface of a namespace.
//
// How packets get to it: a tc u32 filter on the interface's ingress
// (clsact) redirects every IPv4 and IPv6 packet, except IPv6 neighbour
// discovery, to the egress of a TUN device in the same namespace, before
// the IP layer sees it. The stage reads the packet from the TUN device,
// holds it as its Impairment says, and writes it back into the same TUN
// device, where it arrives as if received there and the IP layer routes
// or delivers it as usual. The detour happens before routing, so it costs
// no TTL: a forwarding namespace decrements the TTL once, exactly like a
// router with no stage, and a TTL-limited probe sees each namespace as one
// hop. Reverse-path filtering is off in the namespace, because packets
// from the link's subnet now arrive on the TUN device.
//
// Locally generated packets and ARP are not redirected: each direction of
// a link is impaired where it is received, so a Link puts one Stage at
// each end.
type Stage struct {
	ns    *NS
	iface string // the interface whose ingress is redirected
	tun   string
	file  *os.File
	sh    *shaper

	mu     sync.Mutex
	cond   *sync.Cond
	queue  packetHeap
	seq    uint64
	closed bool

	wg sync.WaitGroup
}

// tunMTU covers the largest packet a veth of the lab carries (1500) with
// room for tests that raise a link's MTU.
const tunMTU = 9000

// readBufSize holds any packet the TUN device can hand over.
const readBufSize = 65536

// NewStage puts a stage on iface's ingress in ns; it is removed when the
// test ends. It starts as a clean link (Set changes that).
func (ns *NS) NewStage(iface string) *Stage {
	t := ns.lab.t
	t.Helper()
	ns.lab.mu.Lock()
	tun := fmt.Sprintf("stage%d", ns.ifs)
	ns.ifs++
	ns.lab.mu.Unlock()

	var fd int
	if err := ns.Do(func() error {
		var err error
		fd, err = openTUN(tun)
		return err
	}); err != nil {
		t.Fatalf("netlab: stage on %s/%s: %v", ns.name, iface, err)
	}
	st := &Stage{ns: ns, iface: iface, tun: tun, file: os.NewFile(uintptr(fd), "/dev/net/tun:"+tun), sh: newShaper()}
	st.cond = sync.NewCond(&st.mu)
	t.Cleanup(st.close)

	ns.ip("link", "set", tun, "mtu", fmt.Sprint(tunMTU), "up")
	for _, dev := range []string{"all", "default", tun, iface} {
		ns.Sysctl("net.ipv4.conf."+dev+".rp_filter", "0")
	}
	ns.Run("tc", "qdisc", "add", "dev", iface, "clsact")
	redirect := []string{"action", "mirred", "egress", "redirect", "dev", tun}
	// Neighbour discovery (ICMPv6 types 133-137) stays on the veth:
	// answered from the TUN device it would resolve nothing. Two masks
	// cover 132-135 and 136-139; the extra types are unused on the lab.
	for _, typ := range []string{"0x84", "0x88"} {
		ns.Run("tc", "filter", "add", "dev", iface, "ingress", "pref", "10", "protocol", "ipv6",
			"u32", "match", "ip6", "protocol", "58", "0xff", "match", "u8", typ, "0xfc", "at", "40", "flowid", "1:1")
	}
	ns.Run("tc", append([]string{"filter", "add", "dev", iface, "ingress", "pref", "20", "protocol", "ipv6",
		"u32", "match", "u32", "0", "0"}, redirect...)...)
	ns.Run("tc", append([]string{"filter", "add", "dev", iface, "ingress", "pref", "30", "protocol", "ip",
		"u32", "match", "u32", "0", "0"}, redirect...)...)

	st.wg.Add(2)
	go st.readLoop()
	go st.writeLoop()
	return st
}

// openTUN creates the TUN device name in the calling thread's namespace
// and returns its non-blocking descriptor. The device lives as long as
// the descriptor: closing it removes the device.
func openTUN(name string) (int, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return -1, fmt.Errorf("open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("tun name %q: %w", name, err)
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("create tun %s: %w", name, err)
	}
	return fd, nil
}

// Set changes the impairment; packets already held keep their release
// times. It calls t.Fatal on settings that cannot be realised.
func (st *Stage) Set(im Impairment) {
	t := st.ns.lab.t
	t.Helper()
	if err := im.Validate(); err != nil {
		t.Fatalf("%v", err)
	}
	st.sh.set(im)
}

// Stats returns the stage's counters.
func (st *Stage) Stats() StageStats { return st.sh.snapshot() }

// Iface names the interface whose arriving packets the stage impairs.
func (st *Stage) Iface() string { return st.iface }

func (st *Stage) readLoop() {
	defer st.wg.Done()
	buf := make([]byte, readBufSize)
	for {
		n, err := st.file.Read(buf)
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			// EAGAIN cannot reach here (the poller waits); anything else
			// means the device is gone.
			st.ns.lab.t.Logf("netlab: stage %s/%s read: %v", st.ns.name, st.iface, err)
			return
		}
		if n == 0 {
			continue
		}
		now := time.Now()
		st.mu.Lock()
		queued := len(st.queue)
		st.mu.Unlock()
		release, drop := st.sh.decide(now, n, queued)
		if drop {
			continue
		}
		data := make([]byte, n)
		copy(data, buf[:n])
		st.mu.Lock()
		st.seq++
		heap.Push(&st.queue, packet{release: release, seq: st.seq, data: data})
		st.cond.Signal()
		st.mu.Unlock()
	}
}

// maxSleep bounds one wait of the writer so that a packet with an earlier
// release (Reorder) or Close is noticed within a millisecond.
const maxSleep = time.Millisecond

// earlyBy is how soon before its release time a packet may go: the
// kernel's sleep overshoots by about this much (timer slack is set to
// 1 µs, wake-up latency remains), so the release times are met on average
// rather than always late.
const earlyBy = 40 * time.Microsecond

func (st *Stage) writeLoop() {
	defer st.wg.Done()
	// The writer sleeps in nanosleep on its own thread: the Go runtime's
	// timers wake up to a millisecond late for short waits, which would
	// add up to 2 ms to every round trip.
	runtime.LockOSThread()
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
	for {
		st.mu.Lock()
		for len(st.queue) == 0 && !st.closed {
			st.cond.Wait()
		}
		if st.closed {
			st.mu.Unlock()
			return
		}
		wait := time.Until(st.queue[0].release) - earlyBy
		if wait > 0 {
			st.mu.Unlock()
			ts := unix.NsecToTimespec(int64(min(wait, maxSleep)))
			_ = unix.Nanosleep(&ts, nil)
			continue
		}
		p := heap.Pop(&st.queue).(packet)
		st.mu.Unlock()
		late := time.Since(p.release)
		if _, err := st.file.Write(p.data); err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			// A packet the kernel refuses (malformed, no route) is dropped,
			// as a router would.
			continue
		}
		st.sh.sent(late)
	}
}

// close stops both loops and removes the TUN device. The tc filter goes
// with the namespace; until then packets to a removed device are dropped.
func (st *Stage) close() {
	st.mu.Lock()
	st.closed = true
	st.cond.Broadcast()
	st.mu.Unlock()
	_ = st.file.Close()
	st.wg.Wait()
}
