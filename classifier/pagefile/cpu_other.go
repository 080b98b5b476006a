//go:build !unix

package pagefile

import "time"

func cpuTime() time.Duration { return 0 }
