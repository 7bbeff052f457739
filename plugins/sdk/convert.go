package sdk

import (
	"errors"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/luasync/luasync/plugins/sdk/pluginv1"
)

func infoToProto(i Info) *pluginv1.InfoResponse {
	r := &pluginv1.InfoResponse{Name: i.Name, Version: i.Version, MaxBatch: int32(i.MaxBatch),
		MaxInFlight: int32(i.MaxInFlight), NoReplay: i.NoReplay}
	for _, op := range i.Accepts {
		r.Accepts = append(r.Accepts, pluginv1.Op(op))
	}
	return r
}

func infoFromProto(r *pluginv1.InfoResponse) Info {
	i := Info{Name: r.Name, Version: r.Version, MaxBatch: int(r.MaxBatch), MaxInFlight: int(r.MaxInFlight),
		NoReplay: r.NoReplay}
	for _, op := range r.Accepts {
		i.Accepts = append(i.Accepts, Op(op))
	}
	return i
}

func configToProto(c *Config) (*pluginv1.ConfigureRequest, error) {
	s, err := structpb.NewStruct(c.Values)
	if err != nil {
		return nil, err
	}
	return &pluginv1.ConfigureRequest{Config: s, Sync: c.Sync, Source: []byte(c.Source), Check: c.Check}, nil
}

func configFromProto(r *pluginv1.ConfigureRequest) *Config {
	return &Config{Sync: r.Sync, Source: string(r.Source), Check: r.Check, Values: r.GetConfig().AsMap()}
}

func configErrorsToProto(err error) []*pluginv1.ConfigError {
	var many ConfigErrors
	if errors.As(err, &many) {
		out := make([]*pluginv1.ConfigError, len(many))
		for i, e := range many {
			out[i] = &pluginv1.ConfigError{Key: e.Key, Message: e.Message}
		}
		return out
	}
	var one ConfigError
	if errors.As(err, &one) {
		return []*pluginv1.ConfigError{{Key: one.Key, Message: one.Message}}
	}
	return []*pluginv1.ConfigError{{Message: err.Error()}}
}

func eventToProto(ev Event) *pluginv1.Event {
	e := &pluginv1.Event{Id: ev.ID, Op: pluginv1.Op(ev.Op), Path: []byte(ev.Path), IsDir: ev.IsDir, Size: ev.Size,
		Again: ev.Again}
	if ev.From != "" {
		e.From = []byte(ev.From)
	}
	if !ev.Time.IsZero() {
		e.Time = timestamppb.New(ev.Time)
	}
	return e
}

func eventFromProto(e *pluginv1.Event) Event {
	ev := Event{ID: e.Id, Op: Op(e.Op), Path: string(e.Path), From: string(e.From), IsDir: e.IsDir, Size: e.Size,
		Again: e.Again}
	if e.Time != nil {
		ev.Time = e.Time.AsTime()
	}
	return ev
}
