// Package data holds sgz's reference data and policy defaults: the counties
// and townships of 晋中市, the official holiday calendar and every threshold
// and weight of docs/indicators.md. The files are CSV so that a user can read
// and edit them; they are embedded so that the binary works on its own.
//
// In: the embedded CSV files (or a user's policy file). Out: typed Go values.
package data

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

//go:embed counties.csv townships.csv township_aliases.csv holidays.csv policy.csv headers.csv divisions.csv townships_cn.csv
var files embed.FS

// County is one county-level unit (县/区/市) of 晋中市.
type County struct {
	Code    string   // 6 digits, GB/T 2260
	Name    string   // canonical name, e.g. 太谷区
	Aliases []string // other names seen in files, e.g. 太谷县, 太谷
	// BuildFrom and BuildTo are the years the county's stations were built.
	BuildFrom, BuildTo int
}

// Township is one township-level unit (乡/镇/街道 or other office).
type Township struct {
	Code       string // 9 digits
	Name       string
	CountyCode string
	Kind       string // 街道, 镇, 乡 or 其他
	InScope    bool   // counted for coverage (codes below 400 by default)
}

// Holiday is one day of the official calendar that differs from the
// Monday-to-Friday rule: a rest day (Kind "holiday") or an adjusted working
// day on a weekend (Kind "workday").
type Holiday struct {
	Date time.Time
	Kind string
	Name string
}

// Reference is the whole reference data set.
type Reference struct {
	Counties  []County
	Townships []Township
	// TownshipAliases maps an extra name to a township code.
	TownshipAliases map[string]string
	Holidays        []Holiday

	// Scope is the policy's scope (CityScope, ProvinceScope or
	// NationalScope); Areas are its divisions — the country (code 000000,
	// national scope only), provinces, cities and counties — and
	// ScopeTownships its township-level units, for the figures summed by
	// area from the system exports. At the city scope they are 晋中市, its
	// counties and Townships.
	Scope          string
	Areas          []Area
	ScopeTownships []Township
}

// Area is one division of the scope: level country, province, city or
// county; Parent is the code of the level above ("" for the top). A city
// without counties (东莞市 441900) is also a county of the same code: an
// area is known by its level and code.
type Area struct {
	Code, Name, Level, Parent string
}

// CountryCode is the code of the 全国 row of the national scope.
const CountryCode = "000000"

