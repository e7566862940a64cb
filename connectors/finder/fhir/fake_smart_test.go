package fhir

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSMART is the server's SMART Backend Services side: the
// .well-known/smart-configuration document and a token endpoint that
// verifies each client assertion as the spec requires (signature by a
// registered key found by kid, RS384 or ES384; iss = sub = the client
// ID; aud = the token endpoint; exp in the future and at most five
// minutes away; a jti never seen before). It verifies with the standard
// library alone, so a mistake in the finder's JWT library would show.
type fakeSMART struct {
	f *fakeFHIR

	mu        sync.Mutex
	clientID  string
	keys      map[string]crypto.PublicKey // kid → registered public key
	tokenLife time.Duration
	tokens    map[string]time.Time // access token → expiry
	seenJTI   map[string]bool
	issued    int
	refusals  []string       // why assertions were refused
	scopes    []string       // scopes asked for
	config    map[string]any // the smart-configuration served
	claims    []map[string]any
	headers   []map[string]any
}

func newFakeSMART(f *fakeFHIR) *fakeSMART {
	return &fakeSMART{f: f, clientID: "portico-backend", keys: map[string]crypto.PublicKey{}, tokenLife: 5 * time.Minute,
		tokens: map[string]time.Time{}, seenJTI: map[string]bool{}}
}

func (s *fakeSMART) tokenURL() string { return s.f.srv.URL + "/auth/token" }

// serverConfiguration is what a SMART v2 server publishes.
func (s *fakeSMART) serverConfiguration() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.config != nil {
		return s.config
	}
	return map[string]any{
		"issuer":                                s.f.srv.URL,
		"jwks_uri":                              s.f.srv.URL + "/auth/jwks",
		"token_endpoint":                        s.tokenURL(),
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS384", "ES384"},
		"grant_types_supported":                            []string{"authorization_code", "client_credentials"},
		"scopes_supported":                                 []string{"system/*.rs", "system/Patient.rs", "system/Patient.read"},
		"capabilities":                                     []string{"client-confidential-asymmetric", "permission-v2", "permission-v1"},
	}
}

func (s *fakeSMART) configuration(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.serverConfiguration())
}

func (s *fakeSMART) valid(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[token]
	return ok && time.Now().Before(exp)
}

// expireTokens makes every issued token expired, as a revocation does.
func (s *fakeSMART) expireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = time.Time{}
	}
}

func (s *fakeSMART) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeTokenError(w, "invalid_request")
		return
	}
	form := r.PostForm
	if form.Get("grant_type") != "client_credentials" ||
		form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		writeTokenError(w, "invalid_request")
		return
	}
	if err := s.verify(form.Get("client_assertion")); err != nil {
		s.mu.Lock()
		s.refusals = append(s.refusals, err.Error())
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": err.Error()})
		return
	}
	scope := form.Get("scope")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = append(s.scopes, scope)
	if scope != "system/Patient.rs" && scope != "system/Patient.read" {
		writeTokenError(w, "invalid_scope")
		return
	}
	tok := randomHex(16)
	s.tokens[tok] = time.Now().Add(s.tokenLife)
	s.issued++
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok, "token_type": "bearer", "expires_in": int(s.tokenLife / time.Second), "scope": scope})
}

func writeTokenError(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

// verify checks a client assertion as a SMART server must.
func (s *fakeSMART) verify(assertion string) error {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return errors.New("not a compact JWS")
	}
	var header, claims map[string]any
	for i, v := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return fmt.Errorf("part %d: %v", i, err)
		}
		d := json.NewDecoder(strings.NewReader(string(raw)))
		d.UseNumber()
		if err := d.Decode(v); err != nil {
			return fmt.Errorf("part %d: %v", i, err)
		}
	}
	s.mu.Lock()
	s.headers = append(s.headers, header)
	s.claims = append(s.claims, claims)
	key, known := s.keys[fmt.Sprint(header["kid"])]
	clientID := s.clientID
	s.mu.Unlock()
	if !known {
		return fmt.Errorf("unknown kid %v", header["kid"])
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return errors.New("signature: not base64url")
	}
	digest := sha512.Sum384([]byte(parts[0] + "." + parts[1]))
	switch k := key.(type) {
	case *rsa.PublicKey:
		if header["alg"] != "RS384" {
			return fmt.Errorf("alg %v for an RSA key", header["alg"])
		}
		if rsa.VerifyPKCS1v15(k, crypto.SHA384, digest[:], sig) != nil {
			return errors.New("bad RS384 signature")
		}
	case *ecdsa.PublicKey:
		// JWS ES384 signatures are r||s, 48 bytes each (RFC 7518 §3.4).
		if header["alg"] != "ES384" || len(sig) != 96 {
			return fmt.Errorf("alg %v with a %d-byte signature for an EC key", header["alg"], len(sig))
		}
		r, ss := new(big.Int).SetBytes(sig[:48]), new(big.Int).SetBytes(sig[48:])
		if !ecdsa.Verify(k, digest[:], r, ss) {
			return errors.New("bad ES384 signature")
		}
	}
	if claims["iss"] != clientID || claims["sub"] != clientID {
		return fmt.Errorf("iss %v, sub %v: want the client ID", claims["iss"], claims["sub"])
	}
	if claims["aud"] != s.tokenURL() {
		return fmt.Errorf("aud %v: want the token endpoint as a string", claims["aud"])
	}
	expN, ok := claims["exp"].(json.Number)
	exp, err := expN.Int64()
	if !ok || err != nil {
		return fmt.Errorf("exp %v: want an integer", claims["exp"])
	}
	if now := time.Now().Unix(); exp <= now || exp > now+300 {
		return fmt.Errorf("exp %d is %d s from now: want within five minutes", exp, exp-now)
	}
	jti, _ := claims["jti"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	if jti == "" || s.seenJTI[jti] {
		return fmt.Errorf("jti %q missing or replayed", jti)
	}
	s.seenJTI[jti] = true
	return nil
}

// register adds a key pair of kind "rsa", "ec" (P-384) or one of the
// keys the finder must refuse, writes the private key as PEM in a
// temporary file (0600) and registers the public key under kid.
func (s *fakeSMART) register(t *testing.T, kind, kid string) (path string) {
	t.Helper()
	var priv crypto.Signer
	var err error
	pemType, der := "PRIVATE KEY", []byte(nil)
	switch kind {
	case "rsa", "rsa-pkcs1":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "rsa-1024":
		priv, err = rsa.GenerateKey(rand.Reader, 1024)
	case "ec", "ec-sec1":
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ec-p256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		t.Fatalf("unknown key kind %s", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	switch kind {
	case "rsa-pkcs1":
		pemType, der = "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(priv.(*rsa.PrivateKey))
	case "ec-sec1":
		pemType = "EC PRIVATE KEY"
		der, err = x509.MarshalECPrivateKey(priv.(*ecdsa.PrivateKey))
	default:
		der, err = x509.MarshalPKCS8PrivateKey(priv)
	}
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), kid+".pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.keys[kid] = priv.Public()
	s.mu.Unlock()
	return path
}

// smartConfig turns on SMART at the fake and returns a finder
// configuration with a freshly registered key of kind.
func (f *fakeFHIR) smartConfig(t *testing.T, kind string) Config {
	f.set(func(f *fakeFHIR) { f.auth = AuthSMART })
	cfg := f.config()
	cfg.Auth, cfg.ClientID, cfg.KeyID = AuthSMART, f.smart.clientID, "key-"+kind
	cfg.PrivateKeyFile = f.smart.register(t, kind, cfg.KeyID)
	return cfg
}
