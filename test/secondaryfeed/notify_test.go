package secondaryfeed_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hostdns/hostdns/plugin/secondaryfeed/access"
	"github.com/hostdns/hostdns/plugin/secondaryfeed/notify"
	"github.com/hostdns/hostdns/test/harness"
	"github.com/miekg/dns"
)

// verifier is a secondary on 127.0.0.1 that acknowledges only NOTIFYs
// whose TSIG it verifies with its own copy of the key, recording their
// serials.
type verifier struct {
	addr    string
	mu      sync.Mutex
	serials []uint32
}

func startVerifier(t *testing.T, keyName, secret string) *verifier {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	v := &verifier{addr: pc.LocalAddr().String()}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg).SetReply(r)
		if r.IsTsig() == nil || w.TsigStatus() != nil || r.Opcode != dns.OpcodeNotify || len(r.Answer) != 1 {
			m.Rcode = dns.RcodeRefused
			w.WriteMsg(m)
			return
		}
		v.mu.Lock()
		v.serials = append(v.serials, r.Answer[0].(*dns.SOA).Serial)
		v.mu.Unlock()
		m.SetTsig(r.IsTsig().Hdr.Name, r.IsTsig().Algorithm, 300, time.Now().Unix())
		w.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: h, TsigSecret: map[string]string{keyName: secret}}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return v
}

func (v *verifier) got() []uint32 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]uint32(nil), v.serials...)
}

// TestSignedNotifyFromSQL: a zone's ALSO-NOTIFY and TSIG-ALLOW-AXFR rows and
// its key in tsigkeys, read by sqlbackend, make the NOTIFY target and its
// key (PowerDNS's rule: the first TSIG-ALLOW-AXFR key signs); the secondary
// verifies the signature. A new secret in SQL signs the next NOTIFY.
func TestSignedNotifyFromSQL(t *testing.T) {
	for _, tc := range databases {
		t.Run(tc.kind, func(t *testing.T) { signedNotifyFromSQL(t, tc.new(t)) })
	}
}

func signedNotifyFromSQL(t *testing.T, d *db) {
	first := startVerifier(t, "xfr-key.", secret1)
	d.exec(t, `INSERT INTO domains (id, name, type) VALUES (1, 'example.org', 'NATIVE')`)
	d.exec(t, `INSERT INTO records (domain_id, name, type, content, ttl, disabled, auth) VALUES
		(1, 'example.org', 'SOA', 'ns1.example.org hostmaster.example.org 1 3600 600 86400 300', 300, FALSE, TRUE)`)
	d.exec(t, `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, 'ALSO-NOTIFY', ?), (1, 'TSIG-ALLOW-AXFR', 'xfr-key'), (1, 'TSIG-ALLOW-AXFR', 'second')`, first.addr)
	d.exec(t, `INSERT INTO tsigkeys (name, algorithm, secret) VALUES ('xfr-key', 'hmac-sha256', ?), ('second', 'hmac-sha256', ?)`, secret1, secret2)
	s := harness.StartServer(t, fmt.Sprintf(".:0 {\n\txfrprobe\n\tsqlbackend {\n\t\tdriver %s\n\t\tdsn %s\n\t\tpoll 50ms\n\t}\n}", d.driver, d.dsn))
	harness.WaitFor(t, s.UDP, "example.org.", dns.TypeSOA, func(m *dns.Msg) bool { return m.Rcode == dns.RcodeSuccess }, 10*time.Second)
	src := source()

	send := func(serial uint32) {
		t.Helper()
		z, ok := src.XfrMeta("example.org.")
		if !ok {
			t.Fatal("zone not served")
		}
		targets, errs := access.Targets(access.Keys(nil, src), access.Policy{}, access.FromMeta(z))
		if len(errs) != 0 || len(targets) != 1 || targets[0].Key == nil || targets[0].Key.Name != "xfr-key." {
			t.Fatalf("targets %+v, errors %v", targets, errs)
		}
		// Unacknowledged, the NOTIFY is retried until the context ends: the
		// check after Wait then fails.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n := notify.New(ctx, notify.Options{Timeout: 500 * time.Millisecond, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
		soa, _ := dns.NewRR(fmt.Sprintf("example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. %d 3600 600 86400 300", serial))
		n.Notify(soa.(*dns.SOA), targets)
		n.Wait()
	}
	send(2)
	if got := first.got(); len(got) != 1 || got[0] != 2 {
		t.Fatalf("secondary verified serials %v, want [2]", got)
	}

	// The key's secret changes in SQL; the secondary is told the new one.
	second := startVerifier(t, "xfr-key.", secret2)
	d.exec(t, `UPDATE domainmetadata SET content = ? WHERE kind = 'ALSO-NOTIFY'`, second.addr)
	d.exec(t, `UPDATE tsigkeys SET secret = ? WHERE name = 'xfr-key'`, secret2)
	harness.Eventually(t, 5*time.Second, "new target and secret", func() bool {
		z, _ := src.XfrMeta("example.org.")
		k, _ := src.TSIGKey("xfr-key.")
		return len(z.AlsoNotify) == 1 && z.AlsoNotify[0] == second.addr && k.Secret == secret2
	})
	send(3)
	if got := second.got(); len(got) != 1 || got[0] != 3 {
		t.Fatalf("secondary with the new secret verified serials %v, want [3]", got)
	}
}
