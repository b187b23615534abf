package netlab

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Impairment is what one direction of a link does to the packets that
// cross it. The zero value is a clean link. The stage applies, in order:
// random loss on arrival, the rate limiter's tail-drop queue, then the
// one-way delay with its jitter; so with a rate set, the queueing delay
// comes on top of Delay, as on a real bottleneck.
type Impairment struct {
	// Delay is the one-way delay added to every packet.
	Delay time.Duration
	// Jitter spreads each packet's delay uniformly over
	// [Delay-Jitter, Delay+Jitter] (clamped at zero): a flat distribution
	// has a known mean |Δ| (J·2/3 for two independent draws), so tests can
	// derive what a jitter estimator should read. Unless Reorder is set, a
	// packet never leaves before the one ahead of it, which shifts the
	// delays of packets sent closer together than 2·Jitter upwards.
	Jitter time.Duration
	// Loss is the probability, 0 to 1, that a packet is dropped,
	// independently of every other packet.
	Loss float64
	// Rate is the link's capacity in bits per second, counted on whole IP
	// packets (headers included); 0 means unlimited.
	Rate int64
	// Queue is the size of the tail-drop queue in front of the rate
	// limiter, as the time it takes to drain at Rate: a packet that would
	// wait longer is dropped. This queue is the link's bufferbloat. Zero
	// means DefaultQueue; it has no effect without Rate.
	Queue time.Duration
	// Reorder lets jitter reorder packets, like a link with parallel paths.
	Reorder bool
	// Seed makes the loss and jitter sequence repeatable; 0 picks a random
	// seed.
	Seed uint64
}

// DefaultQueue is the queue of a rate-limited link when Impairment.Queue is
// zero: 50 ms is a modest home router buffer, deep enough for TCP to fill
// the link and shallow enough not to count as bufferbloat.
const DefaultQueue = 50 * time.Millisecond

// maxQueuedPackets bounds the stage's memory whatever the settings: at
// 1,500 bytes a packet this is 96 MB, more than a gigabit link holds in
// 500 ms of delay.
const maxQueuedPackets = 1 << 16

// Validate reports settings that cannot be realised.
func (im Impairment) Validate() error {
	switch {
	case im.Delay < 0 || im.Jitter < 0 || im.Queue < 0:
		return fmt.Errorf("netlab: impairment %+v: durations must not be negative", im)
	case im.Loss < 0 || im.Loss > 1:
		return fmt.Errorf("netlab: impairment loss %v: want a probability from 0 to 1", im.Loss)
	case im.Rate < 0:
		return fmt.Errorf("netlab: impairment rate %d: want bits per second, 0 for unlimited", im.Rate)
	case im.Delay > 10*time.Second || im.Jitter > 10*time.Second || im.Queue > 10*time.Second:
		// Longer than any test waits: a mistake in units, not a setting.
		return fmt.Errorf("netlab: impairment %+v: durations above 10 s are not a link", im)
	}
	return nil
}

// String reads like a tc command line, for test names and tables.
func (im Impairment) String() string {
	s := fmt.Sprintf("delay %v", im.Delay)
	if im.Jitter > 0 {
		s += fmt.Sprintf(" ±%v", im.Jitter)
	}
	if im.Loss > 0 {
		s += fmt.Sprintf(" loss %.3g%%", im.Loss*100)
	}
	if im.Rate > 0 {
		q := im.Queue
		if q == 0 {
			q = DefaultQueue
		}
		s += fmt.Sprintf(" rate %s queue %v", FormatRate(im.Rate), q)
	}
	return s
}

// FormatRate prints bits per second with a unit ("20 Mbit/s").
func FormatRate(bps int64) string {
	switch {
	case bps >= 1e9 && bps%1e7 == 0:
		return fmt.Sprintf("%g Gbit/s", float64(bps)/1e9)
	case bps >= 1e6:
		return fmt.Sprintf("%g Mbit/s", float64(bps)/1e6)
	case bps >= 1e3:
		return fmt.Sprintf("%g kbit/s", float64(bps)/1e3)
	}
	return fmt.Sprintf("%d bit/s", bps)
}

