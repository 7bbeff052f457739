package logging

import (
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Category is lsyncd's name for a level: its log lines read
// "12:00:00 Normal: --- Startup ---".
func Category(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "Error"
	case l >= slog.LevelWarn:
		return "Warn"
	case l >= slog.LevelInfo:
		return "Normal"
	}
	return "Debug"
}

// LsyncdConsole writes lsyncd's console lines: "15:04:05 Category: line",
// errors to stderr and everything else to stdout, as lsyncd -nodaemon does.
func LsyncdConsole(stdout, stderr io.Writer) Output {
	return func(l slog.Level, t time.Time, line string) {
		w := stdout
		if l >= slog.LevelError {
			w = stderr
		}
		fmt.Fprintf(w, "%s %s: %s\n", t.Format(time.TimeOnly), Category(l), line)
	}
}

// LsyncdFile writes lsyncd's log file lines, stamped as ctime(3) stamps
// them: "Mon Jan  2 15:04:05 2006 Category: line".
func LsyncdFile(w io.Writer) Output {
	return func(l slog.Level, t time.Time, line string) {
		fmt.Fprintf(w, "%s %s: %s\n", t.Format(time.ANSIC), Category(l), line)
	}
}
