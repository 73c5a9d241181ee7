package harness

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// uniqueName returns prefix, the test name reduced to [a-z0-9_] and a random suffix,
// at most max bytes long. The random part keeps names apart across parallel test
// processes and reruns; the test name tells whose leftovers they are if cleanup never ran.
func uniqueName(prefix, testName string, max int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	suffix := "_" + randomHex(4)
	name := b.String()
	if room := max - len(prefix) - len(suffix); len(name) > room {
		name = name[:room]
	}
	return prefix + name + suffix
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
