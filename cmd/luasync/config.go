package main

import (
	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/luavm"
)

// loadConfig evaluates and validates a config file. Every error it returns
// is a usageError: the config is wrong and nothing has run.
func loadConfig(args []string, verb string) (*luavm.VM, *config.Config, error) {
	if len(args) != 1 {
		return nil, nil, usagef("usage: luasync %s CONFIG", verb)
	}
	vm, cfg, err := luavm.Load(args[0])
	if err != nil {
		return nil, nil, usageError{err}
	}
	if err := cfg.Validate(); err != nil {
		vm.Close()
		return nil, nil, usageError{err}
	}
	return vm, cfg, nil
}
