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
