package urlredirect

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLimitBody: a body is capped at maxBodyBytes; a request without one keeps http.NoBody.
func TestLimitBody(t *testing.T) {
	var read int
	var readErr error
	var body io.ReadCloser
	h := limitBody(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		body = r.Body
		var n int64
		n, readErr = io.Copy(io.Discard, r.Body)
		read = int(n)
	}))
	big := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", 4*maxBodyBytes)))
	h.ServeHTTP(httptest.NewRecorder(), big)
	if read != maxBodyBytes || readErr == nil {
		t.Errorf("a %d-byte body: read %d bytes, error %v; want %d and an error", 4*maxBodyBytes, read, readErr, maxBodyBytes)
	}
	none := httptest.NewRequest(http.MethodGet, "/", nil)
	h.ServeHTTP(httptest.NewRecorder(), none)
	if body != http.NoBody || read != 0 || readErr != nil {
		t.Errorf("no body: handler saw %T, read %d, %v; want http.NoBody, nothing read", body, read, readErr)
	}
}
