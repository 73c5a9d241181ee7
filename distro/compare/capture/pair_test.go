package capture

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The pairer hands queries on in the order they came: an answered one waits behind an
// unanswered one until pairWindow has passed, and a retransmission with the same id sends the
// first copy on unanswered.
func TestPairer(t *testing.T) {
	var got []string
	st := &Stats{}
	p := newPairer(func(q Query) error {
		s := q.Msg.Question[0].Name
		if q.Response != nil {
			s += " answered"
		}
		got = append(got, s)
		return nil
	}, st)
	t0 := time.Unix(1700000000, 0)
	a, b := query("a.example.", dns.TypeA, 1), query("b.example.", dns.TypeA, 2)
	p.query("udp", "192.0.2.1:1000", a, t0)
	p.query("udp", "192.0.2.1:1000", b, t0)
	p.response("udp", "192.0.2.1:1000", answer(b, ""), t0.Add(time.Millisecond))
	if len(got) != 0 {
		t.Fatalf("b was handed on before a: %v", got)
	}
	// The same id and question from the same client again: a retransmission.
	p.query("udp", "192.0.2.1:1000", query("a.example.", dns.TypeA, 1), t0.Add(time.Second))
	if len(got) != 2 || got[0] != "a.example." || got[1] != "b.example. answered" {
		t.Fatalf("after the retransmission: %v", got)
	}
	// An answer from another client port is not this query's.
	p.response("udp", "192.0.2.1:1001", answer(a, ""), t0.Add(2*time.Second))
	p.query("tcp", "192.0.2.9:5", query("c.example.", dns.TypeMX, 3), t0.Add(pairWindow+2*time.Second))
	if len(got) != 3 || got[2] != "a.example." {
		t.Fatalf("after the window: %v", got)
	}
	p.close()
	if len(got) != 4 || got[3] != "c.example." || st.Queries != 4 || st.Answered != 1 {
		t.Fatalf("after close: %v, %v", got, st)
	}
}
