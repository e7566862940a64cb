package flows

import "testing"

func TestFoldName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"José Núñez", "josenunez"},
		{"  O'Brien-Smith ", "obriensmith"},
		{"ＡＮＡ", "ana"}, // full-width letters
		{"Straße", "strasse"},
		{"Zoë\tDe La Cruz", "zoedelacruz"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := FoldName(tt.in); got != tt.want {
			t.Errorf("FoldName(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
