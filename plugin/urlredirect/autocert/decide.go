package autocert

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caddyserver/certmagic"
)

// allowedTimeout bounds the question to the DNS chain: it is asked during a client's
// TLS handshake, which must not hang on a slow backend.
const allowedTimeout = 5 * time.Second

var (
	errRefused     = errors.New("no URL record: no certificate for this name")
	errRateLimited = errors.New("certificate issuance rate limit reached")
)

// decide is certmagic's on-demand DecisionFunc: it runs before a certificate is loaded
// from storage or obtained, so a name that lost its URL record gets neither.
func (m *Manager) decide(ctx context.Context, name string) error {
	if m.cfg.Allowed == nil {
		certificatesTotal.WithLabelValues(resultRefused).Inc()
		return fmt.Errorf("%s: %w", name, errRefused)
	}
	ctx, cancel := context.WithTimeout(ctx, allowedTimeout)
	defer cancel()
	if !m.cfg.Allowed(ctx, name) {
		certificatesTotal.WithLabelValues(resultRefused).Inc()
		return fmt.Errorf("%s: %w", name, errRefused)
	}
	return nil
}

// onEvent hooks certmagic's events: it counts outcomes, and applies the rate limit at
// "cert_obtaining", the one point reached only when an order is about to go to the CA
// (after the storage check under the issuance lock), so loading a stored certificate
// never spends the budget.
func (m *Manager) onEvent(_ context.Context, event string, data map[string]any) error {
	renewal, _ := data["renewal"].(bool)
	switch event {
	case "cert_obtaining":
		if renewal || m.limiter.allow() {
			return nil
		}
		certificatesTotal.WithLabelValues(resultRateLimited).Inc()
		// ErrNoRetry: certmagic would otherwise retry with backoff while the client's
		// handshake waits; failing now is what the limit is for.
		return certmagic.ErrNoRetry{Err: errRateLimited}
	case "cert_obtained":
		if renewal {
			certificatesTotal.WithLabelValues(resultRenewed).Inc()
		} else {
			certificatesTotal.WithLabelValues(resultIssued).Inc()
		}
	case "cert_failed":
		certificatesTotal.WithLabelValues(resultFailed).Inc()
	}
	return nil
}
