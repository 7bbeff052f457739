package rsync

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// setupSSH builds the remote shell of an SSH target: the argv the move
// script runs with, and (rshString) the same command for rsync's -e.
func (s *Sink) setupSSH() error {
	o, t := s.opts.SSH, s.opts.Target
	if t.Kind != SSH {
		return nil
	}
	if s.opts.Rsh != "" {
		return s.setupRsh()
	}
	bin := o.Binary
	if bin == "" {
		bin = "ssh"
	}
	path, err := FindBinary(bin, "apt-get install openssh-client")
	if err != nil {
		return err
	}
	if o.IdentityFile != "" {
		if _, err := os.Stat(o.IdentityFile); err != nil {
			return fmt.Errorf("ssh identity file: %w", err)
		}
	}
	s.ssh = append([]string{path}, s.sshArgs()...)
	s.setupMaster()
	return nil
}

// sshArgs are ssh's options. The configured -o options come first because
// ssh keeps the first value it reads for an option: an operator's
// BatchMode=no wins over the BatchMode=yes a daemon needs by default.
func (s *Sink) sshArgs() []string {
	o, t := s.opts.SSH, s.opts.Target
	var args []string
	for _, opt := range o.Options {
		args = append(args, "-o", opt)
	}
	if t.Port != 0 {
		args = append(args, "-p", strconv.Itoa(t.Port))
	}
	if o.IdentityFile != "" {
		args = append(args, "-i", o.IdentityFile)
	}
	args = append(args, "-o", "BatchMode=yes")
	if secs := timeoutSeconds(s.opts.Timeout); secs != "" {
		// rsync's --timeout does not cover the move script's ssh, and no
		// one notices a half-open connection without keep-alives.
		n, _ := strconv.Atoi(secs)
		args = append(args, "-o", "ConnectTimeout="+secs,
			"-o", "ServerAliveInterval="+strconv.Itoa(max(n/3, 1)), "-o", "ServerAliveCountMax=3")
	}
	return append(args, o.Extra...)
}

func (s *Sink) setupRsh() error {
	o := s.opts.SSH
	if o.Binary != "" || o.Port != 0 || o.IdentityFile != "" || len(o.Options)+len(o.Extra) > 0 || s.opts.Target.Port != 0 {
		return errors.New("rsh replaces the whole ssh command: put the port, identity file and options in it, or leave rsh out")
	}
	argv, err := splitRsh(s.opts.Rsh)
	if err != nil {
		return err
	}
	path, err := FindBinary(argv[0], "apt-get install openssh-client")
	if err != nil {
		return fmt.Errorf("rsh: %w", err)
	}
	s.ssh = append([]string{path}, argv[1:]...)
	return nil
}

// rshString is the remote shell for rsync's -e: Options.Rsh as given, or
// the built argv quoted for rsync's own splitter.
func (s *Sink) rshString() string {
	if s.opts.Rsh != "" {
		return s.opts.Rsh
	}
	q := make([]string, len(s.ssh))
	for i, a := range s.ssh {
		q[i] = quoteRsh(a)
	}
	return strings.Join(q, " ")
}

// quoteRsh quotes one argument for rsync's -e splitter (main.c do_cmd):
// words are split on spaces only, a quote starts a quoted run, and inside
// a run a doubled quote is a literal one. Backslashes are not special.
func quoteRsh(a string) string {
	return "'" + strings.ReplaceAll(a, "'", "''") + "'"
}

// splitRsh splits a remote-shell command the way rsync does, so the move
// script's ssh is the very command rsync runs.
func splitRsh(cmd string) ([]string, error) {
	var args []string
	var quote byte
	for i := 0; i < len(cmd); {
		if cmd[i] == ' ' {
			i++
			continue
		}
		var word []byte
		for i < len(cmd) && (cmd[i] != ' ' || quote != 0) {
			c := cmd[i]
			i++
			switch {
			case (c == '\'' || c == '"') && quote == 0:
				quote = c
				continue
			case c == quote && (i >= len(cmd) || cmd[i] != quote):
				quote = 0
				continue
			case c == quote:
				i++ // a doubled quote inside a run is one literal quote
			}
			word = append(word, c)
		}
		args = append(args, string(word))
	}
	if quote != 0 {
		return nil, fmt.Errorf("rsh %q: unbalanced %c quote", cmd, quote)
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("rsh %q: empty command", cmd)
	}
	return args, nil
}
