package bridgecheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/portico-chat/portico/connectors/directory/bridge"
	"github.com/portico-chat/portico/connectors/directory/remote"
)

// probe sends requests to the bridge, signed correctly or spoiled on
// purpose.
type probe struct {
	base   string // no trailing slash
	secret []byte
	http   *http.Client
}

// spoil changes a request after it was signed correctly.
type spoil func(req *http.Request, body *[]byte)

// answer is what came back.
type answer struct {
	status int
	code   string // error code, if the body had one
	body   []byte
}

func (a answer) String() string {
	if a.code != "" {
		return fmt.Sprintf("%d %s", a.status, a.code)
	}
	return strconv.Itoa(a.status)
}

// send signs and sends one request; spoil (optional) changes it after
// signing. A transport failure is an error.
func (p *probe) send(ctx context.Context, method, path string, in any, sp spoil) (answer, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return answer{}, err
		}
	}
	req, err := p.signed(ctx, method, path, body, time.Now())
	if err != nil {
		return answer{}, err
	}
	if sp != nil {
		sp(req, &body)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return p.do(req)
}

func (p *probe) signed(ctx context.Context, method, path string, body []byte, at time.Time) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range bridge.SignedHeaders(p.secret, method, req.URL.RequestURI(), body, at) {
		req.Header.Set(k, v)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

func (p *probe) do(req *http.Request) (answer, error) {
	resp, err := p.http.Do(req)
	if err != nil {
		return answer{}, remote.RequestFailed(req.Context(), req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, remote.MaxResponseBytes))
	if err != nil {
		return answer{}, err
	}
	a := answer{status: resp.StatusCode, body: data}
	if resp.StatusCode >= 400 {
		var e bridge.ErrorAnswer
		if json.Unmarshal(data, &e) == nil {
			a.code = e.Error.Code
		}
	}
	return a, nil
}

// Spoilers, each a way a forged or replayed request could arrive.

func dropSignature(req *http.Request, _ *[]byte) {
	req.Header.Del(bridge.HeaderSignature)
}

func swapBody(to []byte) spoil {
	return func(_ *http.Request, body *[]byte) { *body = to }
}

func resign(secret []byte, at time.Time) spoil {
	return func(req *http.Request, body *[]byte) {
		for k, v := range bridge.SignedHeaders(secret, req.Method, req.URL.RequestURI(), *body, at) {
			req.Header.Set(k, v)
		}
	}
}

// retarget sends the request, signed for its own path, to another URL.
func retarget(rawURL string) spoil {
	return func(req *http.Request, _ *[]byte) {
		if u, err := url.Parse(rawURL); err == nil {
			req.URL, req.Host = u, u.Host
		}
	}
}
