package data

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Calendar is the official working-day calendar: Monday to Friday, less
// the State Council's rest days, plus its adjusted working days on
// weekends (调休). It knows only the years data/holidays.csv covers and
// refuses any other: a deadline computed from a year whose arrangement is
// unknown would be a guess.
//
// To add a year when the State Council publishes its arrangement (usually
// in November for the next year): add its rest days (kind holiday) and
// adjusted working days (kind workday) to data/holidays.csv and rebuild.
type Calendar struct {
	kind  map[time.Time]string // date -> holiday | workday
	years []int
}

// NewCalendar builds the calendar of the reference data's holidays.
func NewCalendar(hs []Holiday) *Calendar {
	c := &Calendar{kind: map[time.Time]string{}}
	for _, h := range hs {
		c.kind[h.Date] = h.Kind
		if !slices.Contains(c.years, h.Date.Year()) {
			c.years = append(c.years, h.Date.Year())
		}
	}
	slices.Sort(c.years)
	return c
}

// Years are the years the calendar knows.
func (c *Calendar) Years() []int { return c.years }

// Covers says whether the calendar knows d's year.
func (c *Calendar) Covers(d time.Time) bool { return slices.Contains(c.years, d.Year()) }

// IsWorkday says whether d is an official working day.
func (c *Calendar) IsWorkday(d time.Time) (bool, error) {
	if !c.Covers(d) {
		return false, c.errYear(d)
	}
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	switch c.kind[day] {
	case "holiday":
		return false, nil
	case "workday":
		return true, nil
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday, nil
}

func (c *Calendar) errYear(d time.Time) error {
	var ys []string
	for _, y := range c.years {
		ys = append(ys, fmt.Sprint(y))
	}
	return fmt.Errorf("节假日日历中没有 %d 年的安排（现有 %s 年）：请把国务院办公厅公布的 %d 年节假日安排加入 data/holidays.csv（见 README）", d.Year(), strings.Join(ys, "、"), d.Year())
}

// SummaryDeadline is when the monthly summary for month (any day of it) is
// due (indicators.md "Monthly summaries"): the dueDay-th of the next
// month; if that is not a working day, the extension-th working day after
// the run of non-working days that contains it ("遇节假日顺延至假期结束后
// 三个工作日内").
func (c *Calendar) SummaryDeadline(month time.Time, dueDay, extension int) (time.Time, error) {
	due := time.Date(month.Year(), month.Month()+1, dueDay, 0, 0, 0, 0, time.UTC)
	ok, err := c.IsWorkday(due)
	if err != nil || ok {
		return due, err
	}
	d := due
	for n := 0; n < extension; {
		d = d.AddDate(0, 0, 1)
		ok, err := c.IsWorkday(d)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			n++
		}
	}
	return d, nil
}
