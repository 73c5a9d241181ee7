package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// client talks to the abusepool API.
type client struct {
	base  string // scheme://host:port, no trailing slash
	token string
	http  *http.Client
}

func newClient(base, token string) (*client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-api %q: want a URL like http://127.0.0.1:8054", base)
	}
	// A transport of its own, closed after the command (close), so Main called in-process
	// leaves no connection behind.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	return &client{base: strings.TrimRight(base, "/"), token: token,
		http: &http.Client{Timeout: 10 * time.Second, Transport: transport}}, nil
}

func (c *client) close() {
	c.http.CloseIdleConnections()
}

// apiError is an answer other than the one expected.
type apiError struct {
	method, path string
	status       string
	msg          string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: %s: %s", e.method, e.path, e.status, e.msg)
}

// call sends in (JSON, when not nil), expects one of the statuses want and decodes the
// answer into out (when not nil).
func (c *client) call(method, path string, in, out any, want ...int) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if !slices.Contains(want, resp.StatusCode) {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(raw[:min(len(raw), 200)]))
		}
		return &apiError{method: method, path: path, status: resp.Status, msg: e.Error}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decoding the answer: %v", method, path, err)
	}
	return nil
}
