package journal

// Less reports whether serial a comes before b in RFC 1982 serial number arithmetic
// (32 bits). Two serials exactly 2^31 apart are unordered: Less is false both ways.
func Less(a, b uint32) bool {
	return a != b && (a < b && b-a < 1<<31 || a > b && a-b > 1<<31)
}

// NextSerial is the fed serial of a new version: the source's serial when there is no
// previous version or the source's serial is after the previous one (RFC 1982), else the
// previous one plus one (RFC 1982 addition, skipping 0, which some secondaries take as
// "no serial").
func NextSerial(prev uint32, hasPrev bool, source uint32) uint32 {
	if !hasPrev || Less(prev, source) {
		return source
	}
	next := prev + 1
	if next == 0 {
		next = 1
	}
	return next
}
