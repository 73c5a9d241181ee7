package autocert

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/caddyserver/certmagic"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func count(result string) float64 {
	return testutil.ToFloat64(certificatesTotal.WithLabelValues(result))
}

// newTestManager builds a Manager that never reaches a CA: decide and onEvent only.
func newTestManager(t *testing.T, allowed func(context.Context, string) bool, rate int) *Manager {
	t.Helper()
	m, err := New(Config{CA: "https://ca.invalid/dir", Storage: "dir:" + t.TempDir(), Allowed: allowed, RateLimit: rate})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m
}

func TestDecideAsksAllowed(t *testing.T) {
	var asked []string
	m := newTestManager(t, func(ctx context.Context, host string) bool {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("Allowed called without a deadline")
		}
		asked = append(asked, host)
		return host == "www.example.test"
	}, 0)
	refused := count(resultRefused)
	if err := m.decide(context.Background(), "www.example.test"); err != nil {
		t.Errorf("www.example.test refused: %v", err)
	}
	if err := m.decide(context.Background(), "evil.example.test"); !errors.Is(err, errRefused) {
		t.Errorf("evil.example.test: %v, want refused", err)
	}
	if want := []string{"www.example.test", "evil.example.test"}; !reflect.DeepEqual(asked, want) {
		t.Errorf("asked %v, want %v", asked, want)
	}
	if got := count(resultRefused) - refused; got != 1 {
		t.Errorf("refused counted %v times, want 1", got)
	}
}

func TestDecideWithoutAllowedRefusesAll(t *testing.T) {
	m := newTestManager(t, nil, 0)
	if err := m.decide(context.Background(), "www.example.test"); !errors.Is(err, errRefused) {
		t.Errorf("no Allowed: %v, want refused", err)
	}
}

// TestRateLimitAtObtaining: new issuances beyond the limit are aborted without retry,
// renewals are not limited, and outcomes are counted by kind.
func TestRateLimitAtObtaining(t *testing.T) {
	m := newTestManager(t, func(context.Context, string) bool { return true }, 2)
	limited, issued, renewed, failed := count(resultRateLimited), count(resultIssued), count(resultRenewed), count(resultFailed)
	ctx := context.Background()
	for i := range 2 {
		if err := m.onEvent(ctx, "cert_obtaining", map[string]any{"identifier": "a.test"}); err != nil {
			t.Fatalf("issuance %d refused: %v", i+1, err)
		}
	}
	err := m.onEvent(ctx, "cert_obtaining", map[string]any{"identifier": "c.test"})
	var noRetry certmagic.ErrNoRetry
	if !errors.As(err, &noRetry) || !errors.Is(err, errRateLimited) {
		t.Fatalf("third issuance: %v, want ErrNoRetry{rate limited}", err)
	}
	if err := m.onEvent(ctx, "cert_obtaining", map[string]any{"identifier": "a.test", "renewal": true}); err != nil {
		t.Errorf("renewal limited: %v", err)
	}
	m.onEvent(ctx, "cert_obtained", map[string]any{"renewal": false})
	m.onEvent(ctx, "cert_obtained", map[string]any{"renewal": true})
	m.onEvent(ctx, "cert_failed", map[string]any{"renewal": false})
	for _, c := range []struct {
		result string
		before float64
	}{{resultRateLimited, limited}, {resultIssued, issued}, {resultRenewed, renewed}, {resultFailed, failed}} {
		if got := count(c.result) - c.before; got != 1 {
			t.Errorf("%s counted %v times, want 1", c.result, got)
		}
	}
}

func TestTLSConfigProtocols(t *testing.T) {
	m := newTestManager(t, nil, 0)
	c := m.TLSConfig()
	if want := []string{"h2", "http/1.1", "acme-tls/1"}; !reflect.DeepEqual(c.NextProtos, want) {
		t.Errorf("NextProtos %v, want %v", c.NextProtos, want)
	}
	if c.GetCertificate == nil {
		t.Error("no GetCertificate")
	}
}

func TestChildKeys(t *testing.T) {
	below := []string{"certs/ca/a.test/a.test.crt", "certs/ca/a.test/a.test.key", "certs/ca/b.test/b.test.crt", "certs/x"}
	if got, want := childKeys("certs", below, false), []string{"certs/ca", "certs/x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("non-recursive: %v, want %v", got, want)
	}
	want := []string{"certs/ca", "certs/ca/a.test", "certs/ca/a.test/a.test.crt", "certs/ca/a.test/a.test.key",
		"certs/ca/b.test", "certs/ca/b.test/b.test.crt", "certs/x"}
	if got := childKeys("certs", below, true); !reflect.DeepEqual(got, want) {
		t.Errorf("recursive: %v, want %v", got, want)
	}
	if got, want := childKeys("", []string{"a/b", "c"}, false), []string{"a", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("root: %v, want %v", got, want)
	}
}
