package logging

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestLsyncdLines: lsyncd's console and log file formats, with attributes
// rendered as slog's text handler renders them, levels as lsyncd's
// categories, and errors alone on stderr.
func TestLsyncdLines(t *testing.T) {
	var stdout, stderr, file bytes.Buffer
	log := slog.New(New(slog.LevelInfo, LsyncdConsole(&stdout, &stderr), LsyncdFile(&file)))
	log.Info("--- Startup ---")
	log.With("sync", "www").WithGroup("rsync").Warn("will retry", "exit", 10, "path", "a b")
	log.Error("full sync failed", "err", "exit status 23")
	log.Debug("not shown at info")

	console := regexp.MustCompile(`^\d\d:\d\d:\d\d Normal: --- Startup ---\n` +
		`\d\d:\d\d:\d\d Warn: will retry sync=www rsync.exit=10 rsync.path="a b"\n$`)
	if !console.MatchString(stdout.String()) {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	if !regexp.MustCompile(`^\d\d:\d\d:\d\d Error: full sync failed err="exit status 23"\n$`).MatchString(stderr.String()) {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	// ctime(3): "Mon Jan  2 15:04:05 2006"
	ctime := `[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}`
	lines := strings.Split(strings.TrimSuffix(file.String(), "\n"), "\n")
	want := []string{"Normal: --- Startup ---", `Warn: will retry sync=www rsync.exit=10 rsync.path="a b"`,
		`Error: full sync failed err="exit status 23"`}
	if len(lines) != len(want) {
		t.Fatalf("log file has %d lines, want %d:\n%s", len(lines), len(want), file.String())
	}
	for i, l := range lines {
		if !regexp.MustCompile("^" + ctime + " " + regexp.QuoteMeta(want[i]) + "$").MatchString(l) {
			t.Errorf("log file line %d = %q, want ctime and %q", i+1, l, want[i])
		}
	}
}

// TestSyslog sends lines to a syslog socket the test listens on, as
// log/syslog sends them to /dev/log: facility and severity in the priority,
// the ident as the tag, lsyncd's category before the message.
func TestSyslog(t *testing.T) {
	dir, err := os.MkdirTemp("", "syslog") // short: a socket path is limited to 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w, err := DialSyslog("unixgram", sock, "local3", "mirror")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	log := slog.New(New(slog.LevelDebug, Syslog(w, true)))
	log.Info("--- Startup ---", "syncs", 2)
	log.Error("full sync failed")
	log.Debug("watched", "event", "Create a")

	pid := fmt.Sprint(os.Getpid())
	for _, want := range []struct {
		pri  int
		text string
	}{
		{19*8 + 5, "Normal, --- Startup --- syncs=2"}, // local3.notice
		{19*8 + 3, "Error, full sync failed"},         // local3.err
		{19*8 + 7, `Debug, watched event="Create a"`}, // local3.debug
	} {
		got := readDatagram(t, conn)
		prefix := fmt.Sprintf("<%d>", want.pri)
		if !strings.HasPrefix(got, prefix) || !strings.Contains(got, " mirror["+pid+"]: "+want.text) {
			t.Errorf("syslog got %q, want priority %s and %q", got, prefix, "mirror["+pid+"]: "+want.text)
		}
	}
}

func readDatagram(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("read syslog socket: %v", err)
	}
	return strings.TrimSuffix(string(buf[:n]), "\n")
}

// TestDialSyslogFacility: an unknown facility is refused by name.
func TestDialSyslogFacility(t *testing.T) {
	if _, err := DialSyslog("unixgram", "/nonexistent", "deamon", "x"); err == nil || !strings.Contains(err.Error(), `"deamon"`) {
		t.Fatalf("DialSyslog = %v, want an unknown facility error", err)
	}
}
