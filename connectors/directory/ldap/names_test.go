package ldap

import (
	"fmt"
	"testing"
)

func TestFoldAndSameName(t *testing.T) {
	tests := []struct {
		typed, onFile string
		same          bool
	}{
		{"Jose", "José", true},
		{"NUNEZ", "Núñez", true},
		{"mary kate", "Mary-Kate", true},
		{"oexample", "O'Example", true},
		{"Zoe De La Cruz", "Zoë De La Cruz", true},
		{"ＡＮＡ", "Ana", true}, // full-width letters
		{"Ann", "Ana", false},
		{"An", "Ana", false},
		{"*", "Ana", false},
		{"", "", false}, // nothing typed matches nothing, even nothing on file
		{"---", "", false},
	}
	for _, tt := range tests {
		if got := sameName(fold(tt.onFile), fold(tt.typed)); got != tt.same {
			t.Errorf("sameName(%q on file, %q typed) = %t, want %t", tt.onFile, tt.typed, got, tt.same)
		}
	}
}

func TestKeySetRemembersTheLastN(t *testing.T) {
	k := newKeySet(3)
	if k.done("") {
		t.Fatal("the empty key counts as done")
	}
	k.add("")
	for i := 1; i <= 4; i++ {
		k.add(fmt.Sprint("c:", i))
	}
	k.add("c:4") // again: no second slot
	for i, want := range []bool{false, true, true, true} {
		if got := k.done(fmt.Sprint("c:", i+1)); got != want {
			t.Errorf("done(c:%d) = %t, want %t", i+1, got, want)
		}
	}
	if len(k.seen) != 3 {
		t.Fatalf("remembers %d keys, want 3", len(k.seen))
	}
}
