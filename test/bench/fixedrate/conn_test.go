package main

import (
	"bufio"
	"strings"
	"testing"
)

func TestReadResponse(t *testing.T) {
	// Two answers on one keep-alive connection: the first body must be consumed exactly.
	in := "HTTP/1.1 301 Moved Permanently\r\nLocation: https://a.example/\r\ncontent-length: 5\r\n\r\nhello" +
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
	r := bufio.NewReader(strings.NewReader(in))
	for _, want := range []int{301, 404} {
		got, err := readResponse(r)
		if err != nil || got != want {
			t.Fatalf("readResponse = %d, %v; want %d", got, err, want)
		}
	}
	if _, err := readResponse(r); err == nil {
		t.Fatal("readResponse at EOF: no error")
	}
	for _, bad := range []string{
		"HTTP/1.1 301 Moved\r\n\r\n",                        // no Content-Length
		"HTTP/1.1 3x1 Moved\r\nContent-Length: 0\r\n\r\n",   // status not a number
		"SPDY/3 301 Moved\r\nContent-Length: 0\r\n\r\n",     // not HTTP/1.x
		"HTTP/1.1 301 Moved\r\nContent-Length: -1\r\n\r\n",  // negative length
		"HTTP/1.1 301 Moved\r\nContent-Length: 9\r\n\r\nab", // short body
	} {
		if got, err := readResponse(bufio.NewReader(strings.NewReader(bad))); err == nil {
			t.Errorf("readResponse(%q) = %d, nil; want an error", bad, got)
		}
	}
}

func FuzzReadResponse(f *testing.F) {
	f.Add("HTTP/1.1 301 Moved Permanently\r\nContent-Length: 3\r\n\r\nabc")
	f.Add("HTTP/1.0 200 OK\r\ncontent-length:0\r\n\r\n")
	f.Add("HTTP/1.1 301\r\n\r\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		status, err := readResponse(bufio.NewReader(strings.NewReader(in)))
		if err == nil && (status < 0 || status > 999) {
			t.Fatalf("status %d from %q", status, in)
		}
	})
}
