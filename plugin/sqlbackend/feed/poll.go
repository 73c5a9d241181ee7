package feed

import (
	"context"
	"time"

	"github.com/hostdns/hostdns/plugin/pkg/sqlstore"
)

// pollBatch bounds the changes read by one poll; a bigger backlog is read by
// polling again at once.
const pollBatch = 5000

// fullLoad has every zone read again. The position is taken first: a change
// committed during the load is applied again afterwards, which is harmless,
// rather than missed.
func (f *Feed) fullLoad(ctx context.Context) (*sqlstore.Cursor, error) {
	if err := f.c.Prepare(ctx); err != nil {
		return nil, err
	}
	pos, err := f.startPosition(ctx)
	if err != nil {
		return nil, err
	}
	// The database answered: from now on cold zones load from it, not from
	// a copy. Before the zones are swapped in, so that a load racing the
	// swap reads the database again rather than installing the copy's.
	if err := f.c.Load(ctx, func() { f.down.Store(false) }); err != nil {
		return nil, err
	}
	if f.redis != nil {
		f.redis.start()
	}
	return sqlstore.NewCursor(pos, f.cfg.GapTimeout), nil
}

// poll reads the change log past the cursor and has the domains named there
// applied. A domain that could not be applied stays pending and is tried
// again at the next poll.
func (f *Feed) poll(ctx context.Context, c *sqlstore.Cursor, pending map[int64]*sqlstore.Touch) error {
	for {
		var changes []sqlstore.Change
		if err := f.m.Timed("poll", func() (err error) { changes, err = f.cfg.Store.Changes(ctx, c.Pos, pollBatch); return err }); err != nil {
			return err
		}
		now := time.Now()
		for _, ch := range c.Apply(changes, now) {
			t := pending[ch.DomainID]
			if t == nil {
				t = &sqlstore.Touch{}
				pending[ch.DomainID] = t
			}
			t.Add(ch)
		}
		var newest time.Time
		for _, ch := range changes {
			if ch.At.After(newest) {
				newest = ch.At
			}
		}
		var (
			changed []string
			applied []int64
		)
		for id, t := range pending {
			names, err := f.c.Apply(ctx, id, t)
			if err != nil {
				return err
			}
			applied = append(applied, id)
			delete(pending, id)
			changed = append(changed, names...)
		}
		if len(changed) > 0 {
			f.m.ChangeApply.Observe(time.Since(now).Seconds())
			if !newest.IsZero() {
				f.m.ChangeLag.Observe(time.Since(newest).Seconds())
			}
			f.c.Changed(changed)
			if f.redis != nil {
				f.redis.publish(c.Pos)
			}
		}
		if len(applied) > 0 {
			f.c.Touched(ctx, applied) // after the publish: not on the other nodes' path
		}
		if len(changes) < pollBatch {
			return nil
		}
	}
}

// pruned reports whether changes after the cursor were deleted from the log.
func (f *Feed) pruned(ctx context.Context, c *sqlstore.Cursor) (bool, error) {
	var oldest int64
	err := f.m.Timed("poll", func() (err error) { oldest, err = f.cfg.Store.MinChangeID(ctx); return err })
	return err == nil && oldest > c.Pos+1, err
}

// pruneBatch bounds the ids one DELETE covers, so pruning a large backlog
// (after a bulk import: one change per row) never holds locks for long.
const pruneBatch = 10000

// pruneLoop deletes old changes once a minute, keeping cfg.Keep below our
// position so that a node a little behind still finds what it needs. It runs
// beside the feed, never delaying a poll, in batches.
func (f *Feed) pruneLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		before := f.pos.Load() - f.cfg.Keep
		if before <= 0 {
			continue
		}
		var oldest int64
		if err := f.m.Timed("prune", func() (err error) { oldest, err = f.cfg.Store.MinChangeID(ctx); return err }); err != nil {
			continue
		}
		for oldest > 0 && oldest < before && ctx.Err() == nil {
			upto := min(oldest+pruneBatch, before)
			if err := f.m.Timed("prune", func() error { _, err := f.cfg.Store.Prune(ctx, upto); return err }); err != nil {
				log.Debugf("Pruning the change log: %v", err) // a read-only account cannot; fine
				break
			}
			oldest = upto
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}
