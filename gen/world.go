// Package gen generates the inputs a city bureau really receives — county
// ledger workbooks and exports of the national social work information
// system — from a deterministic synthetic world, together with that world as
// ground truth so that tests can compare sgz's figures against it.
//
// In: reference data (counties, townships), a seed. Out: a folder of .xlsx
// and .csv files and truth.json.
package gen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"sgz/data"
)

// The world is a scenario that follows 市民函〔2023〕28号: the pilot counties
// are fully covered by the end of 2022; the six others build during 2023, most
// reach full coverage by the year end and some fall short.

// World is the ground truth: everything the generator created.
type World struct {
	Seed     uint64     `json:"seed"`
	Stations []*Station `json:"stations"`
	Workers  []*Worker  `json:"workers"`
	Services []*Service `json:"services"`
	Ledgers  []*Ledger  `json:"ledgers"`
	// Summaries are the monthly summaries (月度总结) submitted in the system.
	Summaries []*Summary `json:"summaries"`
	// Funds are the rows of the counties' funds ledgers (资金台账), and
	// FundFlags the flags planted in them.
	Funds     []*FundEntry `json:"funds"`
	FundFlags []FundFlag   `json:"fund_flags"`

	ids map[string]bool // ID numbers handed out, so that each person is one
}

// Station is one social work station.
type Station struct {
	ID           string `json:"station_id"` // system 站点编号
	CountyCode   string `json:"county_code"`
	TownshipCode string `json:"township_code"`
	TownshipName string `json:"township_name"`
	InScope      bool   `json:"in_scope"`
	Name         string `json:"name"`
	Established  Date   `json:"established"`
	// BaseinfoEntered is when the station's base information was entered in
	// the system (信息录入时间).
	BaseinfoEntered DateTime `json:"baseinfo_entered"`
	Mode            string   `json:"mode"`
	Operator        string   `json:"operator"`
	HasSite         bool     `json:"has_site"`
	SiteArea        int      `json:"site_area"`
	HasRules        bool     `json:"has_rules"`
	HasSignage      bool     `json:"has_signage"`
	Signature       string   `json:"signature"`
	// SignboardOnly stations (挂牌未运营) never record a service.
	SignboardOnly bool `json:"signboard_only"`
	// Disagreements between the ledger and the system (reconciliation):
	// a station the system never registered, one whose 建站日期 in the
	// system differs from the ledger's 挂牌时间, one the ledger leaves out.
	NotInSystem     bool  `json:"not_in_system"`
	SystemEstablish *Date `json:"system_established,omitempty"`
	LedgerOmits     bool  `json:"ledger_omits"`
}

// SystemEstablished is the station's 建站日期 in the system.
func (s *Station) SystemEstablished() time.Time {
	if s.SystemEstablish != nil {
		return s.SystemEstablish.Time
	}
	return s.Established.Time
}

// Worker is one person placed at a station.
type Worker struct {
	CountyCode   string `json:"county_code"`
	TownshipCode string `json:"township_code"`
	Name         string `json:"name"`
	Sex          string `json:"sex"`
	IDNumber     string `json:"id_number"`
	Phone        string `json:"phone"`
	Role         string `json:"role"`
	FullTime     bool   `json:"full_time"`
	// CertLevel is "" (no certificate), 助理社会工作师, 社会工作师 or 高级社会工作师.
	CertLevel string `json:"cert_level"`
	CertDate  *Date  `json:"cert_date"`
	Joined    Date   `json:"joined"`
	Left      *Date  `json:"left"`
}

// Service is one service record in the system.
type Service struct {
	ID          string   `json:"service_id"`
	StationID   string   `json:"station_id"`
	Type        string   `json:"type"`
	Target      string   `json:"target"`
	Start       Date     `json:"start"`
	End         Date     `json:"end"`
	EndBlank    bool     `json:"end_blank"` // exported with a blank end date (= start)
	PersonTimes int      `json:"person_times"`
	Entered     DateTime `json:"entered"`
}

// Summary is one monthly summary submission in the system.
type Summary struct {
	StationID string   `json:"station_id"`
	Month     string   `json:"month"` // YYYY-MM
	Submitted DateTime `json:"submitted"`
	Status    string   `json:"status"` // 已提交, 已退回, 已通过
}

