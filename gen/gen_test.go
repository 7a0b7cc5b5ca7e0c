package gen

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sgz/data"
)

func TestCheckDigit(t *testing.T) {
	// The worked example of GB 11643-1999.
	if got := CheckDigit("11010519491231002"); got != 'X' {
		t.Errorf("CheckDigit = %c, want X", got)
	}
}

func TestDeterministic(t *testing.T) {
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	a, b := t.TempDir(), t.TempDir()
	if _, _, err := Generate(ref, 3, a, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Generate(ref, 3, b, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"truth.json", "system/服务记录_2023Q4.csv", "system/站点信息_20240110.csv"} {
		x, _ := os.ReadFile(filepath.Join(a, name))
		y, _ := os.ReadFile(filepath.Join(b, name))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
}

// TestScenario checks the world against the notice's story and against
// itself: what the tests of other packages rely on.
func TestScenario(t *testing.T) {
	ref, err := data.Load()
	if err != nil {
		t.Fatal(err)
	}
	w := NewWorld(ref, 1)
	endOf2022 := time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC)
	built := map[string]int{}
	builtBy2022 := map[string]int{}
	station := map[string]*Station{}
	for _, s := range w.Stations {
		station[s.TownshipCode] = s
		if !s.InScope {
			continue
		}
		built[s.CountyCode]++
		if !s.Established.After(endOf2022) {
			builtBy2022[s.CountyCode]++
		}
	}
	inScope := map[string]int{}
	for _, tw := range ref.Townships {
		if tw.InScope {
			inScope[tw.CountyCode]++
		}
	}
	for _, c := range ref.Counties {
		pilot := c.BuildFrom < 2023
		switch {
		case pilot && builtBy2022[c.Code] != inScope[c.Code]:
			t.Errorf("pilot %s: %d of %d built by 2022", c.Name, builtBy2022[c.Code], inScope[c.Code])
		case !pilot && builtBy2022[c.Code] != 0:
			t.Errorf("%s built %d stations before 2023", c.Name, builtBy2022[c.Code])
		}
	}
	if built["140721"] != inScope["140721"]-2 || built["140724"] != inScope["140724"]-1 {
		t.Errorf("榆社县 %d/%d, 昔阳县 %d/%d: want 2 and 1 short", built["140721"], inScope["140721"], built["140724"], inScope["140724"])
	}
	ids := map[string]bool{}
	for _, wk := range w.Workers {
		s := station[wk.TownshipCode]
		if wk.Joined.Before(s.Established.Time) {
			t.Errorf("worker joined %s before station %s was established %s", wk.Joined.Format(time.DateOnly), s.Name, s.Established.Format(time.DateOnly))
		}
		if wk.Left != nil && !wk.Left.After(wk.Joined.Time) {
			t.Errorf("worker left %s before joining %s", wk.Left.Format(time.DateOnly), wk.Joined.Format(time.DateOnly))
		}
		if ids[wk.IDNumber] {
			t.Errorf("ID %s given to two workers", wk.IDNumber)
		}
		ids[wk.IDNumber] = true
		if CheckDigit(wk.IDNumber[:17]) != wk.IDNumber[17] {
			t.Errorf("ID %s has a wrong check digit", wk.IDNumber)
		}
	}
	for _, sv := range w.Services {
		if sv.End.Before(sv.Start.Time) || sv.Entered.Before(sv.End.Time) {
			t.Errorf("service %s: start %s end %s entered %s out of order", sv.ID, sv.Start.Format(time.DateOnly), sv.End.Format(time.DateOnly), sv.Entered.Format(time.DateTime))
		}
	}
}
