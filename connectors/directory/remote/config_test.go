package remote

import (
	"strings"
	"testing"
)

func TestServiceURL(t *testing.T) {
	for _, tc := range []struct {
		raw, want, wantErr string
	}{
		{"https://ehr.example/fhir/r4/", "https://ehr.example/fhir/r4", ""},
		{"http://127.0.0.1:8080/fhir", "http://127.0.0.1:8080/fhir", ""},
		{"http://[::1]:8080", "http://[::1]:8080", ""},
		{"http://localhost/x", "http://localhost/x", ""},
		{"", "", "test.url is required"},
		{"http://ehr.example/fhir", "", "must be https"},
		{"https://user:pw@ehr.example", "", "want https://host"},
		{"https://ehr.example/fhir?x=1", "", "want https://host"},
		{"https://ehr.example/#frag", "", "want https://host"},
		{"ehr.example/fhir", "", "want https://host"},
	} {
		u, err := ServiceURL("test.url", tc.raw)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ServiceURL(%q): got %v, want an error with %q", tc.raw, err, tc.wantErr)
			}
			continue
		}
		if err != nil || u.String() != tc.want {
			t.Errorf("ServiceURL(%q): got %v, %v; want %s", tc.raw, u, err, tc.want)
		}
	}
}

func TestMask(t *testing.T) {
	if got := Mask("s3cret"); got != Masked {
		t.Errorf("Mask of a secret: got %q, want %q", got, Masked)
	}
	if got := Mask(""); got != "" {
		t.Errorf("Mask of nothing: got %q, want empty (so a missing secret shows)", got)
	}
}
