package ingest

import (
	"sync"
	"time"

	"sgz/data"
)

// When a date can be: no date lies after the day it is loaded (a ledger's
// 填报日期 may lie up to a month ahead: clerks date a ledger at the month's
// end), and the system's dates lie in the years of the holiday calendar,
// which its deadlines need.

// reportDateLead is how far ahead of the load day a 填报日期 may lie.
const reportDateLead = 31 * 24 * time.Hour

var defaultCalendar = sync.OnceValue(func() *data.Calendar {
	ref, err := data.Load()
	if err != nil {
		panic(err) // embedded reference data, checked by its tests
	}
	return data.NewCalendar(ref.Holidays)
})

// today is the load day (Converter.Today, else now), at 00:00 UTC.
func (c *Converter) today() time.Time {
	t := c.Today
	if t.IsZero() {
		t = time.Now()
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func (c *Converter) calendar() *data.Calendar {
	if c.Calendar != nil {
		return c.Calendar
	}
	return defaultCalendar()
}

// future says whether t lies after the load day (a timestamp entered
// late on the load day in China is still that day: one day's grace).
// The load day is the sheet's (sheetState.day): one day for all its rows,
// worked out once (per date it cost 0.15 s a million records).
func (r *rowCtx) future(t time.Time) bool {
	return !t.Before(r.st.futureFrom)
}

// plannedLead is how far ahead of the load day a planned date (a station
// to open, a worker to join, a service still running) may lie; beyond it
// the date is a typing error (2099).
const plannedLead = 366 * 24 * time.Hour

// planned takes a date that may lie ahead of the load day (flagged) but
// not by more than plannedLead (rejected).
func (c *Converter) planned(r *rowCtx, field string, v any) any {
	t, ok := v.(time.Time)
	switch {
	case !ok || !r.future(t):
		return v
	case t.After(r.st.day.Add(plannedLead)):
		r.fail(field, r.get(field), "日期 %s 晚于载入日 %s 一年以上，不可能；请核对年份", t.Format(time.DateOnly), r.st.day.Format(time.DateOnly))
		return nil
	}
	r.flag(field, r.get(field), "日期 %s 晚于载入日 %s，按计划日期载入", t.Format(time.DateOnly), r.st.day.Format(time.DateOnly))
	return v
}

// notLater rejects a date field whose value lies after the load day: the
// day something was done (entered, submitted, certified, paid).
func (c *Converter) notLater(r *rowCtx, field string, v any) any {
	if t, ok := v.(time.Time); ok && r.future(t) {
		r.fail(field, r.get(field), "日期 %s 晚于载入日 %s，不可能；请核对年份", t.Format(time.DateOnly), r.st.day.Format(time.DateOnly))
		return nil
	}
	return v
}

// inCalendar rejects a system date outside the calendar's years (no
// deadline can be worked out for it); then, as notLater, one after the
// load day.
func (c *Converter) inCalendar(r *rowCtx, field string, v any) any {
	return c.inCalendarThen(r, field, v, c.notLater)
}

// inCalendarPlanned is inCalendar for a date that may lie ahead (a service
// still running): flagged, as planned.
func (c *Converter) inCalendarPlanned(r *rowCtx, field string, v any) any {
	return c.inCalendarThen(r, field, v, c.planned)
}

func (c *Converter) inCalendarThen(r *rowCtx, field string, v any, then func(*rowCtx, string, any) any) any {
	t, ok := v.(time.Time)
	if !ok {
		return v
	}
	if !c.calendar().Covers(t) {
		ys := c.calendar().Years()
		r.fail(field, r.get(field), "日期 %s 不在节假日日历的年份内（%d–%d 年）：请核对年份；如确是新的年份，请先在 data/holidays.csv 加入该年的节假日安排", t.Format(time.DateOnly), ys[0], ys[len(ys)-1])
		return nil
	}
	return then(r, field, v)
}