// StageStats counts what a stage did since it started.
type StageStats struct {
	Packets  uint64 // packets that arrived
	Bytes    uint64 // their IP bytes
	Lost     uint64 // dropped by random loss
	Overflow uint64 // dropped because the rate limiter's queue was full
	Sent     uint64 // packets delivered onward
	// Late is the time, summed over the packets sent, by which each left
	// after its release time: the machine's own delay, not the link's. A
	// busy machine (the stage's thread waiting for a CPU) shows here;
	// Late/Sent is the mean a test can hold against its figures.
	Late time.Duration
}

// shaper is the stage's decision logic, apart from its packet I/O so that
// it is tested without a kernel: for each arriving packet it says whether
// to drop it and when to release it.
type shaper struct {
	mu       sync.Mutex
	im       Impairment
	rng      *rand.Rand
	linkFree time.Time // when the rate limiter finishes the packets queued so far
	last     time.Time // release time of the latest packet, for FIFO order
	stats    StageStats
}

func newShaper() *shaper {
	s := &shaper{}
	s.set(Impairment{})
	return s
}

func (s *shaper) set(im Impairment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seed := im.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s.im = im
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	// A new setting starts with an empty queue: packets already scheduled
	// keep their release times.
	s.linkFree = time.Time{}
}

// decide returns the release time of a packet of size bytes arriving at
// now, or drop=true.
func (s *shaper) decide(now time.Time, size int, queued int) (release time.Time, drop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Packets++
	s.stats.Bytes += uint64(size)
	im := s.im
	if im.Loss > 0 && s.rng.Float64() < im.Loss {
		s.stats.Lost++
		return time.Time{}, true
	}
	if queued >= maxQueuedPackets {
		s.stats.Overflow++
		return time.Time{}, true
	}
	depart := now
	if im.Rate > 0 {
		start := now
		if s.linkFree.After(now) {
			start = s.linkFree
		}
		q := im.Queue
		if q == 0 {
			q = DefaultQueue
		}
		if start.Sub(now) > q {
			s.stats.Overflow++
			return time.Time{}, true
		}
		tx := time.Duration(float64(size*8) / float64(im.Rate) * float64(time.Second))
		depart = start.Add(tx)
		s.linkFree = depart
	}
	d := im.Delay
	if im.Jitter > 0 {
		d += time.Duration((s.rng.Float64()*2 - 1) * float64(im.Jitter))
		if d < 0 {
			d = 0
		}
	}
	release = depart.Add(d)
	if !im.Reorder && release.Before(s.last) {
		release = s.last
	}
	if release.After(s.last) {
		s.last = release
	}
	return release, false
}

// sent counts a packet delivered late after its release time.
func (s *shaper) sent(late time.Duration) {
	s.mu.Lock()
	s.stats.Sent++
	s.stats.Late += max(late, 0)
	s.mu.Unlock()
}

func (s *shaper) snapshot() StageStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// packet is one queued packet with its release time; seq keeps packets
// with equal release times in arrival order.
type packet struct {
	release time.Time
	seq     uint64
	data    []byte
}

// packetHeap orders packets by release time, then arrival.
type packetHeap []packet

func (h packetHeap) Len() int { return len(h) }
func (h packetHeap) Less(i, j int) bool {
	if !h[i].release.Equal(h[j].release) {
		return h[i].release.Before(h[j].release)
	}
	return h[i].seq < h[j].seq
}
func (h packetHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *packetHeap) Push(x any)   { *h = append(*h, x.(packet)) }
func (h *packetHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	old[len(old)-1] = packet{}
	*h = old[:len(old)-1]
	return p
}

var _ heap.Interface = (*packetHeap)(nil)
