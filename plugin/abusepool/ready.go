package abusepool

// Ready implements ready.Readiness: ready once the rules are known, at once without Redis,
// else once the first load from Redis succeeded. A later Redis outage does not make the
// server unready: it keeps the rules it has.
func (a *AbusePool) Ready() bool { return a.state.Ready() }
