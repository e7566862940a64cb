package bridgecheck

import (
	"context"
	"net/http"
	"time"

	"github.com/portico-chat/portico/connectors/directory/bridge"
)

// health: a signed GET /health answers 200.
func (s *suite) health(ctx context.Context) bool {
	a, err := s.p.send(ctx, http.MethodGet, bridge.PathHealth, nil, nil)
	return s.expect(OpHealth, "a signed GET /health answers 200", a, err, http.StatusOK)
}

// signing: every way a request can be forged or replayed is refused with
// 401 unauthorized.
func (s *suite) signing(ctx context.Context) {
	wrong := []byte("not-the-shared-secret-not-the-shared-secret")
	find := bridge.FindRequest{MRN: s.fx.Active.MRN}
	cases := []struct {
		check  string
		method string
		path   string
		body   any
		spoil  spoil
	}{
		{"a request without a signature is refused", http.MethodGet, bridge.PathHealth, nil, dropSignature},
		{"a request signed with another secret is refused", http.MethodGet, bridge.PathHealth, nil, resign(wrong, time.Now())},
		{"a body changed after signing is refused", http.MethodPost, bridge.PathFind, find,
			swapBody([]byte(`{"mrn":"` + s.fx.TwinA.MRN + `"}`))},
		{"a request sent to another path than it was signed for is refused", http.MethodPost, bridge.PathMatches,
			bridge.MatchesRequest{DOB: s.fx.Active.DOB, ZIP: s.fx.Active.ZIP}, retarget(s.p.base + bridge.PathFind)},
		{"a timestamp 6 minutes old is refused", http.MethodGet, bridge.PathHealth, nil,
			resign(s.p.secret, time.Now().Add(-bridge.MaxSkew-time.Minute))},
		{"a timestamp 6 minutes ahead is refused", http.MethodGet, bridge.PathHealth, nil,
			resign(s.p.secret, time.Now().Add(bridge.MaxSkew+time.Minute))},
	}
	for _, c := range cases {
		a, err := s.p.send(ctx, c.method, c.path, c.body, c.spoil)
		s.expect(OpSigning, c.check, a, err, http.StatusUnauthorized, bridge.CodeUnauthorized)
	}
	s.replay(ctx)
}

// replay sends one correctly signed request twice: the second must be
// refused, its nonce already seen.
func (s *suite) replay(ctx context.Context) {
	const check = "the same signed request sent twice is refused the second time"
	req, err := s.p.signed(ctx, http.MethodGet, bridge.PathHealth, nil, time.Now())
	if err != nil {
		s.failf(OpSigning, check, "%v", err)
		return
	}
	copyReq := req.Clone(ctx)
	first, err := s.p.do(req)
	if err != nil || first.status != http.StatusOK {
		s.failf(OpSigning, check, "the first copy: got %s, %v; want 200", first, err)
		return
	}
	second, err := s.p.do(copyReq)
	s.expect(OpSigning, check, second, err, http.StatusUnauthorized, bridge.CodeUnauthorized)
}
