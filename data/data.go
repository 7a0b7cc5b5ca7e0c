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

//go:embed counties.csv townships.csv township_aliases.csv holidays.csv policy.csv headers.csv
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
}

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
