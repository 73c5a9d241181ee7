package notify

import "github.com/hostdns/hostdns/plugin/pkg/xfrmeta"

// Target is a secondary to NOTIFY: its address (host:port) and the key that
// signs the NOTIFY, nil for unsigned.
type Target struct {
	Addr string
	Key  *xfrmeta.Key
}

// signer returns the key name, "" for unsigned, for logs and metrics.
func (t Target) signer() string {
	if t.Key == nil {
		return ""
	}
	return t.Key.Name
}
