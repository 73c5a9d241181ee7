package sqlstore

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	script := `-- a comment; with a semicolon
CREATE TABLE t (a VARCHAR(3) DEFAULT ';');
INSERT INTO t VALUES ('x;y'), ("it\'s;");
CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t FOR EACH ROW
BEGIN
  INSERT INTO u VALUES (CASE WHEN NEW.a = 'z' THEN 1 ELSE 2 END);
  DELETE FROM v;
END;
BEGIN TRANSACTION;
COMMIT;
SELECT 1`
	got := SplitStatements(script)
	want := []string{
		"CREATE TABLE t (a VARCHAR(3) DEFAULT ';')",
		`INSERT INTO t VALUES ('x;y'), ("it\'s;")`,
		"CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t FOR EACH ROW\nBEGIN\n  INSERT INTO u VALUES (CASE WHEN NEW.a = 'z' THEN 1 ELSE 2 END);\n  DELETE FROM v;\nEND",
		"BEGIN TRANSACTION",
		"COMMIT",
		"SELECT 1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestShippedSchemasSplit(t *testing.T) {
	for _, tc := range []struct {
		script string
		n      int
	}{
		{SchemaSQL(MySQL), 7}, {ChangesSQL(MySQL), 13}, {SchemaSQL(SQLite), 17}, {ChangesSQL(SQLite), 7},
	} {
		got := SplitStatements(tc.script)
		if len(got) != tc.n {
			t.Errorf("%d statements, want %d: %q", len(got), tc.n, got)
		}
		for _, s := range got {
			if strings.HasPrefix(s, "--") || strings.TrimSpace(s) == "" {
				t.Errorf("bad statement %q", s)
			}
		}
	}
}

func FuzzSplitStatements(f *testing.F) {
	f.Add("CREATE TABLE a (b INT); INSERT INTO a VALUES (1);")
	f.Add("CREATE TRIGGER x AFTER INSERT ON a BEGIN SELECT 1; END; SELECT 'a;b'")
	f.Add("-- c\n'unterminated;")
	f.Fuzz(func(t *testing.T, s string) {
		for _, st := range SplitStatements(s) {
			if strings.TrimSpace(st) != st || st == "" {
				t.Fatalf("statement %q not trimmed", st)
			}
		}
	})
}
