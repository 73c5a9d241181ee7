package sqlzone

import (
	"fmt"
	"sync"
)

// cnameConflict logs (once) a CNAME beside other data at owner; the caller
// counts it.
func cnameConflict(zone, owner string) {
	if msg := fmt.Sprintf("Zone %s: CNAME beside other data at %s; only the CNAME is answered", zone, owner); firstReport(msg) {
		log.Warning(msg)
	}
}

// skipRow logs a row that cannot be served, once; the caller counts it.
func skipRow(name string, err error) {
	if msg := fmt.Sprintf("Zone %s: skipping %v", name, err); firstReport(msg) {
		log.Warning(msg)
	}
}

// reported holds the bad-row messages already logged: a zone is rebuilt at
// every change, and a zone that changes every second would otherwise log its
// bad rows every second. The plugin's bad_records_total metric still counts
// every skip. The set forgets everything past maxReported messages, to stay small.
var reported = struct {
	sync.Mutex
	seen map[string]bool
}{seen: map[string]bool{}}

const maxReported = 10000

// firstReport reports whether msg was not logged before.
func firstReport(msg string) bool {
	reported.Lock()
	defer reported.Unlock()
	if reported.seen[msg] {
		return false
	}
	if len(reported.seen) >= maxReported {
		clear(reported.seen)
	}
	reported.seen[msg] = true
	return true
}
