package scenario

import "time"

// Sizes scales the scenarios. Rates stay as the issue gives them; quick
// runs shorten the durations and shrink the trees.
type Sizes struct {
	LoadFor        time.Duration // the 200 files/s runs
	FastLoadFor    time.Duration // the 2000 files/s run
	TreeFiles      int           // files in the pre-populated tree (and the start-up tree)
	TreeDirs       int           // directories they are spread over
	BurstFiles     int
	BurstDirs      int
	Chains         int
	MixedFiles     int // files in the mixed run's starting tree
	MixedDirs      int
	MixedFor       time.Duration
	MixedOpsPerSec int
	BigFileMB      int
	MovedDirs      int // directories unpacked and renamed into place
}

// Full is the scenarios at their real sizes.
func Full() Sizes {
	return Sizes{
		LoadFor:        15 * time.Second,
		FastLoadFor:    10 * time.Second,
		TreeFiles:      100_000,
		TreeDirs:       5_000,
		BurstFiles:     20_000,
		BurstDirs:      200,
		Chains:         500,
		MixedFiles:     2_000,
		MixedDirs:      100,
		MixedFor:       10 * time.Second,
		MixedOpsPerSec: 100,
		BigFileMB:      300,
		MovedDirs:      400,
	}
}

// Quick is a smoke run: every scenario, a tenth of the size or so.
func Quick() Sizes {
	return Sizes{
		LoadFor:        time.Second,
		FastLoadFor:    time.Second,
		TreeFiles:      10_000,
		TreeDirs:       500,
		BurstFiles:     2_000,
		BurstDirs:      20,
		Chains:         100,
		MixedFiles:     300,
		MixedDirs:      15,
		MixedFor:       time.Second,
		MixedOpsPerSec: 100,
		BigFileMB:      30,
		MovedDirs:      60,
	}
}
