//go:build !linux

package netlab

// Stage needs Linux TUN devices and tc; New skips elsewhere, so this is
// never reached in a test.
type Stage struct{ ns *NS }

// NewStage fails the test: stages exist only on Linux.
func (ns *NS) NewStage(iface string) *Stage {
	ns.lab.t.Fatalf("netlab: impairment stages need Linux")
	return nil
}

// Set is never reached (see NewStage).
func (st *Stage) Set(im Impairment) {}

// Stats is never reached (see NewStage).
func (st *Stage) Stats() StageStats { return StageStats{} }

// Iface is never reached (see NewStage).
func (st *Stage) Iface() string { return "" }
