package urlredirect

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// accessLog writes a line in the combined log format (Apache's "combined") for every
// request the handler answers:
//
//	host - - [day/Mon/year:hh:mm:ss zone] "METHOD URI PROTO" status bytes "referer" "agent"
type accessLog struct {
	next http.Handler
	mu   sync.Mutex
	out  io.Writer
	now  func() time.Time
}

func (a *accessLog) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rw := &recorder{ResponseWriter: w}
	a.next.ServeHTTP(rw, req)
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		host = req.RemoteAddr
	}
	b := make([]byte, 0, 256)
	b = append(b, logEscape(host)...)
	b = append(b, " - - ["...)
	b = a.now().AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, `] "`...)
	b = append(b, logEscape(req.Method)...)
	b = append(b, ' ')
	b = append(b, logEscape(req.RequestURI)...)
	b = append(b, ' ')
	b = append(b, logEscape(req.Proto)...)
	b = append(b, `" `...)
	b = strconv.AppendInt(b, int64(rw.status()), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, rw.bytes, 10)
	b = append(b, ` "`...)
	b = append(b, logEscape(req.Referer())...)
	b = append(b, `" "`...)
	b = append(b, logEscape(req.UserAgent())...)
	b = append(b, "\"\n"...)
	a.mu.Lock()
	a.out.Write(b)
	a.mu.Unlock()
}

// logEscape escapes what a client sends so that it cannot forge a log line or field: '"' and
// '\' get a backslash, other octets outside printable ASCII are written \xHH (as Apache's
// mod_log_config does). An empty field is "-".
func logEscape(s string) string {
	if s == "" {
		return "-"
	}
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		clean = s[i] >= ' ' && s[i] < 0x7f && s[i] != '"' && s[i] != '\\'
	}
	if clean {
		return s
	}
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < ' ' || c >= 0x7f:
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// recorder notes the status and body size a handler writes.
type recorder struct {
	http.ResponseWriter
	code  int
	bytes int64
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}
