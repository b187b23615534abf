package rttstats

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
	"time"
)

const ms = time.Millisecond

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []time.Duration
		want time.Duration
		ok   bool
	}{
		{"empty", nil, 0, false},
		{"all lost", []time.Duration{Lost, Lost}, 0, false},
		{"one", []time.Duration{7 * ms}, 7 * ms, true},
		{"odd, unsorted", []time.Duration{30 * ms, 10 * ms, 20 * ms}, 20 * ms, true},
		{"even: mean of the middle two", []time.Duration{40 * ms, 10 * ms, 20 * ms, 30 * ms}, 25 * ms, true},
		{"lost left out", []time.Duration{Lost, 10 * ms, Lost, 30 * ms, 20 * ms}, 20 * ms, true},
		{"huge values do not overflow", []time.Duration{math.MaxInt64 - 1, math.MaxInt64 - 3}, math.MaxInt64 - 2, true},
	} {
		in := slices.Clone(tc.in)
		got, ok := Median(in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: Median = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
		if !slices.Equal(in, tc.in) {
			t.Errorf("%s: the input was changed: %v", tc.name, in)
		}
	}
}

func TestQuantile(t *testing.T) {
	ten := []time.Duration{10 * ms, 1 * ms, 2 * ms, 9 * ms, 3 * ms, 8 * ms, 4 * ms, 7 * ms, 5 * ms, 6 * ms}
	for _, tc := range []struct {
		name string
		in   []time.Duration
		q    float64
		want time.Duration
		ok   bool
	}{
		{"empty", nil, 0.9, 0, false},
		{"one", []time.Duration{5 * ms}, 0.9, 5 * ms, true},
		{"p90 of ten", ten, 0.9, 9 * ms, true},
		{"p50 of ten: nearest rank, a measured value", ten, 0.5, 5 * ms, true},
		{"p0 is the minimum", ten, 0, 1 * ms, true},
		{"p100 is the maximum", ten, 1, 10 * ms, true},
		{"p90 of seven: ceil(6.3) = 7th", []time.Duration{1, 2, 3, 4, 5, 6, 7}, 0.9, 7, true},
		{"q below 0 clamps", ten, -1, 1 * ms, true},
		{"q above 1 clamps", ten, 2, 10 * ms, true},
		{"NaN q is the minimum", ten, math.NaN(), 1 * ms, true},
		{"lost left out", []time.Duration{Lost, 3 * ms, Lost, 1 * ms}, 1, 3 * ms, true},
	} {
		got, ok := Quantile(tc.in, tc.q)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: Quantile = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestQuantileCountingLost(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       []time.Duration
		q        float64
		want     time.Duration
		over, ok bool
	}{
		{"empty", nil, 0.5, 0, false, false},
		{"all lost", []time.Duration{Lost, Lost}, 0.5, 0, true, true},
		{"no loss: plain nearest rank", []time.Duration{3 * ms, 1 * ms, 2 * ms, 4 * ms}, 0.5, 2 * ms, false, true},
		{"loss pushes the median up", []time.Duration{1 * ms, Lost, 2 * ms, 3 * ms}, 0.5, 2 * ms, false, true},
		{"rank on a lost probe", []time.Duration{1 * ms, Lost, 2 * ms, Lost}, 0.9, 0, true, true},
		{"median on the last answer", []time.Duration{Lost, 5 * ms}, 0.5, 5 * ms, false, true},
	} {
		got, over, ok := QuantileCountingLost(tc.in, tc.q)
		if got != tc.want || over != tc.over || ok != tc.ok {
			t.Errorf("%s: = %v, over %v, ok %v; want %v, %v, %v", tc.name, got, over, ok, tc.want, tc.over, tc.ok)
		}
	}
}

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []time.Duration
		want Summary
		loss float64
	}{
		{"empty", nil, Summary{}, 0},
		{"one: no jitter yet", []time.Duration{5 * ms}, Summary{Sent: 1, Received: 1, Min: 5 * ms, Mean: 5 * ms, Max: 5 * ms}, 0},
		{"steady: zero jitter, and valid", []time.Duration{5 * ms, 5 * ms}, Summary{Sent: 2, Received: 2, Min: 5 * ms, Mean: 5 * ms, Max: 5 * ms, JitterValid: true}, 0},
		{"mean |Δ| of consecutive", []time.Duration{10 * ms, 20 * ms, 10 * ms, 40 * ms},
			Summary{Sent: 4, Received: 4, Min: 10 * ms, Mean: 20 * ms, Max: 40 * ms, Jitter: (10 + 10 + 30) * ms / 3, JitterValid: true}, 0},
		{"jitter across a lost probe", []time.Duration{10 * ms, Lost, 30 * ms, Lost},
			Summary{Sent: 4, Received: 2, Min: 10 * ms, Mean: 20 * ms, Max: 30 * ms, Jitter: 20 * ms, JitterValid: true}, 50},
		{"all lost", []time.Duration{Lost, Lost, Lost}, Summary{Sent: 3}, 100},
	} {
		got := Summarize(tc.in)
		if got != tc.want {
			t.Errorf("%s: Summarize = %+v, want %+v", tc.name, got, tc.want)
		}
		if l := got.LossPercent(); l != tc.loss {
			t.Errorf("%s: loss %v, want %v", tc.name, l, tc.loss)
		}
		if m, ok := Mean(tc.in); m != tc.want.Mean || ok != (tc.want.Received > 0) {
			t.Errorf("%s: Mean = %v, %v", tc.name, m, ok)
		}
		if j, ok := Jitter(tc.in); j != tc.want.Jitter || ok != tc.want.JitterValid {
			t.Errorf("%s: Jitter = %v, %v", tc.name, j, ok)
		}
	}
}

