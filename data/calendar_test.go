package data

import (
	"strings"
	"testing"
	"time"
)

func calendar(t *testing.T) *Calendar {
	t.Helper()
	ref, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return NewCalendar(ref.Holidays)
}

// The worked deadlines of indicators.md, each with its reason.
func TestSummaryDeadlines(t *testing.T) {
	c := calendar(t)
	for month, want := range map[string]string{
		"2023-03": "2023-04-03", // Monday
		"2023-04": "2023-05-06", // May 3 in the Apr 29–May 3 holiday; May 4, 5, 6 (adjusted Saturday)
		"2023-05": "2023-06-07", // June 3–4 weekend
		"2023-06": "2023-07-03", // Monday
		"2023-08": "2023-09-06", // September 2–3 weekend
		"2023-09": "2023-10-09", // Sep 29–Oct 6 holiday; Oct 7 and 8 adjusted working days
		"2023-11": "2023-12-06", // December 2–3 weekend
		"2023-12": "2024-01-03", // Wednesday; across the year end
		"2024-01": "2024-02-06", // Feb 3 Saturday; Feb 4 (Sunday) an adjusted working day
	} {
		m, _ := time.Parse("2006-01", month)
		got, err := c.SummaryDeadline(m, 3, 3)
		if err != nil || got.Format(time.DateOnly) != want {
			t.Errorf("summary for %s due %s, %v; want %s", month, got.Format(time.DateOnly), err, want)
		}
	}
}

func TestWorkdays(t *testing.T) {
	c := calendar(t)
	for d, want := range map[string]bool{
		"2023-05-06": true,  // adjusted Saturday
		"2023-10-08": true,  // adjusted Sunday
		"2023-10-02": false, // National Day holiday, a Monday
		"2023-12-04": true,  // ordinary Monday
		"2023-12-03": false, // ordinary Sunday
		"2021-02-07": true,  // adjusted Sunday before Spring Festival 2021
	} {
		day, _ := time.Parse(time.DateOnly, d)
		got, err := c.IsWorkday(day)
		if err != nil || got != want {
			t.Errorf("IsWorkday(%s) = %v, %v; want %v", d, got, err, want)
		}
	}
}

func TestCalendarRefusesUnknownYears(t *testing.T) {
	c := calendar(t)
	if got := c.Years(); len(got) != 6 || got[0] != 2021 || got[5] != 2026 {
		t.Errorf("years %v, want 2021..2026", got)
	}
	if _, err := c.IsWorkday(time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)); err == nil || !strings.Contains(err.Error(), "请把国务院办公厅公布的 2027 年节假日安排加入 data/holidays.csv") {
		t.Errorf("2027: %v", err)
	}
	// December 2026's summary is due in January 2027: unknown.
	if _, err := c.SummaryDeadline(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 3, 3); err == nil {
		t.Error("the deadline for 2026-12 needs 2027's arrangement, want an error")
	}
}
