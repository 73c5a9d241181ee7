package report

import "testing"

func TestHasErrors(t *testing.T) {
	w := Problem{Name: "a.", Rule: "r", Severity: Warning}
	e := Problem{Name: "b.", Rule: "r", Severity: Error}
	if HasErrors(nil) || HasErrors([]Problem{w}) {
		t.Error("warnings alone are not errors")
	}
	if !HasErrors([]Problem{w, e}) {
		t.Error("an error was missed")
	}
}

func TestSortSame(t *testing.T) {
	a := []Problem{{Name: "b.", Type: "A"}, {Name: "a.", Type: "MX"}, {Name: "a.", Type: "A"}}
	b := []Problem{{Name: "a.", Type: "A"}, {Name: "b.", Type: "A"}, {Name: "a.", Type: "MX"}}
	if Same(a, b) {
		t.Fatal("unsorted lists compared equal")
	}
	Sort(a)
	Sort(b)
	if !Same(a, b) {
		t.Fatalf("sorted lists differ: %v %v", a, b)
	}
	if a[0].Name != "a." || a[0].Type != "A" || a[2].Name != "b." {
		t.Fatalf("wrong order: %v", a)
	}
}
