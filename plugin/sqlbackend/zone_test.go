package sqlbackend

import (
	"bytes"
	golog "log"
	"os"
	"strings"
	"testing"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

func TestBadRowLoggedOnce(t *testing.T) {
	var buf bytes.Buffer
	golog.SetOutput(&buf)
	defer golog.SetOutput(os.Stderr)
	rows := []sqlstore.Row{
		{ID: 1, Name: "once.example", Type: "SOA", Content: "ns1.example.net hostmaster.example.net 1 7200 3600 1209600 300", TTL: 300},
		{ID: 2, Name: "www.once.example", Type: "A", Content: "not-an-address", TTL: 300},
	}
	for i := 0; i < 3; i++ {
		if b := buildZone("once.example.", rows, nil); b.zone == nil || b.bad != 1 {
			t.Fatalf("build %d: %+v", i, b)
		}
	}
	rows[1].Content = "also-not-an-address" // a different bad row is logged
	buildZone("once.example.", rows, nil)
	if n := strings.Count(buf.String(), "skipping record 2"); n != 2 {
		t.Errorf("bad row logged %d times over 4 builds with 2 different contents, want 2:\n%s", n, buf.String())
	}
}
