// Package event holds the leaf types every pipeline stage shares: an Event
// (one change under a sync's source), its Op, a Batch handed to a sink, and
// the per-event Result a sink reports back.
//
// Paths are relative to the sync's source, slash-separated, without a leading
// or trailing slash; the empty path is the source root itself. A path is raw
// bytes in a Go string: it may hold spaces, newlines, quotes, leading dashes or
// bytes that are not UTF-8, and no stage may assume otherwise.
//
// Sinks apply events by state, not by replay: Create, Modify and Attrib all
// mean "make the target's copy of Path match the source as it is now", so an
// event that arrives late or twice is harmless. What differs between them is
// what the queue may merge away (see package queue).
package event
