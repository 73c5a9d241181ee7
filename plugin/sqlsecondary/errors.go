package sqlsecondary

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// The reasons a check or transfer fails, as counted in transfers_total's
// result label: a fixed set, so the label stays bounded.
const (
	reasonTimeout         = "timeout"
	reasonRefused         = "refused"
	reasonNotAuth         = "notauth"
	reasonRcode           = "rcode"
	reasonMalformed       = "malformed"
	reasonTooLarge        = "too_large"
	reasonOutOfZone       = "out_of_zone"
	reasonSerialBackwards = "serial_backwards"
	reasonTSIG            = "tsig"
	reasonNetwork         = "network"
	reasonDatabase        = "database"
	reasonLeaseLost       = "lease_lost"
	reasonIXFRMismatch    = "ixfr_mismatch"
	reasonConfig          = "config"
)

// xfrError is a failed check or transfer with its reason.
type xfrError struct {
	reason string
	err    error
}

func (e *xfrError) Error() string { return e.err.Error() }
func (e *xfrError) Unwrap() error { return e.err }

func errorf(reason, format string, args ...any) error {
	return &xfrError{reason: reason, err: fmt.Errorf(format, args...)}
}

// reasonOf returns the reason of err for the metrics.
func reasonOf(err error) string {
	var x *xfrError
	if errors.As(err, &x) {
		return x.reason
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return reasonTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return reasonTimeout
	}
	for _, e := range []error{dns.ErrAuth, dns.ErrSig, dns.ErrNoSig, dns.ErrTime, dns.ErrKeyAlg, dns.ErrSecret} {
		if errors.Is(err, e) {
			return reasonTSIG
		}
	}
	s := err.Error()
	switch {
	case strings.Contains(s, "tsig") || strings.Contains(s, "TSIG"):
		return reasonTSIG
	case strings.Contains(s, "bad xfr rcode: 5"):
		return reasonRefused
	case strings.Contains(s, "bad xfr rcode: 9"):
		return reasonNotAuth
	case strings.Contains(s, "bad xfr rcode"):
		return reasonRcode
	case strings.Contains(s, "dns: "):
		return reasonMalformed
	}
	return reasonNetwork
}