// Ledger is one county ledger: a snapshot at its report date of the
// stations established and the workers who joined by then, in one workbook
// or (a county's habit) two CSV files.
type Ledger struct {
	CountyCode string   `json:"county_code"`
	ReportDate Date     `json:"report_date"`
	Files      []string `json:"files"`
}

// countyPlan is how one county builds its stations.
type countyPlan struct {
	county data.County
	// buildFrom..buildTo is when its in-scope stations are established.
	buildFrom, buildTo time.Time
	// unbuilt in-scope townships still without a station at 2023-12-31.
	unbuilt int
	// certRate is the share of workers holding a certificate.
	certRate float64
	// servicesPerMonth is a station's mean number of services a month.
	servicesPerMonth int
	signboardOnly    int
	// lateEntry is the share of service records entered late (2–6 days
	// after the service ended instead of the same or the next day).
	lateEntry float64
	// missingLedgers are report months (YYYY-MM) the county did not send.
	missingLedgers []string
}

// End is the last day of the generated world.
var End = d(2023, 12, 31)

// exportDay is when the system exports were taken.
var exportDay = d(2024, 1, 10)

func plans(ref *data.Reference) []countyPlan {
	// Per county: certification propensity, service intensity, and who falls
	// short. The numbers make counties differ; they are not real figures.
	type p struct {
		cert           float64
		spm, unbuilt   int
		signboard      int
		late           float64
		missingLedgers []string
	}
	per := map[string]p{
		"140702": {0.80, 14, 0, 2, 0.12, nil},
		"140703": {0.55, 9, 0, 1, 0.30, nil},
		"140721": {0.40, 6, 2, 1, 0.08, nil},
		"140722": {0.60, 8, 0, 0, 0.18, []string{"2023-08"}},
		"140723": {0.85, 16, 0, 0, 0.06, nil},
		"140724": {0.65, 10, 1, 1, 0.25, nil},
		"140725": {0.75, 12, 0, 1, 0.10, nil},
		"140727": {0.50, 8, 0, 2, 0.40, nil},
		"140728": {0.90, 18, 0, 0, 0.08, []string{"2023-02"}},
		"140729": {0.70, 11, 0, 0, 0.12, nil},
		"140781": {0.95, 20, 0, 0, 0.04, nil},
	}
	var out []countyPlan
	for _, c := range ref.Counties {
		q := per[c.Code]
		cp := countyPlan{county: c, certRate: q.cert, servicesPerMonth: q.spm, unbuilt: q.unbuilt,
			signboardOnly: q.signboard, lateEntry: q.late, missingLedgers: q.missingLedgers}
		if c.BuildFrom < 2023 {
			cp.buildFrom, cp.buildTo = d(c.BuildFrom, 3, 1), d(c.BuildTo, 11, 30)
		} else {
			cp.buildFrom, cp.buildTo = d(2023, 2, 1), d(2023, 12, 20)
		}
		out = append(out, cp)
	}
	return out
}

// NewWorld builds the synthetic world for a seed.
func NewWorld(ref *data.Reference, seed uint64) *World {
	r := rand.New(rand.NewPCG(seed, seed^0x5347_5a5a))
	w := &World{Seed: seed, ids: map[string]bool{}}
	for _, cp := range plans(ref) {
		w.buildCounty(r, ref, cp)
	}
	w.funds(seed)
	return w
}