// Load reads the embedded reference data.
func Load() (*Reference, error) {
	ref := &Reference{TownshipAliases: map[string]string{}}
	err := readCSV("counties.csv", []string{"county_code", "county_name", "aliases", "build_from", "build_to"}, func(r []string) error {
		from, err1 := strconv.Atoi(r[3])
		to, err2 := strconv.Atoi(r[4])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("建站年份 %q、%q 不是年份", r[3], r[4])
		}
		c := County{Code: r[0], Name: r[1], BuildFrom: from, BuildTo: to}
		if r[2] != "" {
			c.Aliases = strings.Split(r[2], "|")
		}
		ref.Counties = append(ref.Counties, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV("townships.csv", []string{"township_code", "township_name", "county_code", "kind", "in_scope"}, func(r []string) error {
		in, err := strconv.ParseBool(r[4])
		if err != nil {
			return fmt.Errorf("in_scope %q 应为 true 或 false", r[4])
		}
		ref.Townships = append(ref.Townships, Township{Code: r[0], Name: r[1], CountyCode: r[2], Kind: r[3], InScope: in})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV("township_aliases.csv", []string{"alias", "township_code"}, func(r []string) error {
		ref.TownshipAliases[r[0]] = r[1]
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readCSV("holidays.csv", []string{"date", "kind", "name"}, func(r []string) error {
		d, err := time.Parse(time.DateOnly, r[0])
		if err != nil {
			return fmt.Errorf("日期 %q 不是 YYYY-MM-DD 格式", r[0])
		}
		if r[1] != "holiday" && r[1] != "workday" {
			return fmt.Errorf("类型 %q 应为 holiday（放假）或 workday（调休上班）", r[1])
		}
		ref.Holidays = append(ref.Holidays, Holiday{Date: d, Kind: r[1], Name: r[2]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ref, nil
}

// LoadScope reads the embedded reference data for a policy's scope: Load,
// with the divisions and townships of the city, the province or the
// country. The 41,352 townships of the country are read only for a scope
// wider than the city.
func LoadScope(scope string) (*Reference, error) {
	ref, err := Load()
	if err != nil {
		return nil, err
	}
	prefix := ""
	switch scope {
	case CityScope, ProvinceScope:
		prefix = scope
	case NationalScope:
		ref.Areas = append(ref.Areas, Area{Code: CountryCode, Name: "全国", Level: "country"})
	default:
		return nil, fmt.Errorf("范围 %q 应为 %s、%s 或 %s", scope, CityScope, ProvinceScope, NationalScope)
	}
	ref.Scope = scope
	err = readCSV("divisions.csv", []string{"code", "name", "level", "parent"}, func(r []string) error {
		if !strings.HasPrefix(r[0], prefix) {
			return nil
		}
		if r[3] == "" && scope == NationalScope {
			r[3] = CountryCode
		}
		if scope == CityScope && r[2] == "city" {
			r[3] = "" // the city is the top: its province is not summed
		}
		if scope == CityScope && r[2] == "province" {
			return nil
		}
		ref.Areas = append(ref.Areas, Area{Code: r[0], Name: r[1], Level: r[2], Parent: r[3]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if scope == CityScope {
		ref.ScopeTownships = ref.Townships
		return ref, nil
	}
	err = readCSV("townships_cn.csv", []string{"township_code", "township_name", "county_code"}, func(r []string) error {
		if !strings.HasPrefix(r[0], prefix) {
			return nil
		}
		kind, in := TownshipKind(r[0])
		ref.ScopeTownships = append(ref.ScopeTownships, Township{Code: r[0], Name: r[1], CountyCode: r[2], Kind: kind, InScope: in})
		return nil
	})
	return ref, err
}

// County returns the county with the given code.
func (r *Reference) County(code string) (County, bool) {
	for _, c := range r.Counties {
		if c.Code == code {
			return c, true
		}
	}
	return County{}, false
}

// readCSV reads an embedded CSV file whose header must be want, calling fn
// for every data row. Lines starting with # are comments.
func readCSV(name string, want []string, fn func([]string) error) error {
	b, err := files.ReadFile(name)
	if err != nil {
		return err
	}
	return parseCSV(name, b, want, fn)
}

func parseCSV(name string, b []byte, want []string, fn func([]string) error) error {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
	cr.Comment = '#'
	cr.FieldsPerRecord = len(want)
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if strings.Join(header, ",") != strings.Join(want, ",") {
		return fmt.Errorf("%s: 表头为 %q，应为 %q", name, strings.Join(header, ","), strings.Join(want, ","))
	}
	for {
		r, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for i := range r {
			r[i] = strings.TrimSpace(r[i])
		}
		if err := fn(r); err != nil {
			line, _ := cr.FieldPos(0)
			return fmt.Errorf("%s 第 %d 行: %w", name, line, err)
		}
	}
}

// Header is one synonym of data/headers.csv: the column header Header of a
// sheet of kind Kind means field Field. Key fields identify the kind.
type Header struct {
	Kind, Field, Header string
	Key                 bool
}

// Headers reads the embedded header synonym table.
func Headers() ([]Header, error) {
	var out []Header
	err := readCSV("headers.csv", []string{"kind", "field", "header", "key"}, func(r []string) error {
		key, err := strconv.ParseBool(r[3])
		if err != nil {
			return fmt.Errorf("key %q 应为 true 或 false", r[3])
		}
		out = append(out, Header{Kind: r[0], Field: r[1], Header: r[2], Key: key})
		return nil
	})
	return out, err
}

// TownshipKind is the kind of a township-level unit and whether coverage
// counts it, from the third part of its 9-digit code (GB/T 10114): 001-099
// 街道, 100-199 镇, 200-399 乡 (民族乡 included), counted; 400 and above
// (开发区, 农场 and other offices) 其他, not counted.
func TownshipKind(code string) (kind string, inScope bool) {
	if len(code) != 9 {
		return "其他", false
	}
	n, err := strconv.Atoi(code[6:9])
	switch {
	case err != nil:
		return "其他", false
	case n < 100:
		return "街道", true
	case n < 200:
		return "镇", true
	case n < 400:
		return "乡", true
	}
	return "其他", false
}
