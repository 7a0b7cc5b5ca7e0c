package metrics

import (
	"sort"
)

// Ranked is a county's system use with its rank among the counties.
type Ranked struct {
	CountyTimeliness
	// Rank by score, highest first, at full precision; ties share a rank
	// (1, 2, 2, 4). 0: no score (nothing owed), unranked.
	Rank int
	// BelowWarning: the score is below policy.use_warning.
	BelowWarning bool
	// Warned: required to submit 书面说明及整改方案 (below the warning line,
	// or the lowest-ranked when every county is above it).
	Warned bool
}

// Rank ranks the county rows (the city row is left out) by system_use_score
// and marks the counties to be warned (indicators.md): those below warning,
// or, when none is, the lowest-ranked (all of them, when tied). The result
// is in rank order, unranked counties last in code order.
func Rank(rows []CountyTimeliness, warning float64) []Ranked {
	var out []Ranked
	for _, r := range rows {
		if r.CountyCode != CityCode {
			out = append(out, Ranked{CountyTimeliness: r})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].SystemUseScore, out[j].SystemUseScore
		switch {
		case a == nil || b == nil:
			return a != nil && b == nil
		case *a != *b:
			return *a > *b
		}
		return out[i].CountyCode < out[j].CountyCode
	})
	anyBelow := false
	for i := range out {
		s := out[i].SystemUseScore
		if s == nil {
			continue
		}
		out[i].Rank = i + 1
		if i > 0 && out[i-1].SystemUseScore != nil && *out[i-1].SystemUseScore == *s {
			out[i].Rank = out[i-1].Rank
		}
		if *s < warning {
			out[i].BelowWarning, out[i].Warned, anyBelow = true, true, true
		}
	}
	if !anyBelow {
		last := 0
		for _, r := range out {
			last = max(last, r.Rank)
		}
		for i := range out {
			if last > 0 && out[i].Rank == last {
				out[i].Warned = true
			}
		}
	}
	return out
}