func (w *World) buildCounty(r *rand.Rand, ref *data.Reference, cp countyPlan) {
	var towns []data.Township
	for _, t := range ref.Townships {
		if t.CountyCode == cp.county.Code && t.InScope {
			towns = append(towns, t)
		}
	}
	// Established dates spread over the build period; the last cp.unbuilt
	// townships get none by the end of 2023.
	span := int(cp.buildTo.Sub(cp.buildFrom).Hours() / 24)
	dates := make([]time.Time, len(towns))
	for i := range dates {
		dates[i] = cp.buildFrom.AddDate(0, 0, r.IntN(span+1))
	}
	slices.SortFunc(dates, func(a, b time.Time) int { return a.Compare(b) })
	order := r.Perm(len(towns))
	var stations []*Station
	for k, i := range order {
		if k >= len(towns)-cp.unbuilt {
			break
		}
		stations = append(stations, w.newStation(r, cp, towns[i], dates[k]))
	}
	// One county also runs a station in an out-of-scope unit (城区), which a
	// ledger lists but coverage does not count.
	if cp.county.Code == "140721" {
		for _, t := range ref.Townships {
			if t.CountyCode == cp.county.Code && !t.InScope {
				stations = append(stations, w.newStation(r, cp, t, d(2023, 7, 12)))
				break
			}
		}
	}
	// Signboard-only stations: the earliest established ones of the county
	// that are in scope, so that they are well past the operating window.
	for i := 0; i < cp.signboardOnly && i < len(stations); i++ {
		stations[i].SignboardOnly = true
	}
	switch cp.county.Code {
	case "140724": // 昔阳县: its signboard-only station never registered in the system
		stations[0].NotInSystem = true
		stations[0].BaseinfoEntered = DateTime{}
	case "140781": // 介休市: the system has another 建站日期 for one station
		stations[len(stations)/2].SystemEstablish = &Date{stations[len(stations)/2].Established.AddDate(0, 0, 10)}
	case "140721": // 榆社县: the ledger leaves out its 城区 station (out of scope), which the system has
		stations[len(stations)-1].LedgerOmits = true
	}
	slices.SortFunc(stations, func(a, b *Station) int { return cmpStr(a.TownshipCode, b.TownshipCode) })
	for _, s := range stations {
		w.Stations = append(w.Stations, s)
		w.staff(r, cp, s)
		if !s.SignboardOnly {
			w.services(r, cp, s)
		}
		if !s.NotInSystem {
			w.summaries(r, s)
		}
	}
	w.ledgers(cp)
}

var modes = []string{"购买服务", "购买服务", "委托运营", "自建自营"}
var operators = []string{"社会工作服务中心", "社工事务所", "社会工作发展中心", "社会服务中心"}
var signatures = []string{"“一老一小”关爱服务", "困境儿童成长陪伴", "邻里互助幸福食堂", "残疾人康复支持", "留守老人助餐服务"}

func (w *World) newStation(r *rand.Rand, cp countyPlan, t data.Township, est time.Time) *Station {
	s := &Station{
		ID:           "ZD" + t.Code + "01",
		CountyCode:   cp.county.Code,
		TownshipCode: t.Code,
		TownshipName: t.Name,
		InScope:      t.InScope,
		Name:         t.Name + "社会工作服务站",
		Established:  Date{est},
		Mode:         modes[r.IntN(len(modes))],
		HasSite:      r.Float64() < 0.9,
		SiteArea:     40 + r.IntN(160),
		HasRules:     r.Float64() < 0.92,
		HasSignage:   r.Float64() < 0.95,
	}
	if s.Mode != "自建自营" {
		s.Operator = cp.county.Aliases[len(cp.county.Aliases)-1] + operators[r.IntN(len(operators))]
	}
	if r.Float64() < 0.3 {
		s.Signature = signatures[r.IntN(len(signatures))]
	}
	// Base information: stations that existed before the system rule were
	// entered around the 2023-05-31 cut-off, new ones within days (some late).
	cutoff := d(2023, 5, 31)
	if est.Before(cutoff.AddDate(0, 0, -7)) {
		s.BaseinfoEntered = DateTime{d(2023, 5, 10).AddDate(0, 0, r.IntN(30)).Add(clock(r))}
	} else {
		delay := r.IntN(7)
		if r.Float64() < 0.12 {
			delay = 8 + r.IntN(20)
		}
		s.BaseinfoEntered = DateTime{est.AddDate(0, 0, delay).Add(clock(r))}
	}
	return s
}

var certLevels = []string{"助理社会工作师", "助理社会工作师", "助理社会工作师", "社会工作师", "社会工作师", "高级社会工作师"}
var roles = []string{"驻站社工", "驻站社工", "社工助理"}

