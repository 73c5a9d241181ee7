package rules

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestParseJSON(t *testing.T) {
	in := `{"id":"lim","match":{"suffix":"example.com.","qtype":"A"},"action":"ratelimit",
		"limit":{"qps":5,"burst":10,"per":"name","then":"refused"},"origin":"api","created":"2026-12-06T03:00:00Z"}`
	r, err := ParseJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := Rule{ID: "lim", Match: Match{Suffix: "example.com.", QType: "A"}, Action: RateLimit,
		Limit: &Limit{QPS: 5, Burst: 10, Per: PerName, Then: Refused}, Origin: FromAPI, Created: now}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got %+v\nwant %+v", r, want)
	}
}

func TestParseJSONStrict(t *testing.T) {
	for _, in := range []string{
		``,
		`{"id":"a","bogus":1}`,
		`{"id":"a","match":{"suffix":"x.","port":53}}`,
		`{"id":"a"} {"id":"b"}`,
		`{"id":"a"} x`,
		`{"id":1}`,
		`{"id":"a"`,
		`[]`,
		`{"ID":"a"}`,
		`{"id":"a","match":{"Suffix":"x."}}`,
		`{"id":"a","id":"b"}`,
		`{"id":"a","limit":{"qps":1,"qps":2}}`,
	} {
		if _, err := ParseJSON([]byte(in)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v, want ErrInvalid", in, err)
		}
	}
}

// roundTrip checks that a valid rule survives JSON unchanged.
func roundTrip(t *testing.T, r Rule) {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("marshal %+v: %v", r, err)
	}
	back, err := ParseJSON(b)
	if err != nil {
		t.Fatalf("parse %s: %v", b, err)
	}
	if err := back.Validate(nil); err != nil {
		t.Fatalf("validate %s: %v", b, err)
	}
	if !back.Created.Equal(r.Created) || !back.Expires.Equal(r.Expires) {
		t.Fatalf("times changed: %s", b)
	}
	back.Created, back.Expires = r.Created, r.Expires
	if !reflect.DeepEqual(back, r) {
		t.Fatalf("round trip changed the rule:\n got %+v\nwant %+v", back, r)
	}
}
