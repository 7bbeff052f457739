package logging

import (
	"fmt"
	"log/slog"
	"log/syslog"
	"time"

	"github.com/luasync/luasync/runtime/config"
)

// DialSyslog connects to a syslog daemon: the local one when network and
// addr are "" (as lsyncd's openlog(3) does), else addr over network (a test
// listens on a "unixgram" socket). facility is a key of
// config.SyslogFacilities ("" is "user"); tag is each line's ident.
func DialSyslog(network, addr, facility, tag string) (*syslog.Writer, error) {
	if facility == "" {
		facility = "user"
	}
	code, ok := config.SyslogFacilities[facility]
	if !ok {
		return nil, fmt.Errorf("connect to syslog: unknown facility %q", facility)
	}
	w, err := syslog.Dial(network, addr, syslog.Priority(code<<3)|syslog.LOG_NOTICE, tag)
	if err != nil {
		where := addr
		if where == "" {
			where = "the local syslog (/dev/log)"
		}
		return nil, fmt.Errorf("connect to syslog at %s: %w", where, err)
	}
	return w, nil
}

// Syslog sends each line to w at the severity of its level. With lsyncd's
// format the line starts with lsyncd's category, as lsyncd's own syslog
// lines do ("Normal, --- Startup ---"). A line the daemon does not take is
// dropped: log/syslog reconnects for the next one.
func Syslog(w *syslog.Writer, lsyncdFormat bool) Output {
	return func(l slog.Level, _ time.Time, line string) {
		if lsyncdFormat {
			line = Category(l) + ", " + line
		}
		switch {
		case l >= slog.LevelError:
			w.Err(line)
		case l >= slog.LevelWarn:
			w.Warning(line)
		case l >= slog.LevelInfo && lsyncdFormat:
			w.Notice(line) // lsyncd's Normal is LOG_NOTICE
		case l >= slog.LevelInfo:
			w.Info(line)
		default:
			w.Debug(line)
		}
	}
}
