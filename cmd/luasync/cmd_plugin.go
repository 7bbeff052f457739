package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/luasync/luasync/plugins/cdn"
	"github.com/luasync/luasync/plugins/command"
	"github.com/luasync/luasync/plugins/sdk"
	"github.com/luasync/luasync/plugins/socket"
	"github.com/luasync/luasync/runtime/config"
)

// builtinPlugins are the plugins this binary serves; config.BuiltinPlugins
// names the same ones for the Lua config.
var builtinPlugins = map[string]func() sdk.Plugin{
	"command": func() sdk.Plugin { return command.New() },
	"socket":  func() sdk.Plugin { return socket.New() },
	"cdn":     func() sdk.Plugin { return cdn.New() },
}

// cmdPlugin is `luasync plugin serve NAME`, which luasync itself runs to
// start a built-in plugin, and `luasync plugin list`.
func cmdPlugin(args []string, stdout, _ io.Writer) error {
	switch {
	case len(args) == 1 && args[0] == "list":
		for _, name := range config.BuiltinPlugins {
			info := builtinPlugins[name]().Info()
			fmt.Fprintf(stdout, "%-8s %s %s\n", name, info.Name, info.Version)
		}
		return nil
	case len(args) == 2 && args[0] == "serve":
		newPlugin, ok := builtinPlugins[args[1]]
		if !ok {
			return usagef("plugin serve: no built-in plugin %q (there are %s)", args[1], strings.Join(config.BuiltinPlugins, ", "))
		}
		if os.Getenv(sdk.Handshake.MagicCookieKey) != sdk.Handshake.MagicCookieValue {
			return usagef("plugin serve %s: luasync starts this itself for a sync with %s{ ... } in its plugins; it is not run by hand", args[1], args[1])
		}
		sdk.Serve(newPlugin())
		return nil
	}
	return usagef("plugin: want `plugin list` or `plugin serve NAME` (NAME one of %s)", strings.Join(config.BuiltinPlugins, ", "))
}

func init() {
	if len(builtinPlugins) != len(config.BuiltinPlugins) {
		panic("builtinPlugins and config.BuiltinPlugins disagree")
	}
	for _, name := range config.BuiltinPlugins {
		if builtinPlugins[name] == nil {
			panic("no built-in plugin " + name)
		}
	}
}
