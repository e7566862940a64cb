package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Request signing (docs/bridge.md, "Signing").
const (
	replayWindow = 5 * time.Minute // timestamps further away either way are refused
	// maxNonces bounds the replay cache: beyond it requests are refused
	// (503) rather than the cache growing without end.
	maxNonces  = 1 << 20
	pruneEvery = 1024 // forget expired nonces every this many requests
)

// authenticator checks each request's HMAC-SHA256 signature, timestamp
// and nonce. A bridge running as several instances needs the nonces in a
// store they share (a table with a unique key, or Redis SET NX EX).
type authenticator struct {
	secrets [][]byte
	now     func() time.Time

	mu     sync.Mutex
	nonces map[string]time.Time // nonce → when it may be forgotten
	added  int
}

func newAuthenticator(secrets [][]byte) *authenticator {
	return &authenticator{secrets: secrets, now: time.Now, nonces: map[string]time.Time{}}
}

var errUnauthorized = &apiError{http.StatusUnauthorized, "unauthorized", "missing, wrong or stale signature"}

// require reads the body (bounded), checks the signature and hands the
// request on with the body restored.
func (a *authenticator) require(next http.Handler, fail func(http.ResponseWriter, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			fail(w, &apiError{http.StatusRequestEntityTooLarge, "bad_request", "body too large"})
			return
		}
		if err := a.verify(r, body); err != nil {
			fail(w, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// verify checks, in this order: the headers are there, the timestamp is
// within the window, the signature matches one of the secrets, and the
// nonce is new. The nonce is remembered only once the signature is good,
// so nobody without the secret can fill the cache.
func (a *authenticator) verify(r *http.Request, body []byte) error {
	ts := r.Header.Get("Portico-Timestamp")
	nonce := r.Header.Get("Portico-Nonce")
	sig, ok := bytes.CutPrefix([]byte(r.Header.Get("Portico-Signature")), []byte("v1="))
	if !ok || len(nonce) != 32 || !isHex(nonce) {
		return errUnauthorized
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errUnauthorized
	}
	now := a.now()
	if d := now.Sub(time.Unix(sec, 0)); d > replayWindow || d < -replayWindow {
		return errUnauthorized
	}
	got, err := hex.DecodeString(string(sig))
	if err != nil {
		return errUnauthorized
	}
	// r.RequestURI is the request target exactly as the client sent it.
	msg := canonical(r.Method, r.RequestURI, ts, nonce, body)
	good := false
	for _, secret := range a.secrets {
		m := hmac.New(sha256.New, secret)
		m.Write(msg)
		good = hmac.Equal(got, m.Sum(nil)) || good
	}
	if !good {
		return errUnauthorized
	}
	return a.remember(nonce, now)
}

// canonical is the signed text: version, method, path, timestamp, nonce
// and the body's SHA-256 in hex, one a line.
func canonical(method, path, ts, nonce string, body []byte) []byte {
	sum := sha256.Sum256(body)
	var b bytes.Buffer
	for _, part := range []string{"v1", method, path, ts, nonce} {
		b.WriteString(part)
		b.WriteByte('\n')
	}
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.Bytes()
}

var errBusy = &apiError{http.StatusServiceUnavailable, "busy", "replay cache full"}

// remember records a nonce until the window has passed for it; a nonce
// seen before is a replay.
func (a *authenticator) remember(nonce string, now time.Time) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if until, seen := a.nonces[nonce]; seen && now.Before(until) {
		return errUnauthorized
	}
	if a.added++; a.added%pruneEvery == 0 || len(a.nonces) >= maxNonces {
		for n, until := range a.nonces {
			if !now.Before(until) {
				delete(a.nonces, n)
			}
		}
	}
	if len(a.nonces) >= maxNonces {
		return errBusy
	}
	// A timestamp may be up to one window ahead, so keep it two.
	a.nonces[nonce] = now.Add(2 * replayWindow)
	return nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}
