package feed

import (
	"context"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// startPosition is taken before a full load, so that nothing that changes
// during the load is missed: the change log's newest id, or with detect
// checksum the fingerprints of every zone (a zone that changes during the
// load is then read again, which is harmless).
func (f *Feed) startPosition(ctx context.Context) (pos int64, err error) {
	st := f.cfg.Store
	if !f.cfg.Checksum {
		err = f.m.Timed("poll", func() (err error) { pos, err = st.MaxChangeID(ctx); return err })
		return pos, err
	}
	err = f.m.Timed("poll", func() (err error) { f.prints, err = st.Fingerprints(ctx); return err })
	return 0, err
}

// pollChecksum compares every zone's fingerprint with the last one seen and
// has the zones whose fingerprint changed applied, as a change of the whole
// zone. A zone that could not be applied keeps its old fingerprint, so it is
// tried again at the next poll.
func (f *Feed) pollChecksum(ctx context.Context) error {
	var now map[int64]sqlstore.Fingerprint
	if err := f.m.Timed("poll", func() (err error) { now, err = f.cfg.Store.Fingerprints(ctx); return err }); err != nil {
		return err
	}
	start := time.Now()
	var changed []string
	apply := func(id int64) error {
		names, err := f.c.Apply(ctx, id, &sqlstore.Touch{Whole: true})
		changed = append(changed, names...)
		return err
	}
	var err error
	for id, fp := range now {
		if old, ok := f.prints[id]; !ok || old != fp {
			if err = apply(id); err != nil {
				break
			}
			f.prints[id] = fp
		}
	}
	for id := range f.prints {
		if _, ok := now[id]; !ok && err == nil {
			if err = apply(id); err == nil {
				delete(f.prints, id)
			}
		}
	}
	if len(changed) > 0 {
		f.m.ChangeApply.Observe(time.Since(start).Seconds())
		f.c.Changed(changed)
	}
	return err
}
