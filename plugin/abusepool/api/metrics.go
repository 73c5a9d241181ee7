package api

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// requests counts API requests by method (GET, HEAD, POST, PUT, DELETE, other) and status code.
var requests = promauto.NewCounterVec(prometheus.CounterOpts{
	Namespace: plugin.Namespace,
	Subsystem: "abusepool",
	Name:      "api_requests_total",
	Help:      "Requests to the abusepool API, by method and status code.",
}, []string{"method", "code"})
