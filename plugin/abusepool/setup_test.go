package abusepool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"

	"github.com/hostdns/hostdns/plugin/abusepool/kernelfilter"
	"github.com/hostdns/hostdns/plugin/abusepool/rules"
)

func parseString(in string) (*config, error) {
	c := caddy.NewTestController("dns", in)
	c.ServerBlockKeys = []string{"example.org:53"}
	return parse(c, time.Unix(1_800_000_000, 0))
}

func TestParseDefaults(t *testing.T) {
	cfg, err := parseString("abusepool")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.inspect.Window != defaultWindow || cfg.inspect.Buckets != defaultBuckets || cfg.inspect.Capacity != defaultCapacity ||
		cfg.inspect.GroupLabels != defaultGroupLabels || cfg.inspect.Queue != defaultQueue {
		t.Errorf("inspection defaults: %+v", cfg.inspect)
	}
	if cfg.limiterKeys != defaultLimiterKeys || cfg.redisPrefix != defaultRedisPrefix || cfg.apiAddr != "" || cfg.redisAddr != "" {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestParseEveryProperty(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("  0123456789abcdef-from-file \nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseString(`abusepool {
    window 30s
    buckets 6
    capacity 500
    group_labels 2
    queue 1024
    budget 5000
    limiter_keys 5000
    api 127.0.0.1:8054
    token_file ` + tokenFile + `
    redis 127.0.0.1:6379 edge:
    pool sink 192.0.2.53 192.0.2.54:5353 dns://[2001:db8::53]:53 max_qps 100 health_check 2s
    pool other 127.0.0.1:1053
}`)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.inspect.Window != 30*time.Second || cfg.inspect.Buckets != 6 || cfg.inspect.Capacity != 500 ||
		cfg.inspect.GroupLabels != 2 || cfg.inspect.Queue != 1024 || cfg.inspect.Budget != 5000 || cfg.limiterKeys != 5000 {
		t.Errorf("inspection/limiter: %+v %d", cfg.inspect, cfg.limiterKeys)
	}
	if cfg.apiAddr != "127.0.0.1:8054" || cfg.token != "0123456789abcdef-from-file" {
		t.Errorf("api %q token %q", cfg.apiAddr, cfg.token)
	}
	if cfg.redisAddr != "127.0.0.1:6379" || cfg.redisPrefix != "edge:" {
		t.Errorf("redis %q prefix %q", cfg.redisAddr, cfg.redisPrefix)
	}
	if len(cfg.pools) != 2 {
		t.Fatalf("pools: %+v", cfg.pools)
	}
	sink := cfg.pools[0]
	want := []string{"192.0.2.53:53", "192.0.2.54:5353", "[2001:db8::53]:53"}
	if sink.name != "sink" || strings.Join(sink.addrs, " ") != strings.Join(want, " ") || sink.maxQPS != 100 || sink.healthCheck != 2*time.Second {
		t.Errorf("pool sink: %+v", sink)
	}
	if !cfg.poolExists("other") || cfg.poolExists("nope") {
		t.Errorf("poolExists is wrong")
	}
}

// Rules and thresholds use the grammar of the rules and dynamic packages; the block keeps
// their order (the rules' precedence) and marks the rules as the Corefile's.
func TestParseRulesAndThresholds(t *testing.T) {
	cfg, err := parseString(`abusepool {
    rule block-attack suffix attack.example.org drop
    rule shunt suffix t-ipnet.de pool sink
    rule limit cidr 192.0.2.0/24 ratelimit 10 20 client refused
    rule any-tc qtype ANY truncate for 10m
    dynamic query_rate client 1000 10s 5m drop
    pool sink 127.0.0.1:1053
}`)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, r := range cfg.rules {
		ids = append(ids, r.ID)
		if r.Origin != rules.FromCorefile {
			t.Errorf("rule %s: origin %q, want corefile", r.ID, r.Origin)
		}
	}
	if strings.Join(ids, " ") != "block-attack shunt limit any-tc" {
		t.Errorf("rules in order %v", ids)
	}
	if r := cfg.rules[1]; r.Action != rules.Pool || r.Pool != "sink" || r.Match.Suffix != "t-ipnet.de." {
		t.Errorf("pool rule: %+v", r)
	}
	if r := cfg.rules[3]; !r.Expires.Equal(time.Unix(1_800_000_000, 0).Add(10 * time.Minute)) {
		t.Errorf("for 10m: expires %v", r.Expires)
	}
	if len(cfg.thresholds) != 1 || cfg.thresholds[0].Window != 10*time.Second {
		t.Errorf("thresholds: %+v", cfg.thresholds)
	}
}

// A bad block fails naming the problem and its line.
func TestParseErrors(t *testing.T) {
	bad := map[string]string{
		"abusepool {\n window 0s\n}":                                                   "Testfile:2 - Error during parsing: window",
		"abusepool {\n window 1s\n buckets 100\n}":                                     "shorter than 100ms",
		"abusepool {\n capacity lots\n}":                                               "Testfile:2 - Error during parsing: capacity",
		"abusepool {\n group_labels 11\n}":                                             "group_labels",
		"abusepool {\n queue 1\n}":                                                     "queue",
		"abusepool {\n budget 10\n}":                                                   "budget",
		"abusepool {\n limiter_keys 0\n}":                                              "limiter_keys",
		"abusepool {\n api 8054\n}":                                                    "not HOST:PORT",
		"abusepool {\n api example.com:8054\n}":                                        "not an IP address or localhost",
		"abusepool {\n api 127.0.0.1:99999\n}":                                         "port",
		"abusepool {\n api 127.0.0.1:8054\n api 127.0.0.1:8055\n}":                     "Testfile:3 - Error during parsing: api: already given on line 2",
		"abusepool {\n api 127.0.0.1:1\n token short\n}":                               "at least 16 characters",
		"abusepool {\n api 127.0.0.1:1\n token_file /nonexistent/x\n}":                 "Testfile:3 - Error during parsing: token_file",
		"abusepool {\n api 127.0.0.1:1\n token 0123456789abcdef\n token_file /x\n}":    "a token is already set on line 3",
		"abusepool {\n\n token 0123456789abcdef\n}":                                    "Testfile:3 - Error during parsing: a token without an api",
		"abusepool {\n redis\n}":                                                       "Wrong argument count",
		"abusepool {\n redis localhost\n}":                                             "neither HOST:PORT nor a redis:// URL",
		"abusepool {\n pool sink\n}":                                                   "want NAME ADDRESS",
		"abusepool {\n pool Sink 127.0.0.1\n}":                                         "a name is 1 to 64",
		"abusepool {\n pool sink example.com\n}":                                       "not an IP address or IP:PORT",
		"abusepool {\n pool sink tls://127.0.0.1\n}":                                   "plain DNS only",
		"abusepool {\n pool sink 127.0.0.1 max_qps 0\n}":                               "max_qps",
		"abusepool {\n pool sink 127.0.0.1 max_qps\n}":                                 "max_qps wants a value",
		"abusepool {\n pool sink 127.0.0.1 health_check 1ns\n}":                        "health_check",
		"abusepool {\n pool sink max_qps 5\n}":                                         "no upstream address",
		"abusepool {\n pool sink 127.0.0.1\n pool sink 127.0.0.2\n}":                   "Testfile:3 - Error during parsing: pool sink: defined twice",
		"abusepool {\n bogus\n}":                                                       "unknown property \"bogus\"",
		"abusepool extra":                                                              "Wrong argument count",
		"abusepool\nabusepool":                                                         "only be used once",
		"abusepool {\n\n rule x suffix example.org explode\n}":                         "Testfile:3 - Error during parsing: rule",
		"abusepool {\n rule x suffix example.org pool sink\n}":                         "Testfile:2 - Error during parsing: rule",
		"abusepool {\n rule x suffix a.example drop\n rule x suffix b.example drop\n}": "Testfile:3 - Error during parsing: rule \"x\": the id is already used on line 2",
		"abusepool {\n window 10s\n dynamic query_rate client 10 20s 1m drop\n}":       "Testfile:3 - Error during parsing: dynamic query_rate: its window 20s is longer",
		"abusepool {\n dynamic query_rate client 10 10s 1m pool sink\n}":               "Testfile:2 - Error during parsing: dynamic query_rate: no pool \"sink\"",
		"abusepool {\n dynamic query_rate sideways\n}":                                 "Testfile:2 - Error during parsing: dynamic",
	}
	for in, want := range bad {
		_, err := parseString(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

// The API refuses a non-loopback address without a token: setup fails, naming the line.
func TestSetupAPIWithoutTokenOnPublicAddress(t *testing.T) {
	c := caddy.NewTestController("dns", "abusepool {\n window 10s\n api 192.0.2.1:8054\n}")
	c.ServerBlockKeys = []string{"example.org:53"}
	err := setup(c)
	if err == nil || !strings.Contains(err.Error(), "Testfile:3 - Error during parsing: api") || !strings.Contains(err.Error(), "token") {
		t.Fatalf("setup: error %v, want one naming line 3", err)
	}
}

// Every part starts and stops, and stopping twice (a failed start, then the shutdown) is
// harmless.
func TestLifecycleStartStop(t *testing.T) {
	cfg, err := parseString("abusepool {\n api 127.0.0.1:0\n pool sink 127.0.0.1:1\n rule x suffix example.org drop\n dynamic query_rate client 1000 10s 1m drop\n}")
	if err != nil {
		t.Fatal(err)
	}
	a, lc, err := build(cfg, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	if err := lc.start(); err != nil {
		t.Fatal(err)
	}
	if !a.Ready() {
		t.Errorf("not ready without Redis")
	}
	lc.stopAPI()
	if err := lc.startAPI(); err != nil {
		t.Fatalf("starting the API again after a failed reload: %v", err)
	}
	lc.stop()
	lc.stop()
}

// FuzzParse feeds arbitrary Corefile text to the parser: a config or an error, never a
// panic; an accepted config has a pool for every pool rule.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"abusepool",
		"abusepool {\n window 10s\n buckets 10\n capacity 100\n group_labels 1\n queue 64\n}",
		"abusepool {\n api 127.0.0.1:0\n token 0123456789abcdef\n redis 127.0.0.1:6379 p:\n}",
		"abusepool {\n pool sink 127.0.0.1:53 ::1 max_qps 1.5 health_check 1s\n rule a suffix x pool sink\n}",
		"abusepool {\n rule a cidr 10.0.0.0/8 qtype any ratelimit 1 1 subnet truncate for 1h\n}",
		"abusepool {\n dynamic nxdomain_ratio 2 0.5 100 10s 1m refused\n}",
		"abusepool {\n dynamic rcode_rate nxdomain client 5 10s 1m ratelimit 1 2 client drop\n}",
		"abusepool {\n pool a 1.2.3.4 max_qps 1e400\n}",
		"abusepool {\n kernel_drop sample 64\n}", "abusepool {\n kernel_drop sample off\n}", "abusepool {\n kernel_drop sample 4294967296\n}",
		"abusepool {", "abusepool {\n}\n}", "abusepool {\n rule\n dynamic\n pool\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cfg, err := parseString(in)
		if err != nil {
			return
		}
		for _, r := range cfg.rules {
			if r.Action == rules.Pool && !cfg.poolExists(r.Pool) {
				t.Fatalf("%q: rule %s names pool %q, which is not defined", in, r.ID, r.Pool)
			}
		}
		if !kernelfilter.ValidSample(cfg.kernelSamp) || cfg.kernelSamp != 0 && !cfg.kernelDrop {
			t.Fatalf("%q: kernel_drop %v with sample %d", in, cfg.kernelDrop, cfg.kernelSamp)
		}
	})
}
