package latency

import "math"

// The E-model of ITU-T G.107 (06/2015) with its default parameters
// (Table 3), leaving delay, codec and loss to the caller. With everything
// else at its default it gives R = 93.2 (MOS 4.41), the model's own anchor.
const (
	defSLR  = 8.0   // send loudness rating, dB
	defRLR  = 2.0   // receive loudness rating, dB
	defSTMR = 15.0  // sidetone masking rating, dB
	defLSTR = 18.0  // listener sidetone rating, dB
	defDs   = 3.0   // D-value of the telephone, send side
	defTELR = 65.0  // talker echo loudness rating, dB: a working echo canceller
	defWEPL = 110.0 // weighted echo path loss, dB
	defQdu  = 1.0   // quantising distortion units
	defNc   = -70.0 // circuit noise, dBm0p
	defNfor = -64.0 // noise floor at the receive side, dBmp
	defPs   = 35.0  // room noise at the send side, dB(A)
	defPr   = 35.0  // room noise at the receive side, dB(A)
)

// codec holds the two codec figures the E-model needs (ITU-T G.113
// Appendix I): Ie, the equipment impairment, and Bpl, the robustness to
// random packet loss.
type codec struct {
	Name    string
	Ie, Bpl float64
}

// callCodec is G.711 with packet-loss concealment (G.113 Appendix I:
// Ie = 0, Bpl = 25.1), the reference narrowband codec: modern call apps
// (Opus, SILK, Satin) conceal loss at least as well, so this errs on the
// strict side without assuming any vendor's codec.
var callCodec = codec{Name: "G.711 with packet-loss concealment", Ie: 0, Bpl: 25.1}

// eModel is the result of one E-model computation.
type eModel struct {
	R, MOS float64
	// Delay is the effective one-way delay used, in milliseconds.
	Delay float64
}

// effectiveDelay turns ping figures into the one-way mouth-to-ear delay
// the E-model needs: half the round trip, plus a jitter buffer of twice
// the jitter, plus 10 ms of codec and packetisation delay.
func effectiveDelay(rttMS, jitterMS float64) float64 {
	return rttMS/2 + 2*jitterMS + 10
}

// rFactor computes R for a call with one-way delay ms (T = Ta, round trip
// Tr = 2T), random packet loss in percent, and codec c.
func rFactor(delayMS, lossPct float64, c codec) eModel {
	T, Ta, Tr := delayMS, delayMS, 2*delayMS
	ppl := math.Max(0, math.Min(lossPct, 100))

	// Basic signal-to-noise ratio Ro.
	olr := defSLR + defRLR
	nos := defPs - defSLR - defDs - 100 + 0.004*sq(defPs-olr-defDs-14)
	pre := defPr + 10*math.Log10(1+math.Pow(10, (10-defLSTR)/10))
	nor := defRLR - 121 + pre + 0.008*sq(pre-35)
	nfo := defNfor + defRLR
	no := 10 * math.Log10(math.Pow(10, defNc/10)+math.Pow(10, nos/10)+math.Pow(10, nor/10)+math.Pow(10, nfo/10))
	ro := 15 - 1.5*(defSLR+no)

	// Simultaneous impairments Is.
	xolr := olr + 0.2*(64+no-defRLR)
	iolr := 20 * (math.Pow(1+math.Pow(xolr/8, 8), 1.0/8) - xolr/8)
	stmro := -10 * math.Log10(math.Pow(10, -defSTMR/10)+math.Exp(-T/4)*math.Pow(10, -defTELR/10))
	ist := 12*math.Pow(1+math.Pow((stmro-13)/6, 8), 1.0/8) -
		28*math.Pow(1+math.Pow((stmro+1)/19.4, 35), 1.0/35) -
		13*math.Pow(1+math.Pow((stmro-3)/33, 13), 1.0/13) + 29
	q := 37 - 15*math.Log10(defQdu)
	g := 1.07 + 0.258*q + 0.0602*q*q
	y := (ro-100)/15 + 46/8.4 - g/9
	z := 46.0/30 - g/40
	iq := 15 * math.Log10(1+math.Pow(10, y)+math.Pow(10, z))
	is := iolr + ist + iq

	// Delay impairments Id: talker echo, listener echo, absolute delay.
	roe := -1.5 * (no - defRLR)
	terv := defTELR - 40*math.Log10((1+T/10)/(1+T/150)) + 6*math.Exp(-0.3*T*T)
	re := 80 + 2.5*(terv-14)
	idte := ((roe-re)/2 + math.Sqrt(sq(roe-re)/4+100) - 1) * (1 - math.Exp(-T))
	rle := 10.5 * (defWEPL + 7) * math.Pow(Tr+1, -0.25)
	idle := (ro-rle)/2 + math.Sqrt(sq(ro-rle)/4+169)
	var idd float64
	if Ta > 100 {
		x := math.Log10(Ta/100) / math.Log10(2)
		idd = 25 * (math.Pow(1+math.Pow(x, 6), 1.0/6) - 3*math.Pow(1+math.Pow(x/3, 6), 1.0/6) + 2)
	}
	id := idte + idle + idd

	// Effective equipment impairment with random loss (BurstR = 1).
	ieEff := c.Ie + (95-c.Ie)*ppl/(ppl+c.Bpl)

	r := ro - is - id - ieEff
	return eModel{R: r, MOS: mos(r), Delay: delayMS}
}

// mos maps R to the estimated mean opinion score (G.107 Annex B).
func mos(r float64) float64 {
	switch {
	case r <= 0:
		return 1
	case r >= 100:
		return 4.5
	}
	return 1 + 0.035*r + r*(r-60)*(100-r)*7e-6
}

func sq(x float64) float64 { return x * x }

// Call quality, from R by the user-satisfaction bands of ITU-T G.109:
// R >= 80 "satisfied" or better, 70-80 "some users dissatisfied", below
// 70 "many users dissatisfied" or worse.
const (
	qualityGood = "good"
	qualityFair = "fair"
	qualityPoor = "poor"
)

const (
	rGood = 80.0
	rFair = 70.0
)

func qualityOf(r float64) string {
	switch {
	case r >= rGood:
		return qualityGood
	case r >= rFair:
		return qualityFair
	}
	return qualityPoor
}
