package metrics

import (
	"fmt"
	"testing"
)

func score(code string, s float64) CountyTimeliness {
	return CountyTimeliness{CountyCode: code, SystemUseScore: &s}
}

func TestRank(t *testing.T) {
	rows := []CountyTimeliness{score("1", 90), score("2", 85), score("3", 85), score("4", 70), {CountyCode: "5"}, score("6", 79.999), score(CityCode, 80)}
	got := ""
	for _, r := range Rank(rows, 80) {
		got += fmt.Sprintf("%s:%d:%v ", r.CountyCode, r.Rank, r.Warned)
	}
	// ties share rank 2, the next is 4; 79.999 and 70 are below 80; no score unranked.
	if want := "1:1:false 2:2:false 3:2:false 6:4:true 4:5:true 5:0:false "; got != want {
		t.Errorf("Rank = %s, want %s", got, want)
	}
	got = ""
	for _, r := range Rank([]CountyTimeliness{score("1", 95), score("2", 81), score("3", 81)}, 80) {
		got += fmt.Sprintf("%s:%d:%v ", r.CountyCode, r.Rank, r.Warned)
	}
	// none below the line: the lowest-ranked are warned, both when tied.
	if want := "1:1:false 2:2:true 3:2:true "; got != want {
		t.Errorf("Rank = %s, want %s", got, want)
	}
}
