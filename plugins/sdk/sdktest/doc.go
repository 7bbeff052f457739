// Package sdktest runs a luasync plugin in-process, over a real gRPC
// connection (go-plugin's own test harness), so that a plugin's tests go
// through the same encoding and calls as luasync's host does.
//
//	c := sdktest.Start(t, &hook{})
//	if err := c.Configure(ctx, &sdk.Config{Values: map[string]any{"prefix": "/bin/true"}}); err != nil { ... }
//	results, err := c.Handle(ctx, []sdk.Event{{ID: 1, Op: sdk.Create, Path: "a.txt"}})
package sdktest
