package rules

import "net/netip"

// Query is what a rule looks at in a query.
type Query struct {
	Name  string     // lower-case, fully qualified
	Addr  netip.Addr // the client's address
	QType uint16
}
