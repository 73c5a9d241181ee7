package autocert

import (
	"github.com/coredns/coredns/plugin"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Results of certificatesTotal.
const (
	resultIssued      = "issued"      // a new certificate obtained
	resultRenewed     = "renewed"     // an existing one renewed
	resultFailed      = "failed"      // the CA did not issue (challenge failed, CA error)
	resultRefused     = "refused"     // the name holds no URL record: nothing asked of the CA
	resultRateLimited = "ratelimited" // over Config.RateLimit: nothing asked of the CA
)

// certificatesTotal counts certificate decisions and outcomes, by result.
var certificatesTotal = promauto.NewCounterVec(prometheus.CounterOpts{
	Namespace: plugin.Namespace,
	Subsystem: "urlredirect",
	Name:      "certificates_total",
	Help:      "ACME certificates, by result (issued, renewed, failed, refused, ratelimited).",
}, []string{"result"})