func (w *World) staff(r *rand.Rand, cp countyPlan, s *Station) {
	n := 1 + r.IntN(3)
	for i := 0; i < n; i++ {
		role := roles[r.IntN(len(roles))]
		if i == 0 {
			role = "站长"
		}
		joined := s.Established.AddDate(0, 0, r.IntN(21))
		if joined.After(End) {
			joined = End
		}
		for {
			wk := w.newWorker(r, cp, s, role, joined)
			// About one in six leaves before the end of 2023; a successor
			// joins some weeks later.
			if r.Float64() >= 1.0/6 {
				break
			}
			days := int(End.Sub(joined).Hours()/24) - 1
			if days < 30 {
				break
			}
			left := joined.AddDate(0, 0, 30+r.IntN(days-29))
			wk.Left = &Date{left}
			joined = left.AddDate(0, 0, 10+r.IntN(30))
			if joined.After(End) {
				break
			}
		}
	}
}

func (w *World) newWorker(r *rand.Rand, cp countyPlan, s *Station, role string, joined time.Time) *Worker {
	sex := "男"
	if r.Float64() < 0.62 {
		sex = "女"
	}
	var id string
	for id == "" || w.ids[id] {
		birth := d(1970+r.IntN(32), 1, 1).AddDate(0, 0, r.IntN(365))
		id = idNumber(cp.county.Code, birth, r.IntN(500)*2+map[string]int{"男": 1, "女": 0}[sex])
	}
	w.ids[id] = true
	wk := &Worker{
		CountyCode:   cp.county.Code,
		TownshipCode: s.TownshipCode,
		Name:         surnames[r.IntN(len(surnames))] + givens[r.IntN(len(givens))] + givens[r.IntN(len(givens))],
		Sex:          sex,
		IDNumber:     id,
		Phone:        fmt.Sprintf("1%d%09d", []int{35, 39, 52, 58, 87, 91}[r.IntN(6)], r.IntN(1_000_000_000))[:11],
		Role:         role,
		FullTime:     r.Float64() < 0.8,
		Joined:       Date{joined},
	}
	if r.Float64() < cp.certRate {
		wk.CertLevel = certLevels[r.IntN(len(certLevels))]
		// Most held the certificate before joining; some passed the exam
		// while in post (results come out in the autumn).
		if r.Float64() < 0.7 {
			wk.CertDate = &Date{joined.AddDate(0, 0, -30-r.IntN(1500))}
		} else {
			y := joined.Year()
			if joined.After(d(y, 9, 20)) {
				y++
			}
			wk.CertDate = &Date{d(y, 9, 20).AddDate(0, 0, r.IntN(40))}
		}
	}
	w.Workers = append(w.Workers, wk)
	return wk
}

var serviceTypes = []string{"个案服务", "小组活动", "社区活动", "走访探视", "走访探视", "政策宣传", "资源链接", "需求评估", "其他"}
var targetKinds = []string{"低保对象", "特困人员", "低保边缘", "困境儿童", "留守儿童", "留守老人", "残疾人", "其他"}

func (w *World) services(r *rand.Rand, cp countyPlan, s *Station) {
	start := s.Established.AddDate(0, 0, 10+r.IntN(25))
	seq := 0
	for m := monthStart(start); !m.After(End); m = m.AddDate(0, 1, 0) {
		n := cp.servicesPerMonth/2 + r.IntN(cp.servicesPerMonth+1)
		for i := 0; i < n; i++ {
			day := m.AddDate(0, 0, r.IntN(daysIn(m)))
			if day.Before(start) || day.After(End) {
				continue
			}
			end := day.AddDate(0, 0, []int{0, 0, 0, 1, 2}[r.IntN(5)])
			if end.After(End) {
				end = End
			}
			// Most records are entered on the day the service ends or the day
			// after; the county's share late.
			lag := r.IntN(2)
			if r.Float64() < cp.lateEntry {
				lag = 2 + r.IntN(5)
			}
			seq++
			w.Services = append(w.Services, &Service{
				ID:          fmt.Sprintf("FW%s%05d", s.TownshipCode, seq),
				StationID:   s.ID,
				Type:        serviceTypes[r.IntN(len(serviceTypes))],
				Target:      targetKinds[r.IntN(len(targetKinds))],
				Start:       Date{day},
				End:         Date{end},
				EndBlank:    end.Equal(day) && r.Float64() < 0.3,
				PersonTimes: 1 + r.IntN(25),
				Entered:     DateTime{end.AddDate(0, 0, lag).Add(clock(r))},
			})
		}
	}
}

