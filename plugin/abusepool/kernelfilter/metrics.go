package kernelfilter

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Summed over the filters of the process; no labels.
var (
	prefixesLoaded = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "abusepool",
		Name:      "kernel_prefixes",
		Help:      "Source prefixes in the kernel socket filters (kernel_drop).",
	})
	prefixesOmitted = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "abusepool",
		Name:      "kernel_prefixes_omitted",
		Help:      "Drop prefixes that did not fit in the kernel socket filters; the handler still drops their queries.",
	})
	socketsFiltered = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "abusepool",
		Name:      "kernel_sockets",
		Help:      "UDP sockets carrying a kernel_drop socket filter.",
	})
	_ = promauto.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "abusepool",
		Name:      "kernel_socket_drops",
		Help:      "Packets the filtered UDP sockets dropped since they were opened (sk_drops): filter drops and receive-buffer overflows together.",
	}, socketDrops)
)
