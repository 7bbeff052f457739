package luavm

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	lua "github.com/yuin/gopher-lua"

	"github.com/luasync/luasync/runtime/config"
)

// rsyncBoolKeys are the boolean keys of rsync = { ... }, as lsyncd names
// them, with the rsync option each turns on.
var rsyncBoolKeys = map[string]string{
	"acls": "acls", "append": "append", "append_verify": "append-verify", "archive": "archive",
	"backup": "backup", "checksum": "checksum", "compress": "compress", "copy_dirlinks": "copy-dirlinks",
	"copy_links": "copy-links", "copy_unsafe_links": "copy-unsafe-links", "cvs_exclude": "cvs-exclude",
	"executability": "executability", "existing": "existing", "group": "group", "hard_links": "hard-links",
	"ignore_times": "ignore-times", "inplace": "inplace", "ipv4": "ipv4", "ipv6": "ipv6",
	"keep_dirlinks": "keep-dirlinks", "links": "links", "one_file_system": "one-file-system",
	"omit_dir_times": "omit-dir-times", "omit_link_times": "omit-link-times", "owner": "owner",
	"perms": "perms", "prune_empty_dirs": "prune-empty-dirs", "quiet": "quiet", "sparse": "sparse",
	"times": "times", "update": "update", "verbose": "verbose", "whole_file": "whole-file", "xattrs": "xattrs",
}

// rsyncNoKeys turn into --no-OPTION when false: what --archive implies,
// and whole_file, which rsync turns on by itself for local copies.
var rsyncNoKeys = map[string]bool{"links": true, "perms": true, "times": true, "group": true, "owner": true, "whole_file": true}

// rsyncValueKeys take a value, passed as --option=VALUE.
var rsyncValueKeys = map[string]string{
	"backup_dir": "backup-dir", "bwlimit": "bwlimit", "chmod": "chmod", "chown": "chown",
	"groupmap": "groupmap", "usermap": "usermap", "rsync_path": "rsync-path", "suffix": "suffix",
	"temp_dir": "temp-dir",
}

// rsyncOtherKeys are set on config.RsyncConfig's own fields, or accepted
// and left to luasync (protect_args: luasync always protects ssh paths).
var rsyncOtherKeys = []string{"binary", "password_file", "port", "timeout", "rsh", "_extra", "protect_args"}

// rsyncRefused are lsyncd's rsync keys that cannot work with luasync.
var rsyncRefused = map[string]string{
	"dry_run":         "a dry run would report every change as sent while sending nothing",
	"delete_excluded": "a watched mirror never deletes excluded files; remove the exclude or the files",
}

func rsyncKeyNames() []string {
	keys := slices.Concat(slices.Collect(maps.Keys(rsyncBoolKeys)), slices.Collect(maps.Keys(rsyncValueKeys)), rsyncOtherKeys)
	return slices.Sorted(slices.Values(keys))
}

