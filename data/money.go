package data

import (
	"fmt"
	"strconv"
	"strings"
)

// Yuan writes a sum of money held in 分 (fen, as sgz keeps sums exactly)
// as 元 with two decimals and thousands separators: 1234567 -> "12,345.67".
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	s := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return fmt.Sprintf("%s%s.%02d", sign, b.String(), fen%100)
}
