package urlredirect

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkServeHTTP is the redirector's handler alone, its record in the memo: what a
// redirect costs beyond net/http's own work (test/bench/urlredirect.sh measures the whole).
func BenchmarkServeHTTP(b *testing.B) {
	z := newZone(b, `go.example.org. 300 IN URL "https://www.example.com/landing?src=dns" 302`)
	r := newTestRedirect(z, true)
	req := httptest.NewRequest(http.MethodGet, "http://go.example.org/some/path?x=1", nil)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != http.StatusFound {
		b.Fatalf("status %d, want 302", w.Code)
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
	}
}
