package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/bridge"
)

// signedRequest builds a request to the reference bridge, signed with
// secret at the given time.
func signedRequest(t *testing.T, base, method, path string, body []byte, secret string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range bridge.SignedHeaders([]byte(secret), method, req.URL.RequestURI(), body, at) {
		req.Header.Set(k, v)
	}
	return req
}

func status(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var e bridge.ErrorAnswer
	_ = json.Unmarshal(data, &e)
	return resp.StatusCode, e.Error.Code
}

// TestReferenceBridgeRefusesForgedRequests: a tampered body, a stale or
// future timestamp, a bad signature, a missing header and a replay are
// all 401 unauthorized; the good request and one signed with the
// previous secret (rotation) are answered.
func TestReferenceBridgeRefusesForgedRequests(t *testing.T) {
	b := newRefBridge(t, nil)
	b.srv.auth.secrets = append(b.srv.auth.secrets, []byte("previous-secret-previous-secret-previous"))
	base := b.http.URL
	body := []byte(`{"mrn":"PORTICO-CHECK-1"}`)
	now := time.Now()
	for _, tc := range []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"good", func() *http.Request { return signedRequest(t, base, "POST", "/find", body, testSecret, now) }, 200},
		{"previous secret while rotating", func() *http.Request {
			return signedRequest(t, base, "POST", "/find", body, "previous-secret-previous-secret-previous", now)
		}, 200},
		{"tampered body", func() *http.Request {
			r := signedRequest(t, base, "POST", "/find", body, testSecret, now)
			r.Body = io.NopCloser(strings.NewReader(`{"mrn":"PORTICO-CHECK-2"}`))
			r.ContentLength = int64(len(`{"mrn":"PORTICO-CHECK-2"}`))
			return r
		}, 401},
		{"stale timestamp", func() *http.Request {
			return signedRequest(t, base, "POST", "/find", body, testSecret, now.Add(-replayWindow-time.Second))
		}, 401},
		{"timestamp from the future", func() *http.Request {
			return signedRequest(t, base, "POST", "/find", body, testSecret, now.Add(replayWindow+time.Second))
		}, 401},
		{"wrong secret", func() *http.Request {
			return signedRequest(t, base, "POST", "/find", body, "wrong-secret-wrong-secret-wrong-secret!!", now)
		}, 401},
		{"signature of another method", func() *http.Request {
			r := signedRequest(t, base, "GET", "/find", body, testSecret, now)
			r.Method = "POST"
			return r
		}, 401},
		{"flipped signature digit", func() *http.Request {
			r := signedRequest(t, base, "POST", "/find", body, testSecret, now)
			sig := []byte(r.Header.Get(bridge.HeaderSignature))
			sig[len(sig)-1] ^= 1
			r.Header.Set(bridge.HeaderSignature, string(sig))
			return r
		}, 401},
		{"missing nonce", func() *http.Request {
			r := signedRequest(t, base, "POST", "/find", body, testSecret, now)
			r.Header.Del(bridge.HeaderNonce)
			return r
		}, 401},
		{"missing timestamp", func() *http.Request {
			r := signedRequest(t, base, "POST", "/find", body, testSecret, now)
			r.Header.Del(bridge.HeaderTimestamp)
			return r
		}, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, errCode := status(t, tc.req())
			if code != tc.status {
				t.Fatalf("got %d %s, want %d", code, errCode, tc.status)
			}
			if code == 401 && errCode != "unauthorized" {
				t.Errorf("error code: got %q, want unauthorized", errCode)
			}
		})
	}

	t.Run("replay", func(t *testing.T) {
		first := signedRequest(t, base, "POST", "/find", body, testSecret, now)
		again := first.Clone(context.Background())
		again.Body = io.NopCloser(bytes.NewReader(body))
		if code, _ := status(t, first); code != 200 {
			t.Fatalf("first: got %d, want 200", code)
		}
		if code, errCode := status(t, again); code != 401 {
			t.Errorf("replayed: got %d %s, want 401", code, errCode)
		}
	})

	t.Run("body too large", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), maxBodyBytes+1)
		if code, _ := status(t, signedRequest(t, base, "POST", "/find", big, testSecret, now)); code != http.StatusRequestEntityTooLarge {
			t.Errorf("got %d, want 413", code)
		}
	})
}

// TestNonceCacheForgetsAfterTheWindow: a nonce is remembered for two
// windows, then forgotten (its timestamp is stale by then anyway).
func TestNonceCacheForgetsAfterTheWindow(t *testing.T) {
	a := newAuthenticator([][]byte{[]byte(testSecret)})
	now := time.Unix(1_700_000_000, 0)
	if err := a.remember("n1", now); err != nil {
		t.Fatal(err)
	}
	if err := a.remember("n1", now.Add(replayWindow)); err == nil {
		t.Error("a nonce seen within the window was accepted again")
	}
	if err := a.remember("n1", now.Add(2*replayWindow)); err != nil {
		t.Errorf("a nonce two windows old: %v, want accepted", err)
	}
}

// TestSignatureMatchesTheDocumentedExample: the server's canonical text
// is the client's, and both give the signature printed in docs/bridge.md.
func TestSignatureMatchesTheDocumentedExample(t *testing.T) {
	const (
		secret = "an-example-secret-of-32-bytes-or-more"
		method = "POST"
		path   = "/portico-bridge/v1/find"
		ts     = "1767225600"
		nonce  = "5f0c6a3e9b2d4e71a8c3f19d07b6e254"
		body   = `{"mrn":"A-1001"}`
	)
	if got, want := string(canonical(method, path, ts, nonce, []byte(body))), bridge.Canonical(method, path, ts, nonce, []byte(body)); got != want {
		t.Fatalf("canonical texts differ:\nserver %q\nclient %q", got, want)
	}
	sig := bridge.Sign([]byte(secret), method, path, ts, nonce, []byte(body))
	doc := readDoc(t, "../../docs/bridge.md")
	if !strings.Contains(doc, sig) {
		t.Errorf("docs/bridge.md does not show the example signature %s", sig)
	}
}
