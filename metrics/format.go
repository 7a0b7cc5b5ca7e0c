package metrics

import (
	"fmt"
	"strings"
)

// ScoreDecimals is how many decimals a system-use or assessment score is
// shown with, on the site, in the bulletin and in the workbooks alike
// (ranks use full precision).
const ScoreDecimals = 2

// Round rounds v to n decimals half away from zero on its decimal value,
// as a person does on paper: 72.125 (stored as 72.12499…) gives 72.13.
func Round(v float64, n int) float64 {
	p := 1.0
	for i := 0; i < n; i++ {
		p *= 10
	}
	x := v * p
	// nudge by a relative epsilon so that a stored …4999… rounds up
	if x >= 0 {
		x = float64(int64(x + 0.5 + 1e-9*max(1, x)))
	} else {
		x = -float64(int64(-x + 0.5 + 1e-9*max(1, -x)))
	}
	return x / p
}

// Decimal formats v with n decimals after Round; never "-0.00".
func Decimal(v float64, n int) string {
	s := fmt.Sprintf("%.*f", n, Round(v, n))
	if strings.HasPrefix(s, "-") && strings.Trim(s, "-0.") == "" {
		s = s[1:]
	}
	return s
}
