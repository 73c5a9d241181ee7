package sqlstore

import (
	"embed"
	"strings"
)

//go:embed schema/*.sql
var schemaFS embed.FS

func mustRead(name string) string {
	b, err := schemaFS.ReadFile("schema/" + name)
	if err != nil {
		panic(err) // embedded at build time: cannot happen
	}
	return string(b)
}

// SchemaSQL returns the PowerDNS generic schema for d, as shipped in
// schema/mysql.sql or schema/sqlite.sql.
func SchemaSQL(d Dialect) string { return mustRead(string(d) + ".sql") }

// ChangesSQL returns the change-log table and triggers for d, as shipped in
// schema/changes.mysql.sql or schema/changes.sqlite.sql.
func ChangesSQL(d Dialect) string { return mustRead("changes." + string(d) + ".sql") }

// SplitStatements splits an SQL script into statements at the semicolons
// that end them. It skips "--" comments and knows quoted strings and
// CREATE TRIGGER ... BEGIN ... END bodies, whose inner semicolons do not end
// the statement. It is enough for schema and seed files, not a full SQL lexer:
// it does not know DELIMITER or /* */ comments.
func SplitStatements(script string) []string {
	var (
		out   []string
		cur   strings.Builder
		quote byte
		depth int // BEGIN ... END nesting inside a trigger
		word  strings.Builder
	)
	flushWord := func() {
		w := strings.ToUpper(word.String())
		word.Reset()
		if !inTrigger(cur.String()) {
			return
		}
		switch w {
		case "BEGIN", "CASE":
			depth++
		case "END":
			if depth > 0 {
				depth--
			}
		}
	}
	for i := 0; i < len(script); i++ {
		c := script[i]
		if quote != 0 {
			cur.WriteByte(c)
			if c == '\\' && quote != '`' && i+1 < len(script) {
				i++
				cur.WriteByte(script[i])
				continue
			}
			if c == quote {
				quote = 0
			}
			continue
		}
		if c == '-' && i+1 < len(script) && script[i+1] == '-' {
			for i < len(script) && script[i] != '\n' {
				i++
			}
			flushWord()
			cur.WriteByte('\n')
			continue
		}
		isWord := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		if isWord {
			word.WriteByte(c)
		} else {
			flushWord()
		}
		switch {
		case c == '\'' || c == '"' || c == '`':
			quote = c
			cur.WriteByte(c)
		case c == ';' && depth == 0:
			if s := strings.TrimSpace(cur.String()); s != "" {
				out = append(out, s)
			}
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	flushWord()
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// inTrigger reports whether the statement so far creates a trigger, the only
// statement whose BEGIN ... END body holds semicolons. A plain "BEGIN;" (as in
// sqlite3's .dump output) is a statement of its own.
func inTrigger(stmt string) bool {
	f := strings.Fields(strings.ToUpper(stmt))
	if len(f) < 2 || f[0] != "CREATE" {
		return false
	}
	for _, w := range f[1:] {
		switch w {
		case "TRIGGER":
			return true
		case "TEMP", "TEMPORARY", "OR", "REPLACE", "DEFINER":
			continue
		}
		if strings.HasPrefix(w, "DEFINER=") {
			continue
		}
		return false
	}
	return false
}
