package sqlstore

import (
	"fmt"
	"reflect"
	"strconv"
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
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  INSERT INTO t VALUES ('$$;'); -- a comment; inside the body
  RETURN NULL;
END;
$body$;
CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
DO $do$ BEGIN EXECUTE $q$SELECT ';'$q$; END $do$;
SELECT a$b, $1, '$$' FROM t;
SELECT 1`
	got := SplitStatements(script)
	want := []string{
		"CREATE TABLE t (a VARCHAR(3) DEFAULT ';')",
		`INSERT INTO t VALUES ('x;y'), ("it\'s;")`,
		"CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t FOR EACH ROW\nBEGIN\n  INSERT INTO u VALUES (CASE WHEN NEW.a = 'z' THEN 1 ELSE 2 END);\n  DELETE FROM v;\nEND",
		"BEGIN TRANSACTION",
		"COMMIT",
		"CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n  INSERT INTO t VALUES ('$$;'); -- a comment; inside the body\n  RETURN NULL;\nEND;\n$body$",
		"CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$",
		"DO $do$ BEGIN EXECUTE $q$SELECT ';'$q$; END $do$",
		"SELECT a$b, $1, '$$' FROM t",
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
		{SchemaSQL(MySQL), 7}, {ChangesSQL(MySQL), 17}, {SchemaSQL(SQLite), 17}, {ChangesSQL(SQLite), 13},
		{SchemaSQL(Postgres), 19}, {ChangesSQL(Postgres), 17},
		{KeysSQL(MySQL), 12}, {KeysSQL(Postgres), 14},
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
	f.Add("CREATE FUNCTION f() AS $$ BEGIN SELECT 1; END $$; SELECT 2")
	f.Add("DO $a$ SELECT $b$;$b$; $a$; SELECT $1, x$y$z;")
	f.Add("SELECT $$unterminated;")
	f.Add(ChangesSQL(Postgres))
	f.Fuzz(func(t *testing.T, s string) {
		for _, st := range SplitStatements(s) {
			if strings.TrimSpace(st) != st || st == "" {
				t.Fatalf("statement %q not trimmed", st)
			}
		}
	})
}

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, pg string }{
		{`SELECT id FROM domains WHERE id = ?`, `SELECT id FROM domains WHERE id = $1`},
		{`SELECT a FROM t WHERE id > ? ORDER BY id LIMIT ?`, `SELECT a FROM t WHERE id > $1 ORDER BY id LIMIT $2`},
		{`UPDATE t SET a = '?', b = ? WHERE c = "?" AND d = ? -- ?` + "\n" + `AND e = $$?$$ AND f = ?`,
			`UPDATE t SET a = '?', b = $1 WHERE c = "?" AND d = $2 -- ?` + "\n" + `AND e = $$?$$ AND f = $3`},
		{`SELECT 1`, `SELECT 1`},
	} {
		if got := Postgres.Rebind(tc.in); got != tc.pg {
			t.Errorf("Postgres.Rebind(%q) = %q, want %q", tc.in, got, tc.pg)
		}
		for _, d := range []Dialect{MySQL, SQLite} {
			if got := d.Rebind(tc.in); got != tc.in {
				t.Errorf("%s.Rebind(%q) = %q, want it unchanged", d, tc.in, got)
			}
		}
	}
}

// FuzzRebind: rebinding changes nothing but placeholders: turning $N back
// into ?, from the highest N down, gives the query again (for queries without
// a $ of their own).
func FuzzRebind(f *testing.F) {
	f.Add(`SELECT id FROM t WHERE a = ? AND b = '?' LIMIT ?`)
	f.Add("SELECT ? -- ?\n, \"?\", `?`, ?")
	f.Add(`'unterminated ?`)
	f.Add(`SELECT 'a\'?', ?`)
	f.Fuzz(func(t *testing.T, q string) {
		got := Postgres.Rebind(q)
		if strings.Contains(q, "$") {
			return
		}
		b := got
		for n := strings.Count(got, "$"); n > 0; n-- {
			b = strings.Replace(b, "$"+strconv.Itoa(n), "?", 1)
		}
		if b != q {
			t.Fatalf("Rebind(%q) = %q, which reads back as %q", q, got, b)
		}
		if !strings.Contains(q, "?") && got != q {
			t.Fatalf("Rebind(%q) = %q, want it unchanged", q, got)
		}
	})
}

func TestInTrigger(t *testing.T) {
	for stmt, want := range map[string]bool{
		"CREATE TRIGGER t AFTER INSERT ON a BEGIN":              true,
		"\n create  temp trigger t":                             true,
		"CREATE OR REPLACE TRIGGER t":                           true,
		"CREATE DEFINER=`root`@`localhost` TRIGGER t":           true,
		"CREATE DEFINER = x TRIGGER t":                          false, // "=" is a word: not a trigger header we know
		"CREATE TABLE trigger_log (a INT)":                      false,
		"CREATE":                                                false,
		"BEGIN":                                                 false,
		"INSERT INTO records VALUES (1, 'CREATE TRIGGER', 'x')": false,
		"": false,
	} {
		if got := inTrigger(stmt); got != want {
			t.Errorf("inTrigger(%q) = %v, want %v", stmt, got, want)
		}
	}
}

// BenchmarkSplitStatementsDumpInsert: one INSERT of 20,000 rows, as a dump writes them. Each
// word of a statement asks whether it is a trigger's; asking it of the whole statement so far
// made this quadratic (minutes for a seed file of this size).
func BenchmarkSplitStatementsDumpInsert(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("INSERT INTO records (domain_id, name, type, content, ttl) VALUES\n")
	for i := range 20000 {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, "  (2, 'h%d.filler.test', 'A', '198.51.100.%d', 60)", i, i%250+1)
	}
	sb.WriteString(";\n")
	script := sb.String()
	b.SetBytes(int64(len(script)))
	for b.Loop() {
		if n := len(SplitStatements(script)); n != 1 {
			b.Fatalf("%d statements, want 1", n)
		}
	}
}
