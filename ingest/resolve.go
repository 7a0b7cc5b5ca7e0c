package ingest

import (
	"fmt"
	"regexp"
	"strings"

	"sgz/data"
)

// Resolver turns the county and township names and codes found in files
// into reference codes, in the order inputs.md gives: exact code, exact
// name, alias, unique suffix-stripped name. It never guesses: anything
// unknown or ambiguous is an error that lists the candidates.
type Resolver struct {
	ref       *data.Reference
	countyBy  map[string]string // name or alias -> code
	townships map[string][]data.Township
	// scopeTowns are the township-level units of the policy's scope by
	// code, for the division codes of system exports (at the city scope,
	// the city's own).
	scopeTowns map[string]data.Township
	scopeName  string
}

// NewResolver indexes the reference data.
func NewResolver(ref *data.Reference) *Resolver {
	r := &Resolver{ref: ref, countyBy: map[string]string{}, townships: map[string][]data.Township{},
		scopeTowns: map[string]data.Township{}, scopeName: "晋中市"}
	for _, c := range ref.Counties {
		r.countyBy[c.Code] = c.Code
		r.countyBy[c.Name] = c.Code
		for _, a := range c.Aliases {
			r.countyBy[a] = c.Code
		}
	}
	for _, t := range ref.Townships {
		r.townships[t.CountyCode] = append(r.townships[t.CountyCode], t)
	}
	towns := ref.ScopeTownships
	if towns == nil {
		towns = ref.Townships // a Reference from data.Load
	}
	for _, t := range towns {
		r.scopeTowns[t.Code] = t
	}
	switch ref.Scope {
	case data.ProvinceScope:
		r.scopeName = "山西省"
	case data.NationalScope:
		r.scopeName = "全国"
	}
	return r
}

// Division resolves the 9- or 12-digit division code of a system export
// to a township of the scope.
func (r *Resolver) Division(code string) (data.Township, error) {
	if t, ok := r.scopeTowns[code[:9]]; ok {
		return t, nil
	}
	return data.Township{}, fmt.Errorf("%s 不是%s的乡镇（街道）代码", code[:9], r.scopeName)
}

var reDigits = regexp.MustCompile(`^\d+$`)

// County resolves a county name, alias or 6-digit code.
func (r *Resolver) County(s string) (string, error) {
	s = strings.ReplaceAll(Clean(s), " ", "")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "山西省"), "晋中市")
	if s == "" {
		return "", errNoValue
	}
	if reDigits.MatchString(s) && len(s) > 6 {
		s = s[:6]
	}
	if code, ok := r.countyBy[s]; ok {
		return code, nil
	}
	var names []string
	for _, c := range r.ref.Counties {
		names = append(names, c.Name)
	}
	return "", fmt.Errorf("%q 不是晋中市的县（市、区）（应为：%s）", s, strings.Join(names, "、"))
}

// Township resolves a township name, alias or 9- or 12-digit code within a
// county.
func (r *Resolver) Township(county, s string) (data.Township, error) {
	s = strings.ReplaceAll(Clean(s), " ", "")
	if s == "" {
		return data.Township{}, errNoValue
	}
	towns := r.townships[county]
	if reDigits.MatchString(s) && (len(s) == 9 || len(s) == 12) {
		code := s[:9]
		for _, t := range r.ref.Townships {
			if t.Code == code {
				if t.CountyCode != county {
					return data.Township{}, fmt.Errorf("乡镇代码 %s（%s）属于 %s，不属于 %s", code, t.Name, r.countyName(t.CountyCode), r.countyName(county))
				}
				return t, nil
			}
		}
		return data.Township{}, fmt.Errorf("%s 不是晋中市的乡镇（街道）代码", s)
	}
	for _, t := range towns {
		if t.Name == s {
			return t, nil
		}
	}
	if code, ok := r.ref.TownshipAliases[s]; ok {
		for _, t := range towns {
			if t.Code == code {
				return t, nil
			}
		}
	}
	stem := stripSuffix(s)
	var hits []data.Township
	for _, t := range towns {
		if stripSuffix(t.Name) == stem {
			hits = append(hits, t)
		}
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	if len(hits) > 1 {
		return data.Township{}, fmt.Errorf("%q 有多个可能：%s", s, townshipList(hits))
	}
	// Unknown: offer the townships sharing a character with it, to help the
	// clerk; nothing is chosen.
	var near []data.Township
	for _, t := range towns {
		if strings.ContainsAny(stripSuffix(t.Name), stem) {
			near = append(near, t)
		}
	}
	if len(near) == 0 || len(near) > 8 {
		return data.Township{}, fmt.Errorf("%q 不是 %s 的乡镇（街道）", s, r.countyName(county))
	}
	return data.Township{}, fmt.Errorf("%q 不是 %s 的乡镇（街道）（相近的有：%s）", s, r.countyName(county), townshipList(near))
}

func townshipList(ts []data.Township) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, t.Name+" "+t.Code)
	}
	return strings.Join(parts, "、")
}

// stripSuffix removes the unit suffix of a township name: 东阳镇 -> 东阳.
func stripSuffix(s string) string {
	for _, suf := range []string{"街道办事处", "办事处", "街道", "镇", "乡"} {
		if t, ok := strings.CutSuffix(s, suf); ok && t != "" {
			return t
		}
	}
	return s
}

func (r *Resolver) countyName(code string) string {
	if c, ok := r.ref.County(code); ok {
		return c.Name
	}
	return code
}
