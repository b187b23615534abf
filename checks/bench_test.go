package checks

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wfh-cli/wfh/report"
)

// BenchmarkRunner measures the runner's own cost: 50 checks that return at
// once, so what is timed is scheduling, deadlines and result collection.
func BenchmarkRunner(b *testing.B) {
	var list []Check
	for i := 0; i < 50; i++ {
		c := newFake(fmt.Sprintf("c%d", i), func(context.Context, *Env) Result { return Result{Status: report.Pass} })
		if i%10 == 0 {
			c.needs.LoadsNetwork = true
		}
		list = append(list, c)
	}
	r := &Runner{Timeout: time.Minute}
	b.ReportAllocs()
	for b.Loop() {
		r.Run(context.Background(), list)
	}
}
