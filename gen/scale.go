package gen

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"sgz/data"
)

// The system exports of a province or the whole country for 2023
// (GenerateScale): the city's own files as Generate writes them, and for
// every other township of the scope a station, its services and its
// monthly summaries, streamed to GB18030 CSV files split as the system
// exports them (one per province and month for services). Nothing is held
// in memory beyond one station's month: the country's ~50,000,000 records
// take minutes and a few megabytes.

// ScaleDailyServices is the mean number of service records a station of
// the wider scope ends per day (about 1,640 a year: with ~34,700 stations
// the country's year is about 50,000,000 records).
const ScaleDailyServices = 4.5

// AreaTruth is the generator's ground truth of one area (a province, city
// or county code of data.Area, or 000000) for 2023-12-31, for the tests of
// area_indicators.
type AreaTruth struct {
	Townships       int `json:"townships_in_scope"`   // every in-scope township, the city's included
	Stations        int `json:"stations_established"` // in-scope townships with a station by 2023-12-31
	ServicesDec     int `json:"services_month"`       // services that ended in December 2023
	PersonTimesDec  int `json:"person_times_month"`
	ServicesOnTime  int `json:"services_on_time"`  // of those, entered by the day after the end
	SummariesOwed   int `json:"summaries_owed"`    // for November 2023
	SummariesOnTime int `json:"summaries_on_time"` // submitted by its deadline (data.Calendar)
	BaseinfoCounted int `json:"baseinfo_counted"`  // stations whose base-information deadline passed
	BaseinfoOnTime  int `json:"baseinfo_on_time"`
	Operating       int `json:"stations_operating"` // a service ended in Dec 2–31 (30-day window)
}

// ScaleResult says what GenerateScale wrote.
type ScaleResult struct {
	Stations, Services, Summaries int
	// CityStations and CityServices are what Generate wrote for the city.
	CityStations, CityServices int
	Files                      []string
	Truth                      map[string]*AreaTruth
}

type scaleStation struct {
	id, name, division   string
	town                 data.Township
	established, entered time.Time
	idx                  int
	// closed: 已撤销, with no services or summaries (it counts nowhere);
	// blankDate: 建站日期 left blank (established is the day its base
	// information was entered)
	closed, blankDate bool
}

