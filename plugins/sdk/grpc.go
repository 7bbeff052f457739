package sdk

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/luasync/luasync/plugins/sdk/pluginv1"
)

// Handshake is go-plugin's handshake for luasync plugins: protocol
// version 1, and the cookie the host sets in the plugin's environment
// (a program started by hand sees none and says it is a plugin).
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "LUASYNC_PLUGIN",
	MagicCookieValue: "a7e39d0c-luasync-plugin-v1",
}

// Name is the name under which a plugin process serves the luasync
// plugin (go-plugin's plugin set).
const Name = "luasync"

// Plugins is the plugin set for go-plugin's ClientConfig.Plugins: the
// host dispenses Name and gets a *Client.
var Plugins = plugin.PluginSet{Name: &GRPCPlugin{}}

// GRPCPlugin is the go-plugin glue: served, it wraps Impl; dispensed, it
// yields a *Client.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Plugin
}

// GRPCServer registers Impl's service.
func (g *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginv1.RegisterPluginServer(s, &server{impl: g.Impl})
	return nil
}

// GRPCClient returns a *Client on conn.
func (g *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return NewClient(conn), nil
}

type server struct {
	pluginv1.UnimplementedPluginServer
	impl Plugin
}

func (s *server) Info(context.Context, *pluginv1.InfoRequest) (*pluginv1.InfoResponse, error) {
	return infoToProto(s.impl.Info()), nil
}

func (s *server) Configure(ctx context.Context, req *pluginv1.ConfigureRequest) (resp *pluginv1.ConfigureResponse, err error) {
	defer recovered("Configure", &err)
	cfg := configFromProto(req)
	resp = &pluginv1.ConfigureResponse{}
	err = s.impl.Configure(ctx, cfg)
	if err == nil {
		err = cfg.Err() // keys no getter read, even if Configure forgot to ask
	}
	if err != nil {
		resp.Errors = configErrorsToProto(err)
	}
	if cfg.CallTimeout > 0 {
		resp.CallTimeout = durationpb.New(cfg.CallTimeout)
	}
	return resp, nil
}

func (s *server) Handle(ctx context.Context, req *pluginv1.HandleRequest) (resp *pluginv1.HandleResponse, err error) {
	defer recovered("Handle", &err)
	events := make([]Event, len(req.Events))
	for i, e := range req.Events {
		events[i] = eventFromProto(e)
	}
	results := s.impl.Handle(ctx, events)
	resp = &pluginv1.HandleResponse{Results: make([]*pluginv1.Result, len(results))}
	for i, r := range results {
		resp.Results[i] = &pluginv1.Result{Id: r.ID, Outcome: pluginv1.Outcome(r.Outcome), Reason: r.Reason}
	}
	return resp, nil
}

// recovered turns a panic in the plugin's code into an error for this call
// (the host retries the batch) instead of a crash.
func recovered(call string, err *error) {
	if r := recover(); r != nil {
		Log.Error("plugin panicked", "call", call, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		*err = status.Errorf(codes.Internal, "plugin panicked in %s: %v", call, r)
	}
}
