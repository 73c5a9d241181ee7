package sqlbackend

import (
	"bytes"
	golog "log"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/sqlbackend/zoneset"
)

// TestProgress: a full load says how far it got at most every progressEvery,
// with counts and rates.
func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	golog.SetOutput(&buf)
	t.Cleanup(func() { golog.SetOutput(os.Stderr) })

	start := time.Unix(1000, 0)
	p := newProgress(start)
	l := zoneset.New(0, nil, zoneset.Metrics{}).NewLoad(map[int64]string{})
	p.rows = 500
	p.zone(l, start.Add(time.Second))
	if buf.Len() != 0 {
		t.Fatalf("logged after 1s: %q", buf.String())
	}
	p.rows = 1000
	p.zone(l, start.Add(10*time.Second))
	if got := buf.String(); !strings.Contains(got, "Loading: 0 zones, 1000 rows read in 10s (100 rows/s, 0 zones/s)") {
		t.Errorf("after 10s: %q", got)
	}
	buf.Reset()
	p.zone(l, start.Add(12*time.Second))
	if buf.Len() != 0 {
		t.Errorf("logged again 2s later: %q", buf.String())
	}
}
