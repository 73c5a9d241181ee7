// Package journal keeps the versions secondaryfeed feeds: for each zone the current
// version (its fed serial and records) and the differences between successive versions,
// condensed on the way out, which IXFR serves (RFC 1995).
//
// A Store assigns fed serials by one rule (NextSerial), so every node that publishes the
// same content gets the same serial: Memory for a single node, Redis to share one journal
// between nodes (byte-identical versions, kept across restarts).
//
// Versions are immutable: callers must not modify a Version or its records.
package journal
