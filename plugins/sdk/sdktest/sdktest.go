// Package sdktest runs a luasync plugin in-process, over a real gRPC
// connection (go-plugin's own test harness), so that a plugin's tests go
// through the same encoding and calls as luasync's host does.
//
//	c := sdktest.Start(t, &hook{})
//	if err := c.Configure(ctx, &sdk.Config{Values: map[string]any{"prefix": "/bin/true"}}); err != nil { ... }
//	results, err := c.Handle(ctx, []sdk.Event{{ID: 1, Op: sdk.Create, Path: "a.txt"}})
package sdktest

import (
	"testing"

	"github.com/hashicorp/go-plugin"

	"github.com/luasync/luasync/plugins/sdk"
)

// Start serves p on a local connection for the life of the test and
// returns a client of it.
func Start(t testing.TB, p sdk.Plugin) *sdk.Client {
	t.Helper()
	client, server := plugin.TestPluginGRPCConn(t, false, plugin.PluginSet{sdk.Name: &sdk.GRPCPlugin{Impl: p}})
	t.Cleanup(func() {
		// The server first: the client's Close asks a live server to shut
		// itself down, which races with a Stop of its own.
		server.Stop()
		client.Close()
	})
	raw, err := client.Dispense(sdk.Name)
	if err != nil {
		t.Fatalf("dispense plugin: %v", err)
	}
	return raw.(*sdk.Client)
}
