package version

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// buildInfo sits beside CoreDNS's own coredns_build_info, which always reports the CoreDNS
// release (1.15.0) and so cannot tell two hostdns builds apart.
var buildInfo = promauto.NewGaugeVec(prometheus.GaugeOpts{
	Namespace: plugin.Namespace,
	Subsystem: "hostdns",
	Name:      "build_info",
	Help:      "A metric with a constant '1' value labeled by the hostdns version and revision, and the CoreDNS and Go versions it was built with.",
}, []string{"version", "revision", "coredns_version", "goversion"})
