package gen

import (
	"encoding/json"
	"os"
	"time"
)

// Date is a calendar day, written as YYYY-MM-DD in truth.json.
type Date struct{ time.Time }

// DateTime is a system timestamp, written as YYYY-MM-DD HH:MM:SS.
type DateTime struct{ time.Time }

const dateTimeLayout = "2006-01-02 15:04:05"

func (x Date) MarshalJSON() ([]byte, error) { return json.Marshal(x.Format(time.DateOnly)) }

func (x *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.DateOnly, s)
	x.Time = t
	return err
}

func (x DateTime) MarshalJSON() ([]byte, error) { return json.Marshal(x.Format(dateTimeLayout)) }

func (x *DateTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(dateTimeLayout, s)
	x.Time = t
	return err
}

// ReadTruth reads a truth.json written by Generate.
func ReadTruth(path string) (*World, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	w := new(World)
	return w, json.Unmarshal(b, w)
}
