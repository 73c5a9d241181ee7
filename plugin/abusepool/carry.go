package abusepool

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hostdns/hostdns/plugin/abusepool/inspect"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

// A reload builds a new instance and starts it before the old one shuts down. What an
// operator would lose at every reload is carried over from the old instance of the same
// server block: the inspection (the inspector is shared while both run, so the top lists
// and the dynamic thresholds keep their window), and, without Redis, the API and dynamic
// rules (with Redis they are read back from it).
var (
	carryMu    sync.Mutex
	inspectors = map[string]*sharedInspector{} // by server block and inspection config
	running    = map[string]*lifecycle{}       // the last started instance of each server block
)

type sharedInspector struct {
	inspector *inspect.Inspector
	refs      int
}

func inspectorKey(block string, c inspect.Config) string {
	return fmt.Sprintf("%s|%s/%d/%d/%d/%d", block, c.Window, c.Buckets, c.Capacity, c.GroupLabels, c.Queue)
}

// acquireInspector returns the running inspector for key, or starts one.
func acquireInspector(key string, c inspect.Config) *inspect.Inspector {
	carryMu.Lock()
	defer carryMu.Unlock()
	if s, ok := inspectors[key]; ok {
		s.refs++
		return s.inspector
	}
	i := inspect.New(c)
	i.Start()
	inspectors[key] = &sharedInspector{inspector: i, refs: 1}
	return i
}

// releaseInspector drops a reference; the last one stops the inspector.
func releaseInspector(key string) {
	carryMu.Lock()
	s, ok := inspectors[key]
	last := ok && s.refs == 1
	if ok {
		s.refs--
		if last {
			delete(inspectors, key)
		}
	}
	carryMu.Unlock()
	if last {
		s.inspector.Stop()
	}
}

// carryTimeout bounds taking over the previous instance's rules (local: no Redis).
const carryTimeout = 5 * time.Second

// takeOver makes lc the running instance of its server block and, without Redis, gives
// its state the API and dynamic rules of the instance it replaces. A rule the new Corefile
// no longer allows (a pool gone) is left behind, logged.
func (lc *lifecycle) takeOver() (prev *lifecycle) {
	carryMu.Lock()
	prev = running[lc.block]
	running[lc.block] = lc
	carryMu.Unlock()
	if prev == nil || lc.redis != nil {
		return prev
	}
	ctx, cancel := context.WithTimeout(context.Background(), carryTimeout)
	defer cancel()
	for _, r := range prev.state.Rules() {
		if r.Origin == rules.FromCorefile {
			continue
		}
		if _, err := lc.state.Put(ctx, r); err != nil {
			log.Warningf("rule %s not kept across the reload: %v", r.ID, err)
		}
	}
	return prev
}

// giveBack undoes takeOver when lc failed to start: prev runs on.
func (lc *lifecycle) giveBack(prev *lifecycle) {
	carryMu.Lock()
	defer carryMu.Unlock()
	if running[lc.block] == lc {
		if prev != nil {
			running[lc.block] = prev
		} else {
			delete(running, lc.block)
		}
	}
}

// leave forgets lc as its server block's running instance, unless a newer one took over.
func (lc *lifecycle) leave() {
	carryMu.Lock()
	defer carryMu.Unlock()
	if running[lc.block] == lc {
		delete(running, lc.block)
	}
}
