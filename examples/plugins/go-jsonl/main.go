// Command luasync-jsonl is a luasync plugin that appends every event it is
// handed to a file, one JSON object a line. It is an example of a plugin
// built on luasync's SDK alone; docs/plugins.md walks through it.
//
// In a sync{} of the Lua config:
//
//	plugins = { plugin{ path = "/usr/local/bin/luasync-jsonl",
//	                    config = { file = "/var/log/luasync-events.jsonl" } } }
package main

import "github.com/luasync/luasync/plugins/sdk"

func main() { sdk.Serve(&Appender{}) }