// rsyncKey parses rsync = { ... } into config.RsyncConfig, rendering the
// option keys into Args (see config.RsyncConfig.Args for the order).
func rsyncKey(d *syncDecl, v lua.LValue) error {
	t, ok := v.(*lua.LTable)
	if !ok {
		return wantError("a table such as { archive = true, compress = true }", v)
	}
	keys, err := stringKeys(t)
	if err != nil {
		return err
	}
	var r config.RsyncConfig
	archive, bools, values, extra := true, []string{}, []string{}, []string(nil)
	for _, k := range keys {
		val := t.RawGetString(k)
		var err error
		switch flag, isBool := rsyncBoolKeys[k]; {
		case k == "archive":
			archive, err = toBool(val)
		case isBool:
			bools, err = appendBoolFlag(bools, k, flag, val)
		case rsyncValueKeys[k] != "":
			values, err = appendValueFlag(values, rsyncValueKeys[k], val)
		case k == "_extra":
			extra, err = toStringList(val)
		default:
			err = rsyncField(&r, k, val)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	r.Args = []string{}
	if archive {
		r.Args = append(r.Args, "--archive")
	}
	r.Args = slices.Concat(r.Args, bools, values, extra)
	d.set(func(c *config.Sync) { c.Rsync = r })
	return nil
}

func appendBoolFlag(flags []string, key, flag string, v lua.LValue) ([]string, error) {
	on, err := toBool(v)
	switch {
	case err != nil:
		return flags, err
	case on:
		return append(flags, "--"+flag), nil
	case rsyncNoKeys[key]:
		return append(flags, "--no-"+flag), nil
	}
	return flags, nil
}

func appendValueFlag(flags []string, flag string, v lua.LValue) ([]string, error) {
	switch x := v.(type) {
	case lua.LString:
		return append(flags, "--"+flag+"="+string(x)), nil
	case lua.LNumber:
		if f := float64(x); f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return append(flags, "--"+flag+"="+strconv.FormatInt(int64(f), 10)), nil
		}
	}
	return flags, wantError("a string or a whole number", v)
}

// rsyncField sets the keys that have a field of their own.
func rsyncField(r *config.RsyncConfig, key string, v lua.LValue) error {
	var err error
	switch key {
	case "binary":
		r.Binary, err = toString(v)
	case "password_file":
		r.PasswordFile, err = toString(v)
	case "rsh":
		r.Rsh, err = toString(v)
	case "port":
		r.Port, err = toInt(v)
	case "timeout":
		r.Timeout, err = toDuration(v)
	case "protect_args":
		_, err = toBool(v)
	default:
		if why, ok := rsyncRefused[key]; ok {
			return fmt.Errorf("not supported: %s", why)
		}
		return fmt.Errorf("unknown key%s", suggestion(key, rsyncKeyNames()))
	}
	return err
}

// sshKeys are the keys of ssh = { ... }, as lsyncd names them.
var sshKeys = []string{"binary", "port", "identityFile", "options", "_extra", "multiplex"}

// sshKey parses lsyncd's ssh = { ... } table into config.SSHConfig.
func sshKey(d *syncDecl, v lua.LValue) error {
	t, ok := v.(*lua.LTable)
	if !ok {
		return wantError(`a table such as { port = 22, identityFile = "/root/.ssh/id_ed25519" }`, v)
	}
	keys, err := stringKeys(t)
	if err != nil {
		return err
	}
	var o config.SSHConfig
	for _, k := range keys {
		val := t.RawGetString(k)
		var err error
		switch k {
		case "binary":
			o.Binary, err = toString(val)
		case "port":
			o.Port, err = toInt(val)
		case "identityFile":
			o.IdentityFile, err = toString(val)
		case "options":
			o.Options, err = sshOptions(val)
		case "_extra":
			o.Extra, err = toStringList(val)
		case "multiplex":
			var on bool
			on, err = toBool(val)
			o.NoMultiplex = !on
		default:
			err = fmt.Errorf("unknown key%s", suggestion(k, sshKeys))
		}
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	d.set(func(c *config.Sync) { c.SSH = o })
	return nil
}

// sshOptions reads ssh -o options as lsyncd writes them, a table of
// Key = value (true and false become yes and no), or as a list of
// "Key=value" strings.
func sshOptions(v lua.LValue) ([]string, error) {
	t, ok := v.(*lua.LTable)
	if !ok {
		return nil, wantError(`a table such as { StrictHostKeyChecking = "yes" }`, v)
	}
	if t.Len() > 0 {
		return toStringList(v)
	}
	keys, err := stringKeys(t)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		switch x := t.RawGetString(k).(type) {
		case lua.LString:
			out = append(out, k+"="+string(x))
		case lua.LNumber:
			out = append(out, k+"="+x.String())
		case lua.LBool:
			out = append(out, k+"="+map[bool]string{true: "yes", false: "no"}[bool(x)])
		default:
			return nil, fmt.Errorf("%s: %w", k, wantError("a string, a number, or true or false", x))
		}
	}
	return out, nil
}
