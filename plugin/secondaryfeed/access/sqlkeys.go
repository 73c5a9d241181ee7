package access

import (
	"context"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
	"github.com/hostdns/hostdns/plugin/pkg/xfrmeta"
)

// SQLKeys reads every key of the tsigkeys table of st, for a setup that
// can reach the database and wants its keys to verify transfers (through
// AddSecrets): they are the ones at setup time, new ones need a reload. A
// row that does not check (say HMAC-MD5, which miekg/dns no longer does) is
// left out with an error.
func SQLKeys(ctx context.Context, st *sqlstore.Store) (map[string]xfrmeta.Key, []error) {
	rows, err := st.TSIGKeys(ctx)
	if err != nil {
		return nil, []error{err}
	}
	keys := map[string]xfrmeta.Key{}
	var errs []error
	for _, r := range rows {
		k, err := xfrmeta.ParseKey(r.Name, r.Algorithm, r.Secret)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		keys[k.Name] = k
	}
	return keys, errs
}
