package sqlbackend

// Zones implements xfrmeta.Lister: the zones of this block's database inside its origins.
// With max_records, feeding a cold zone loads it: secondaryfeed's discover then holds
// every zone in memory, as the eager load does.
func (b *SQLBackend) Zones() ([]string, bool) {
	src := b.src.Load()
	if src == nil || !src.loaded.Load() {
		return nil, false
	}
	all := src.zones.Names()
	mine := all[:0]
	for _, z := range all {
		if b.Origins.Match(z) != "" {
			mine = append(mine, z)
		}
	}
	return mine, true
}
