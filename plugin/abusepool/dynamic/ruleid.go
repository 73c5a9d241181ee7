package dynamic

import (
	"fmt"
	"hash/fnv"
	"strings"
)

// maxID is the longest rule id the rules package accepts.
const maxID = 64

// ruleID is the id of the rule trigger makes for key: "dyn-query-rate-192.0.2.1",
// "dyn-query-rate-2001-db8-0-100---56". It depends on nothing but trigger and key, so every
// node of a fleet makes the same id for the same offender and the second one's add fails
// instead of doubling the rule. Ids hold only [a-z0-9._-]: '_' '/' ':' become '-'; a key with
// any other byte, or too long, is cut and ends in a hash of the whole key so two keys never
// share an id by the cutting.
func ruleID(trigger, key string) string {
	var b strings.Builder
	b.WriteString("dyn-")
	b.WriteString(strings.ReplaceAll(trigger, "_", "-"))
	b.WriteByte('-')
	clean := true
	for _, c := range []byte(key) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.', c == '-':
			b.WriteByte(c)
		case c == '/' || c == ':':
			b.WriteByte('-')
		default:
			b.WriteByte('-')
			clean = false
		}
	}
	id := b.String()
	if clean && len(id) <= maxID {
		return id
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	sum := fmt.Sprintf("-%08x", h.Sum32())
	return id[:min(len(id), maxID-len(sum))] + sum
}
