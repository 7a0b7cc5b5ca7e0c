package data

import "testing"

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 120050: "1,200.50", 123456789: "1,234,567.89", 100000: "1,000.00", -100: "-1.00"} {
		if got := Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}
