package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSyntheticPatientsAreUniqueAndImportable(t *testing.T) {
	const n = 30_000
	var buf bytes.Buffer
	if err := writePatients(&buf, n); err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(buf.String(), "\n"); first != csvHeader {
		t.Fatalf("header %q, want %q", first, csvHeader)
	}
	ps, err := readPatients(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != n {
		t.Fatalf("read %d patients, want %d", len(ps), n)
	}
	seen := map[string]map[string]bool{"mrn": {}, "email": {}, "username": {}, "identity": {}}
	for _, p := range ps {
		for kind, v := range map[string]string{
			"mrn": p.MRN, "email": p.Email, "username": p.Username,
			"identity": p.First + "|" + p.Last + "|" + p.DOB, // what find_by_name matches on, ZIP aside
		} {
			if seen[kind][v] {
				t.Fatalf("%s %q appears twice", kind, v)
			}
			seen[kind][v] = true
		}
		if !strings.HasSuffix(p.Email, "@example.org") {
			t.Fatalf("email %q is not at example.org", p.Email)
		}
		if strings.ContainsFunc(p.First+p.Last, func(r rune) bool { return r < 'A' || r > 'z' || (r > 'Z' && r < 'a') }) {
			t.Fatalf("name %q %q has more than letters", p.First, p.Last)
		}
	}
}

func TestDOBAsTyped(t *testing.T) {
	tests := []struct{ dob, want string }{
		{"1985-05-17", "05/17/1985"},
		{"1940-01-01", "01/01/1940"},
		{"not a date", "not a date"},
	}
	for _, tt := range tests {
		if got := (Patient{DOB: tt.dob}).DOBUS(); got != tt.want {
			t.Errorf("DOBUS(%s) = %s, want %s", tt.dob, got, tt.want)
		}
	}
}

func TestReadPatientsKeepsActiveWithEmail(t *testing.T) {
	in := csvHeader + "\n" +
		"M1,Ann,Lee,1990-01-01,60614,ann@example.org,,ann.lee,,active\n" +
		"M2,Bo,Ray,1990-02-01,60614,,(312) 555-0100,bo.ray,,active\n" +
		"M3,Cy,Ode,1990-03-01,60614,cy@example.org,,,X,pending\n"
	ps, err := readPatients(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].MRN != "M1" || ps[0].Username != "ann.lee" {
		t.Fatalf("got %+v, want only M1", ps)
	}
	if _, err := readPatients(strings.NewReader("mrn,name\nM1,Ann\n")); err == nil {
		t.Error("a file with the wrong header was read")
	}
}

func TestPoolHandsEachRecordOutOnce(t *testing.T) {
	pl := &pool{ps: []Patient{{MRN: "a"}, {MRN: "b"}}}
	var got []string
	for {
		p, ok := pl.take()
		if !ok {
			break
		}
		got = append(got, p.MRN)
	}
	if strings.Join(got, ",") != "a,b" || pl.used() != 2 {
		t.Errorf("took %v (used %d), want a,b once each", got, pl.used())
	}
}

func TestNewPasswordAvoidsThePatientsOwnWords(t *testing.T) {
	for i := range 2000 {
		p := syntheticPatient(i)
		pw := strings.ToLower(strings.ReplaceAll(newPassword(p), " ", ""))
		if len([]rune(newPassword(p))) < 15 {
			t.Fatalf("password %q is shorter than the policy's 15", newPassword(p))
		}
		for _, own := range []string{p.First, p.Last, p.Username} {
			if strings.Contains(pw, strings.ToLower(own)) {
				t.Fatalf("password %q contains %q: the policy would refuse it", newPassword(p), own)
			}
		}
	}
}
