package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// target is where the requests go: scheme, address and path of the -url flag.
type target struct {
	tls  bool
	addr string // host:port
	host string // default Host header
	path string // path and query, as sent on the request line
}

func parseTarget(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, err
	}
	t := target{host: u.Host, path: u.RequestURI(), addr: u.Host}
	switch u.Scheme {
	case "http":
		if u.Port() == "" {
			t.addr = net.JoinHostPort(u.Hostname(), "80")
		}
	case "https":
		t.tls = true
		if u.Port() == "" {
			t.addr = net.JoinHostPort(u.Hostname(), "443")
		}
	default:
		return target{}, fmt.Errorf("fixedrate: %s: scheme must be http or https", raw)
	}
	return t, nil
}

// conn is one HTTP/1.1 keep-alive connection.
type conn struct {
	net.Conn
	r   *bufio.Reader
	buf []byte
}

func (t target) dial(ctx context.Context) (*conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	var nc net.Conn
	var err error
	if t.tls {
		td := tls.Dialer{NetDialer: &d, Config: &tls.Config{InsecureSkipVerify: true}} // loopback, self-signed; no ALPN: HTTP/1.1
		nc, err = td.DialContext(ctx, "tcp", t.addr)
	} else {
		nc, err = d.DialContext(ctx, "tcp", t.addr)
	}
	if err != nil {
		return nil, err
	}
	return &conn{Conn: nc, r: bufio.NewReaderSize(nc, 16<<10)}, nil
}

// get sends GET path with the Host header and reads the whole answer (status line, headers,
// Content-Length bytes of body). Answers without Content-Length are not supported: both
// servers of the benchmark send it.
func (c *conn) get(path, host string) (int, error) {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.buf = append(c.buf[:0], "GET "...)
	c.buf = append(c.buf, path...)
	c.buf = append(c.buf, " HTTP/1.1\r\nHost: "...)
	c.buf = append(c.buf, host...)
	c.buf = append(c.buf, "\r\nUser-Agent: fixedrate\r\n\r\n"...)
	if _, err := c.Write(c.buf); err != nil {
		return 0, err
	}
	return readResponse(c.r)
}

var errResponse = errors.New("fixedrate: malformed response")

func readResponse(r *bufio.Reader) (int, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	// "HTTP/1.1 301 Moved Permanently\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, errResponse
	}
	status := 0
	for _, b := range line[9:12] {
		if b < '0' || b > '9' {
			return 0, errResponse
		}
		status = status*10 + int(b-'0')
	}
	length := -1
	for {
		line, err = r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil || length < 0 {
				return 0, errResponse
			}
		}
	}
	if length < 0 {
		return 0, errResponse
	}
	if _, err := r.Discard(length); err != nil {
		return 0, err
	}
	return status, nil
}
