package autocert

import (
	"strings"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

var log = clog.NewWithPlugin("urlredirect")

// logWriter hands each zap line to CoreDNS's log, so certmagic's messages land where
// the operator reads the server's.
type logWriter struct{}

func (logWriter) Write(p []byte) (int, error) {
	line := strings.TrimSpace(string(p))
	if strings.HasPrefix(line, "error") {
		log.Error(line)
	} else {
		log.Warning(line)
	}
	return len(p), nil
}

func (logWriter) Sync() error { return nil }

// corednsLogger is certmagic's logger by default: warnings and errors only, since
// certmagic logs every lock and handshake at info.
func corednsLogger() *zap.Logger {
	enc := zapcore.NewConsoleEncoder(zapcore.EncoderConfig{
		LevelKey: "level", MessageKey: "msg", NameKey: "logger",
		EncodeLevel: zapcore.LowercaseLevelEncoder, EncodeName: zapcore.FullNameEncoder,
		ConsoleSeparator: " ",
	})
	return zap.New(zapcore.NewCore(enc, logWriter{}, zap.WarnLevel))
}
