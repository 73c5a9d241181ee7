package urlredirect

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"
)

func TestAccessLog(t *testing.T) {
	z := newZone(t, `go.example.org. 120 IN URL "https://www.example.com/" 302`)
	var out bytes.Buffer
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	a := &accessLog{next: newTestRedirect(z, false), out: &out, now: func() time.Time { return at }}
	req := httptest.NewRequest("GET", "/x?y=1", nil)
	req.Host = "go.example.org"
	req.RemoteAddr = "192.0.2.1:5555"
	req.Header.Set("User-Agent", "ua \"quoted\"\n\xff")
	req.Header.Set("Referer", "")
	a.ServeHTTP(httptest.NewRecorder(), req)
	want := `192.0.2.1 - - [05/Dec/2026:10:00:00 +0000] "GET /x?y=1 HTTP/1.1" 302 45 "-" "ua \"quoted\"\x0a\xff"` + "\n"
	if out.String() != want {
		t.Errorf("got  %q\nwant %q", out.String(), want)
	}
}
