package luavm

import "testing"

// A filter that builds a table on every call: each constructor in the
// config's code goes through the hidden marker call (see source), which
// does nothing once the config has loaded. Compare with
// BenchmarkFilterCall for what the marker costs.
const tableFilter = `
sync{ default.direct, source = "/srv/www", target = "/mnt/www",
	filter = function(event) local t = { event.path, kind = event.etype } return #t == 1 end }`

func BenchmarkFilterCallTable(b *testing.B) { benchFilter(b, tableFilter) }

// A filter that builds 1000 tables per call: the marker's cost per
// constructor, amplified past the round trip's noise.
const tableLoopFilter = `
sync{ default.direct, source = "/srv/www", target = "/mnt/www",
	filter = function(event) local n = 0 for i = 1, 1000 do local t = { i } n = n + #t end return n == 1000 end }`

func BenchmarkFilterCallTables1000(b *testing.B) { benchFilter(b, tableLoopFilter) }
