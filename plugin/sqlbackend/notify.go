package sqlbackend

import (
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// A NOTIFY is one spoofable UDP packet: logging each one lets anyone fill
// the log (12,924 lines from 20,000 packets). They are counted, and logged
// at most once per notifyLogEvery, with the number dropped in between.
const notifyLogEvery = 10 * time.Second

var (
	notifyLog   = rate.Sometimes{Interval: notifyLogEvery}
	notifySince atomic.Int64 // dropped since the last line
)

// dropNotify counts a NOTIFY for one of our zones, which we drop: we are
// the primary, as file does.
func dropNotify(from, zone string) {
	notifiesDropped.Inc()
	notifySince.Add(1)
	notifyLog.Do(func() {
		log.Infof("Dropping notify from %s for %s (%d dropped since the last such line; this line is logged at most every %s)",
			from, zone, notifySince.Swap(0), notifyLogEvery)
	})
}
