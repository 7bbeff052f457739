package daemon

import (
	"github.com/luasync/luasync/runtime/config"
	"github.com/luasync/luasync/runtime/rsync"
)

// exitClasses turns an lsyncd exit code table into the rsync sink's
// classes: "ok" is OK, "again" Retry, "die" Stop.
func exitClasses(codes map[int]config.ExitAction) map[int]rsync.Class {
	if len(codes) == 0 {
		return nil
	}
	out := make(map[int]rsync.Class, len(codes))
	for code, action := range codes {
		switch action {
		case config.ExitOK:
			out[code] = rsync.OK
		case config.ExitAgain:
			out[code] = rsync.Retry
		case config.ExitDie:
			out[code] = rsync.Stop
		}
	}
	return out
}

// keyPos says where a key of the sync is set, for messages: the key's
// line, or the sync{} call's.
func keyPos(c *config.Sync, key string) string {
	if pos, ok := c.KeyPos[key]; ok {
		return pos.String()
	}
	return c.Pos.String()
}
