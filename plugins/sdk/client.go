package sdk

import (
	"context"
	"fmt"

	"google.golang.org/grpc"

	"github.com/luasync/luasync/plugins/sdk/pluginv1"
)

// Client calls a plugin: the host's side of the protocol, and what
// sdktest hands a test.
type Client struct {
	rpc pluginv1.PluginClient
}

// NewClient is a Client on a gRPC connection to a plugin.
func NewClient(conn grpc.ClientConnInterface) *Client {
	return &Client{rpc: pluginv1.NewPluginClient(conn)}
}

// Info asks the plugin what it is.
func (c *Client) Info(ctx context.Context) (Info, error) {
	resp, err := c.rpc.Info(ctx, &pluginv1.InfoRequest{})
	if err != nil {
		return Info{}, fmt.Errorf("plugin info: %w", err)
	}
	return infoFromProto(resp), nil
}

// Configure hands the plugin its config. Mistakes the plugin found come
// back as ConfigErrors; any other error is the call's. It sets
// cfg.CallTimeout to what the plugin said.
func (c *Client) Configure(ctx context.Context, cfg *Config) error {
	req, err := configToProto(cfg)
	if err != nil {
		return fmt.Errorf("plugin configure: %w", err)
	}
	resp, err := c.rpc.Configure(ctx, req)
	if err != nil {
		return fmt.Errorf("plugin configure: %w", err)
	}
	cfg.CallTimeout = resp.GetCallTimeout().AsDuration()
	if len(resp.Errors) == 0 {
		return nil
	}
	errs := make(ConfigErrors, len(resp.Errors))
	for i, e := range resp.Errors {
		errs[i] = ConfigError{Key: e.Key, Message: e.Message}
	}
	return errs
}

// Handle sends a batch and returns the plugin's results as it sent them:
// the caller matches them to events by ID, and retries what has none.
func (c *Client) Handle(ctx context.Context, events []Event) ([]Result, error) {
	req := &pluginv1.HandleRequest{Events: make([]*pluginv1.Event, len(events))}
	for i, ev := range events {
		req.Events[i] = eventToProto(ev)
	}
	resp, err := c.rpc.Handle(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("plugin handle: %w", err)
	}
	out := make([]Result, len(resp.Results))
	for i, r := range resp.Results {
		out[i] = Result{ID: r.Id, Outcome: Outcome(r.Outcome), Reason: r.Reason}
	}
	return out, nil
}
