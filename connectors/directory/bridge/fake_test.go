package bridge

import (
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

const testSecret = "0123456789abcdef0123456789abcdef-test"

// fakeBridge checks every request's signature and answers with answer.
type fakeBridge struct {
	srv    *httptest.Server
	hits   atomic.Int32
	mu     sync.Mutex
	bodies []string // request bodies, in order
	answer func(r *http.Request, body []byte) (int, any)
}

func newFakeBridge(t *testing.T, answer func(r *http.Request, body []byte) (int, any)) *fakeBridge {
	t.Helper()
	f := &fakeBridge{answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, string(body))
		f.mu.Unlock()
		want := Sign([]byte(testSecret), r.Method, r.RequestURI, r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderNonce), body)
		if !hmac.Equal([]byte(want), []byte(r.Header.Get(HeaderSignature))) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":"unauthorized"}}`)
			return
		}
		status, v := f.answer(r, body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if v != nil {
			_ = json.NewEncoder(w).Encode(v)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeBridge) driver(t *testing.T, timeout time.Duration) *Directory {
	t.Helper()
	d, err := New(Config{URL: f.srv.URL + "/base/", Secret: testSecret, Timeout: timeout}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func errorBody(code, msg string) any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}}
}
