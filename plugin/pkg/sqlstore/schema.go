package sqlstore

import (
	"embed"
	"strconv"
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
// schema/mysql.sql, schema/sqlite.sql or schema/postgres.sql.
func SchemaSQL(d Dialect) string { return mustRead(string(d) + ".sql") }

// ChangesSQL returns the change-log table and triggers for d, as shipped in
// schema/changes.mysql.sql, schema/changes.sqlite.sql or
// schema/changes.postgres.sql.
func ChangesSQL(d Dialect) string { return mustRead("changes." + string(d) + ".sql") }

// SplitStatements splits an SQL script into statements at the semicolons
// that end them. It skips "--" comments and knows quoted strings,
// PostgreSQL's dollar-quoted bodies ($$ ... $$, $tag$ ... $tag$) and
// CREATE TRIGGER ... BEGIN ... END bodies, whose inner semicolons do not end
// the statement. It is enough for schema and seed files, not a full SQL lexer:
// it does not know DELIMITER or /* */ comments.
func SplitStatements(script string) []string {
	var (
		out   []string
		cur   strings.Builder
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
	for i := 0; i < len(script); {
		if end := commentEnd(script, i); end > i {
			flushWord()
			cur.WriteByte('\n')
			i = end
			continue
		}
		if end := quoteEnd(script, i); end > i {
			flushWord()
			cur.WriteString(script[i:end])
			i = end
			continue
		}
		c := script[i]
		i++
		if isWordByte(c) {
			word.WriteByte(c)
			cur.WriteByte(c)
			continue
		}
		flushWord()
		if c == ';' && depth == 0 {
			if s := strings.TrimSpace(cur.String()); s != "" {
				out = append(out, s)
			}
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	flushWord()
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// Rebind rewrites the "?" placeholders of query into d's own: $1, $2, ...
// for PostgreSQL; MySQL and SQLite take "?" as it is. Question marks in
// quoted strings, dollar-quoted bodies and comments are left alone.
func (d Dialect) Rebind(query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); {
		end := max(commentEnd(query, i), quoteEnd(query, i))
		if end > i {
			b.WriteString(query[i:end])
			i = end
			continue
		}
		if query[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
		} else {
			b.WriteByte(query[i])
		}
		i++
	}
	return b.String()
}

// commentEnd returns the index after the "--" comment that starts at s[i],
// its line break included, or i when none starts there.
func commentEnd(s string, i int) int {
	if !strings.HasPrefix(s[i:], "--") {
		return i
	}
	if n := strings.IndexByte(s[i:], '\n'); n >= 0 {
		return i + n + 1
	}
	return len(s)
}

// quoteEnd returns the index after the quoted string, quoted identifier or
// dollar-quoted body that starts at s[i], or i when none starts there. An
// unterminated one runs to the end of s. Inside '...' and "..." a backslash
// escapes the next byte, as MySQL reads them (doubled quotes work either way).
func quoteEnd(s string, i int) int {
	switch q := s[i]; q {
	case '\'', '"', '`':
		for j := i + 1; j < len(s); j++ {
			switch {
			case s[j] == '\\' && q != '`':
				j++
			case s[j] == q:
				return j + 1
			}
		}
		return len(s)
	case '$':
		// $tag$ where tag is empty or an identifier that does not start
		// with a digit ($1 is a placeholder); a $ inside an identifier
		// (a$b) starts nothing, as in PostgreSQL's lexer.
		if i > 0 && (isWordByte(s[i-1]) || s[i-1] == '$') {
			return i
		}
		j := i + 1
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			return i
		}
		for j < len(s) && isWordByte(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != '$' {
			return i
		}
		delim := s[i : j+1]
		if n := strings.Index(s[j+1:], delim); n >= 0 {
			return j + 1 + n + len(delim)
		}
		return len(s)
	}
	return i
}

func isWordByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// inTrigger reports whether the statement so far creates a trigger, the only
// statement whose BEGIN ... END body holds semicolons. A plain "BEGIN;" (as in
// sqlite3's .dump output) is a statement of its own. It reads only the words
// that decide: it runs at every word of a statement, and a dump's INSERT of
// thousands of rows is one statement.
func inTrigger(stmt string) bool {
	first := true
	for w := range strings.FieldsSeq(stmt) {
		w = strings.ToUpper(w)
		if first {
			if w != "CREATE" {
				return false
			}
			first = false
			continue
		}
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
