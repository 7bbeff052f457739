// Package filter decides which paths of a sync are left out: editor junk
// (base-name patterns such as ".*.swp"), lsyncd exclude lists (rsync
// patterns, from the config or an excludeFrom file), lsyncd 2.2.3 filter
// rules ("+ pat" / "- pat", first match wins) and sersync-style regexes.
//
// Patterns follow rsync's rules, since lsyncd hands its excludes to rsync and
// that is what its users mean: a pattern without '/' matches a name at any
// depth, "/x" is anchored at the sync's root, "a/b" matches the end of a path
// on a component boundary, '*' stays within a component, '**' crosses them,
// and a trailing '/' matches directories only.
//
// Package watch asks Skip before adding a watch or emitting an event, so an
// excluded directory is never watched; package daemon builds one Filter per
// sync from its config.Sync. The Lua filter function, if any, runs after this
// (package luavm). Skip is called per event and does not allocate.
package filter
