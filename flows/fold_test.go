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
	for _, tc := range []struct{ a, b string }{
		{"José Núñez-García", "jose nunez garcia"},
		{"O'Brien", "OBRIEN"},
		{"  Zoë ", "zoe"},
	} {
		if FoldName(tc.a) != FoldName(tc.b) {
			t.Errorf("FoldName(%q) = %q, FoldName(%q) = %q: want equal", tc.a, FoldName(tc.a), tc.b, FoldName(tc.b))
		}
	}
	for _, tc := range []struct{ a, b string }{{"Ann", "Anna"}, {"Lee", "Li"}} {
		if FoldName(tc.a) == FoldName(tc.b) {
			t.Errorf("%q and %q fold alike", tc.a, tc.b)
		}
	}
}
