package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestEveryRequestHasAnIDAndNoQueryInTheLog(t *testing.T) {
	var logs bytes.Buffer
	s := New(Config{}, nil, Deps{}, zerolog.New(&logs).Level(zerolog.DebugLevel))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz?dob=1985-05-17", nil))
	id := rec.Header().Get("X-Request-ID")
	if len(id) != 16 {
		t.Fatalf("X-Request-ID %q, want a 16-character id", id)
	}
	got := logs.String()
	for _, want := range []string{`"request":"` + id + `"`, `"path":"/healthz"`, `"status":200`} {
		if !strings.Contains(got, want) {
			t.Errorf("access log %s lacks %s", got, want)
		}
	}
	if strings.Contains(got, "1985") {
		t.Errorf("access log holds the query string: %s", got)
	}
}
