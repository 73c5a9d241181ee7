package propargs

import (
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
)

// at returns a controller at the property of the one-line block text.
func at(t *testing.T, text string) *caddy.Controller {
	c := caddy.NewTestController("dns", "x {\n"+text+"\n}")
	c.Next()
	if !c.NextBlock() {
		t.Fatalf("%q: no property", text)
	}
	return c
}

func TestInt(t *testing.T) {
	if n, err := Int(at(t, "retries 3"), 0, 10); n != 3 || err != nil {
		t.Errorf("retries 3: %d %v", n, err)
	}
	for text, want := range map[string]string{
		"retries 11":  `retries: "11" is not a number from 0 to 10`,
		"retries x":   `retries: "x" is not a number from 0 to 10`,
		"retries 1 2": "Wrong argument count",
	} {
		if _, err := Int(at(t, text), 0, 10); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), ":2 ") {
			t.Errorf("%q: %v, want %q on line 2", text, err, want)
		}
	}
}

func TestDuration(t *testing.T) {
	if d, err := Duration(at(t, "window 10s"), time.Second, time.Hour); d != 10*time.Second || err != nil {
		t.Errorf("window 10s: %v %v", d, err)
	}
	for _, text := range []string{"window 0s", "window 2h", "window ten", "window"} {
		if _, err := Duration(at(t, text), time.Second, time.Hour); err == nil {
			t.Errorf("%q: no error", text)
		}
	}
}