func (w *World) summaries(r *rand.Rand, s *Station) {
	defer func() {
		// A station submits only once the system knows it.
		for _, sm := range w.Summaries {
			if sm.StationID == s.ID && sm.Submitted.Before(s.BaseinfoEntered.Time) {
				sm.Submitted = DateTime{s.BaseinfoEntered.Add(2 * time.Hour)}
			}
		}
	}()
	// Summaries are owed from 2023-01 (the system rule) for every month the
	// station existed at the month end.
	for m := d(2023, 1, 1); !m.After(End); m = m.AddDate(0, 1, 0) {
		if s.Established.After(m.AddDate(0, 1, -1)) {
			continue
		}
		next := m.AddDate(0, 1, 0)
		label := m.Format("2006-01")
		x := r.Float64()
		switch {
		case x < 0.05: // missing
		case x < 0.10: // returned, then resubmitted late
			w.Summaries = append(w.Summaries,
				&Summary{StationID: s.ID, Month: label, Submitted: DateTime{next.AddDate(0, 0, 1).Add(clock(r))}, Status: "已退回"},
				&Summary{StationID: s.ID, Month: label, Submitted: DateTime{next.AddDate(0, 0, 8+r.IntN(10)).Add(clock(r))}, Status: "已通过"})
		case x < 0.20: // late
			w.Summaries = append(w.Summaries, &Summary{StationID: s.ID, Month: label, Submitted: DateTime{next.AddDate(0, 0, 6+r.IntN(12)).Add(clock(r))}, Status: "已通过"})
		default:
			w.Summaries = append(w.Summaries, &Summary{StationID: s.ID, Month: label, Submitted: DateTime{next.AddDate(0, 0, r.IntN(3)).Add(clock(r))}, Status: "已通过"})
		}
	}
}

// ledgers decides the county's report dates: pilots half-yearly in 2021–2022
// then monthly; the others from March 2023 and monthly after the notice.
func (w *World) ledgers(cp countyPlan) {
	var dates []time.Time
	if cp.county.BuildFrom < 2023 {
		for _, x := range []time.Time{d(2021, 6, 30), d(2021, 12, 31), d(2022, 6, 30), d(2022, 12, 31)} {
			dates = append(dates, x)
		}
		for m := 1; m <= 12; m++ {
			dates = append(dates, d(2023, time.Month(m)+1, 0))
		}
	} else {
		dates = append(dates, d(2023, 3, 31))
		for m := 5; m <= 12; m++ {
			dates = append(dates, d(2023, time.Month(m)+1, 0))
		}
	}
	for _, x := range dates {
		if slices.Contains(cp.missingLedgers, x.Format("2006-01")) {
			continue
		}
		w.Ledgers = append(w.Ledgers, &Ledger{CountyCode: cp.county.Code, ReportDate: Date{x}})
	}
}

// idNumber makes an 18-character resident ID number with a valid GB 11643
// check digit.
func idNumber(region string, birth time.Time, seq int) string {
	body := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), seq%1000)
	return body + string(CheckDigit(body))
}

// CheckDigit is the GB 11643-1999 MOD 11-2 check character of the first 17
// digits of an ID number.
func CheckDigit(body17 string) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body17[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "郭", "武", "贾", "梁", "韩", "冀", "阎", "范", "乔", "田"}
var givens = []string{"晓", "丽", "伟", "芳", "娜", "敏", "静", "磊", "强", "军", "洁", "燕", "霞", "鹏", "婷", "慧", "斌", "琳", "峰", "云", "春", "红", "文", "瑞"}

func d(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }

func monthStart(t time.Time) time.Time { return d(t.Year(), t.Month(), 1) }

func daysIn(m time.Time) int { return m.AddDate(0, 1, -1).Day() }

// clock is a random time of a working day, 08:00–18:59.
func clock(r *rand.Rand) time.Duration {
	return time.Duration(8+r.IntN(11))*time.Hour + time.Duration(r.IntN(60))*time.Minute + time.Duration(r.IntN(60))*time.Second
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