func TestLossPercent(t *testing.T) {
	for _, tc := range []struct {
		sent, received int
		want           float64
	}{
		{0, 0, 0}, {10, 10, 0}, {10, 9, 10}, {4, 0, 100}, {3, 5, 0}, {-1, 0, 0}, {4, -2, 100},
	} {
		if got := LossPercent(tc.sent, tc.received); got != tc.want {
			t.Errorf("LossPercent(%d, %d) = %v, want %v", tc.sent, tc.received, got, tc.want)
		}
	}
}

// FuzzSeries checks the invariants a report relies on for any series: no
// panic, figures within the samples, a median and quantiles that are
// ordered, a loss within 0-100 and never NaN, and the input unchanged.
func FuzzSeries(f *testing.F) {
	f.Add([]byte{})
	f.Add(binary.LittleEndian.AppendUint64(nil, 5e6))
	f.Add(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, math.MaxUint64), math.MaxInt64))
	f.Add(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, math.MaxInt64), math.MaxInt64-1))
	f.Fuzz(func(t *testing.T, b []byte) {
		var ds []time.Duration
		for ; len(b) >= 8; b = b[8:] {
			ds = append(ds, time.Duration(binary.LittleEndian.Uint64(b)))
		}
		in := slices.Clone(ds)
		st := Summarize(ds)
		med, okMed := Median(ds)
		p10, _ := Quantile(ds, 0.1)
		p90, okP90 := Quantile(ds, 0.9)
		cl, over, okCL := QuantileCountingLost(ds, 0.5)
		loss := st.LossPercent()
		if !slices.Equal(in, ds) {
			t.Fatal("the input was changed")
		}
		if st.Sent != len(ds) || st.Received > st.Sent {
			t.Fatalf("counts %+v for %d probes", st, len(ds))
		}
		if math.IsNaN(loss) || loss < 0 || loss > 100 {
			t.Fatalf("loss %v", loss)
		}
		if okMed != (st.Received > 0) || okP90 != okMed || okCL != (len(ds) > 0) {
			t.Fatalf("ok flags %v %v %v for %+v", okMed, okP90, okCL, st)
		}
		if st.Received == 0 {
			return
		}
		if st.Min < 0 || st.Min > st.Mean || st.Mean > st.Max {
			t.Fatalf("min %v mean %v max %v", st.Min, st.Mean, st.Max)
		}
		if med < st.Min || med > st.Max || p10 > p90 || p10 < st.Min || p90 > st.Max {
			t.Fatalf("median %v p10 %v p90 %v outside %v..%v", med, p10, p90, st.Min, st.Max)
		}
		if st.JitterValid != (st.Received >= 2) || st.Jitter < 0 || st.Jitter > st.Max-st.Min {
			t.Fatalf("jitter %v (valid %v) with %d answers in %v..%v", st.Jitter, st.JitterValid, st.Received, st.Min, st.Max)
		}
		if !over && (cl < st.Min || cl > st.Max) {
			t.Fatalf("median counting lost %v outside %v..%v", cl, st.Min, st.Max)
		}
	})
}
