package stunprobe

import (
	"testing"
	"time"
)

// TestBudgets: the constants keep their promises to each other.
func TestBudgets(t *testing.T) {
	if ProbeTimeout >= Budget {
		t.Errorf("ProbeTimeout %v must leave room inside Budget %v", ProbeTimeout, Budget)
	}
	// The sends that fit in one probe: at least three, so two losses
	// still leave an answer.
	at, rto, sends := time.Duration(0), firstRTO, 0
	for sends < maxSends && at < ProbeTimeout {
		sends++
		at += rto
		rto *= 2
	}
	if sends < 3 {
		t.Errorf("only %d UDP requests fit in %v", sends, ProbeTimeout)
	}
	if closeGrace >= Budget-ProbeTimeout {
		t.Errorf("closeGrace %v eats the margin between ProbeTimeout and Budget", closeGrace)
	}
	if turnStreamRTO < ProbeTimeout {
		t.Errorf("turnStreamRTO %v would resend on a stream inside a probe", turnStreamRTO)
	}
}
