package urlredirect

import (
	"net/http"
	"strconv"

	"github.com/coredns/coredns/plugin"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics of the urlredirect plugin, all under coredns_urlredirect_.
var (
	dnsAnswers = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "urlredirect",
		Name:      "dns_answers_total",
		Help:      "Counter of A/AAAA queries at URL names answered with the redirector's addresses.",
	}, []string{"server"})

	redirectCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "urlredirect",
		Name:      "redirects_total",
		Help:      "Counter of HTTP redirects sent, by status.",
	}, []string{"status"})

	unknownHostCount = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "urlredirect",
		Name:      "unknown_hosts_total",
		Help:      "Counter of HTTP requests answered 404: no valid URL record for the host.",
	})

	tlsHandshakes = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "urlredirect",
		Name:      "tls_handshakes_total",
		Help:      "Counter of TLS handshakes on the https listeners, by result (ok, error).",
	}, []string{"result"})

	connsInFlight = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "urlredirect",
		Name:      "connections_in_flight",
		Help:      "Open client connections on the redirector's listeners.",
	})
)

// redirectsByStatus are redirectCount's series for the statuses a record can give,
// resolved once: a label lookup at every redirect costs more than the redirect.
var redirectsByStatus = map[int]prometheus.Counter{
	http.StatusMovedPermanently:  redirectCount.WithLabelValues("301"),
	http.StatusFound:             redirectCount.WithLabelValues("302"),
	http.StatusTemporaryRedirect: redirectCount.WithLabelValues("307"),
	http.StatusPermanentRedirect: redirectCount.WithLabelValues("308"),
}

// redirected counts a redirect with status code.
func redirected(code int) {
	if c, ok := redirectsByStatus[code]; ok {
		c.Inc()
		return
	}
	redirectCount.WithLabelValues(strconv.Itoa(code)).Inc()
}
