package sqlstore

import (
	"fmt"

	"github.com/coredns/coredns/plugin/pkg/log"
	"github.com/go-sql-driver/mysql"
)

// The MySQL driver prints a line of its own ("[mysql] packets.go: unexpected
// EOF") for every broken connection, many per outage. Its callers already
// report the errors it returns, once per outage; its own lines go to the
// debug log, where they help when debugging connection trouble.
func init() { mysql.SetLogger(debugLogger{}) }

type debugLogger struct{}

func (debugLogger) Print(v ...any) { log.Debug("[mysql] " + fmt.Sprint(v...)) }