// GenerateScale writes into dir the city's inputs (Generate with seed) and
// the system exports of every other township of ref's scope (data.LoadScope
// with ProvinceScope or NationalScope). summaryDue gives a month's summary
// deadline (for the truth).
func GenerateScale(ref *data.Reference, seed uint64, dir string, summaryDue func(time.Time) time.Time) (*ScaleResult, error) {
	if ref.Scope != data.ProvinceScope && ref.Scope != data.NationalScope {
		return nil, fmt.Errorf("GenerateScale: scope %q is not a province or the country", ref.Scope)
	}
	w, _, err := Generate(ref, seed, dir, Options{})
	if err != nil {
		return nil, err
	}
	res := &ScaleResult{Truth: map[string]*AreaTruth{}}
	townships := map[string]*AreaTruth{}
	for _, t := range ref.ScopeTownships {
		if t.InScope {
			if townships[t.CountyCode] == nil {
				townships[t.CountyCode] = &AreaTruth{}
			}
			townships[t.CountyCode].Townships++
		}
	}
	for county, t := range townships {
		res.add(county, t)
	}
	// the stations: nine in ten in-scope townships and three in ten of
	// the others (开发区 and the like, which coverage does not count), one
	// each, established from 2021 to October 2023; planted: 2 % closed
	// (已撤销), 5 % with a blank 建站日期 (counted from the day its base
	// information was entered), 1 % established on 20–28 December (from the
	// 25th not yet due for base information at the year's end)
	r := rand.New(rand.NewPCG(seed, 0x5ca1e))
	byProvince := map[string][]*scaleStation{}
	var provinces []string
	for _, t := range ref.ScopeTownships {
		if strings.HasPrefix(t.Code, "1407") {
			continue // the city's own come from Generate
		}
		if x := r.Float64(); (t.InScope && x >= 0.9) || (!t.InScope && x >= 0.3) {
			continue
		}
		est := d(2021, 1, 1).AddDate(0, 0, r.IntN(1034)) // to 2023-10-30
		lag := r.IntN(6)
		if r.Float64() < 0.15 {
			lag = 8 + r.IntN(40) // base information entered late
		}
		var closed, blank bool
		switch x := r.Float64(); {
		case x < 0.02:
			closed = true
		case x < 0.07:
			blank = true
		case x < 0.08:
			est, lag = d(2023, 12, 20).AddDate(0, 0, r.IntN(9)), r.IntN(3)
		}
		s := &scaleStation{id: "ZD" + t.Code + "01", name: t.Name + "社会工作服务站", town: t,
			division: t.Code + "000", established: est, entered: est.AddDate(0, 0, lag).Add(clock(r)), closed: closed, blankDate: blank}
		if blank {
			s.established = dayOf(s.entered)
		}
		p := t.Code[:2]
		if byProvince[p] == nil {
			provinces = append(provinces, p)
		}
		s.idx = len(byProvince[p])
		byProvince[p] = append(byProvince[p], s)
	}
	slices.Sort(provinces)
	if err := os.MkdirAll(filepath.Join(dir, "system"), 0o755); err != nil {
		return nil, err
	}
	// stations, one export for the scope
	name := "system/站点信息_" + ref.Scope + "_" + exportDay.Format("20060102") + ".csv"
	if ref.Scope == data.NationalScope {
		name = "system/站点信息_全国_" + exportDay.Format("20060102") + ".csv"
	}
	stationTruth := map[string]*AreaTruth{}
	err = writeStream(filepath.Join(dir, name), func(out func(...string)) {
		out("站点编号", "站点名称", "所属区划", "乡镇(街道)", "建站日期", "信息录入时间", "站点状态")
		for _, p := range provinces {
			for _, s := range byProvince[p] {
				est, status := s.established.Format(time.DateOnly), "运营中"
				if s.blankDate {
					est = ""
				}
				if s.closed {
					status = "已撤销"
				}
				out(s.id, s.name, s.division, s.town.Name, est, s.entered.Format(dateTimeLayout), status)
				res.Stations++
				if s.closed {
					continue
				}
				t := stationTruth[s.town.CountyCode]
				if t == nil {
					t = &AreaTruth{}
					stationTruth[s.town.CountyCode] = t
				}
				if s.town.InScope {
					t.Stations++
				}
				if due := maxTime(d(2023, 5, 31), s.established.AddDate(0, 0, 7)); !due.After(End) {
					t.BaseinfoCounted++
					if !dayOf(s.entered).After(due) {
						t.BaseinfoOnTime++
					}
				}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	res.Files = append(res.Files, name)
	for county, t := range stationTruth {
		res.add(county, t)
	}

	// services per province and month, and summaries per province; the
	// provinces in parallel
	type job struct{ p string }
	jobs := make(chan job)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				files, n, m, truth, err := writeProvince(dir, seed, j.p, byProvince[j.p], summaryDue)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				res.Files = append(res.Files, files...)
				res.Services += n
				res.Summaries += m
				for code, t := range truth {
					res.add(code, t)
				}
				mu.Unlock()
			}
		}()
	}
	for _, p := range provinces {
		jobs <- job{p}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	slices.Sort(res.Files)
	res.CityStations, res.CityServices = len(w.Stations), len(w.Services)
	return res, nil
}

// add adds a county's figures to its county, city, province and country
// (once: a city without counties, 441900, is its own county).
func (res *ScaleResult) add(county string, x *AreaTruth) {
	codes := []string{county, county[:4] + "00", county[:2] + "0000", data.CountryCode}
	for i, code := range codes {
		if slices.Contains(codes[:i], code) {
			continue
		}
		t := res.Truth[code]
		if t == nil {
			t = &AreaTruth{}
			res.Truth[code] = t
		}
		t.Townships += x.Townships
		t.Stations += x.Stations
		t.ServicesDec += x.ServicesDec
		t.PersonTimesDec += x.PersonTimesDec
		t.ServicesOnTime += x.ServicesOnTime
		t.SummariesOwed += x.SummariesOwed
		t.SummariesOnTime += x.SummariesOnTime
		t.BaseinfoCounted += x.BaseinfoCounted
		t.BaseinfoOnTime += x.BaseinfoOnTime
		t.Operating += x.Operating
	}
}

// writeProvince writes one province's services (a file per month of 2023)
// and summaries, and returns its counties' truth. Each station's month has
// its own random source, so the files do not depend on the order of work.
func writeProvince(dir string, seed uint64, p string, stations []*scaleStation, summaryDue func(time.Time) time.Time) ([]string, int, int, map[string]*AreaTruth, error) {
	truth := map[string]*AreaTruth{}
	at := func(county string) *AreaTruth {
		t := truth[county]
		if t == nil {
			t = &AreaTruth{}
			truth[county] = t
		}
		return t
	}
	var files []string
	services := 0
	operating := map[string]bool{}
	for m := d(2023, 1, 1); !m.After(End); m = m.AddDate(0, 1, 0) {
		name := fmt.Sprintf("system/服务记录_%s_%s.csv", p, m.Format("2006-01"))
		err := writeStream(filepath.Join(dir, name), func(out func(...string)) {
			out("服务记录编号", "站点编号", "站点名称", "服务类型", "服务对象类别", "服务开始日期", "服务结束日期", "服务人次", "录入时间", "录入人")
			for _, s := range stations {
				if s.closed {
					continue
				}
				r := rand.New(rand.NewPCG(seed^uint64(s.idx)<<20, uint64(m.Month())<<40|codeBits(s.town.Code)))
				days := daysIn(m)
				n := int(float64(days)*ScaleDailyServices*(0.5+r.Float64()) + 0.5)
				for i := range n {
					end := m.AddDate(0, 0, r.IntN(days))
					start := end.AddDate(0, 0, -[]int{0, 0, 0, 1, 2}[r.IntN(5)])
					lag := r.IntN(2)
					if r.Float64() < 0.08 {
						lag = 2 + r.IntN(5)
					}
					entered := end.AddDate(0, 0, lag).Add(clock(r))
					pt := 1 + r.IntN(25)
					if start.Before(s.established) {
						continue
					}
					// records are entered once the system knows the station
					entered = maxTime(entered, s.entered.Add(time.Hour))
					out(fmt.Sprintf("FW%s%02d%05d", s.town.Code, int(m.Month()), i), s.id, s.name,
						serviceTypes[r.IntN(len(serviceTypes))], targetKinds[r.IntN(len(targetKinds))],
						start.Format(time.DateOnly), end.Format(time.DateOnly), strconv.Itoa(pt), entered.Format(dateTimeLayout), "站点录入员")
					services++
					// the December figures as known at the end of 2023-12-31
					if m.Month() == 12 && entered.Before(d(2024, 1, 1)) {
						t := at(s.town.CountyCode)
						t.ServicesDec++
						t.PersonTimesDec += pt
						if !dayOf(entered).After(end.AddDate(0, 0, 1)) {
							t.ServicesOnTime++
						}
						if end.After(d(2023, 12, 1)) && !operating[s.id] && s.town.InScope {
							operating[s.id] = true
							t.Operating++
						}
					}
				}
			}
		})
		if err != nil {
			return nil, 0, 0, nil, err
		}
		files = append(files, name)
	}
	summaries := 0
	name := fmt.Sprintf("system/月度总结_%s_%s.csv", p, exportDay.Format("20060102"))
	err := writeStream(filepath.Join(dir, name), func(out func(...string)) {
		out("站点编号", "站点名称", "总结月份", "提交时间", "审核状态")
		for _, s := range stations {
			if s.closed {
				continue
			}
			r := rand.New(rand.NewPCG(seed^uint64(s.idx)<<20, 13<<40|codeBits(s.town.Code)))
			for m := d(2023, 1, 1); !m.After(End); m = m.AddDate(0, 1, 0) {
				if s.established.After(m.AddDate(0, 1, -1)) {
					continue
				}
				next := m.AddDate(0, 1, 0)
				var sub time.Time
				switch x := r.Float64(); {
				case x < 0.05: // missing
					if m.Month() == 11 {
						at(s.town.CountyCode).SummariesOwed++
					}
					continue
				case x < 0.15: // late
					sub = next.AddDate(0, 0, 8+r.IntN(12)).Add(clock(r))
				case x < 0.23: // returned, then submitted again (the second counts)
					back := maxTime(next.AddDate(0, 0, r.IntN(2)).Add(clock(r)), s.entered.Add(time.Hour))
					out(s.id, s.name, m.Format("2006-01"), back.Format(dateTimeLayout), "已退回")
					sub = next.AddDate(0, 0, 2+r.IntN(12)).Add(clock(r))
				default:
					sub = next.AddDate(0, 0, r.IntN(3)).Add(clock(r))
				}
				if sub.Before(s.entered) {
					sub = s.entered.Add(2 * time.Hour) // the system knows the station first
				}
				out(s.id, s.name, m.Format("2006-01"), sub.Format(dateTimeLayout), "已通过")
				summaries++
				if m.Month() == 11 {
					t := at(s.town.CountyCode)
					t.SummariesOwed++
					if !dayOf(sub).After(summaryDue(m)) {
						t.SummariesOnTime++
					}
				}
			}
		}
	})
	if err != nil {
		return nil, 0, 0, nil, err
	}
	return append(files, name), services, summaries, truth, nil
}

func codeBits(code string) uint64 {
	n, _ := strconv.ParseUint(code, 10, 64)
	return n
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func dayOf(t time.Time) time.Time { return d(t.Year(), t.Month(), t.Day()) }

// writeStream writes a GB18030 CSV file (CRLF, as the system's Windows
// export) row by row; the values are generated, never quoted.
func writeStream(path string, rows func(out func(...string))) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := transform.NewWriter(f, simplifiedchinese.GB18030.NewEncoder())
	bw := bufio.NewWriterSize(enc, 1<<20)
	rows(func(cells ...string) {
		for i, c := range cells {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString(c)
		}
		bw.WriteString("\r\n")
	})
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := enc.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
