package sqlbackend

// Ready implements ready.Readiness: ready once the zones were loaded from the
// database the first time, or from the snapshot when the database was down at
// start. Later outages do not make us unready: we keep answering from memory.
func (b *SQLBackend) Ready() bool {
	src := b.src.Load()
	return src != nil && src.loaded.Load()
}
