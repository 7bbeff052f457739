// Package stats is the arithmetic of the sync benchmark: latency
// percentiles (nearest rank, so every figure is a latency that really
// happened), the luasync / best-anchor ratio the report prints under each
// scenario's table, and the median, min and max of a metric over repeated
// runs.
//
// It knows nothing about tools or files; package report formats what it
// computes, and cmd/benchsync feeds it the samples package probe collected.
package stats
