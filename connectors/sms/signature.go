package sms

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// Headers of a signed webhook request.
const (
	// SignatureHeader carries the Base64 HMAC of the request.
	SignatureHeader = "X-Twilio-Signature"
	// SignatureSettingsHeader is present when the account signs webhooks
	// with a shared key of its own instead of the auth token:
	// "key=<key id>,algorithm=HMAC_SHA256".
	SignatureSettingsHeader = "X-Twilio-Webhooks-Signature-Settings"
)

// Algorithm is the HMAC a signature uses.
type Algorithm string

const (
	HMACSHA1   Algorithm = "HMAC_SHA1"   // the default, keyed with the auth token
	HMACSHA256 Algorithm = "HMAC_SHA256" // announced in SignatureSettingsHeader
)

func (a Algorithm) hash() func() hash.Hash {
	switch a {
	case HMACSHA1:
		return sha1.New
	case HMACSHA256:
		return sha256.New
	}
	return nil
}

// Sign returns the signature the provider sends with a POST of form to
// rawURL: the Base64 HMAC, keyed with secret, of the full URL (with its
// query) followed by each POST parameter's name and value, sorted by name
// (a repeated name's values sorted too), with no separators. It returns
// "" for an unknown algorithm.
func Sign(alg Algorithm, secret, rawURL string, form url.Values) string {
	h := alg.hash()
	if h == nil {
		return ""
	}
	mac := hmac.New(h, []byte(secret))
	mac.Write([]byte(rawURL))
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		values := slices.Clone(form[name])
		sort.Strings(values)
		for _, v := range slices.Compact(values) {
			mac.Write([]byte(name))
			mac.Write([]byte(v))
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify reports whether header is the provider's default signature
// (HMAC-SHA1 keyed with the auth token) of a POST of form to publicURL.
// publicURL is the webhook's address as configured at the provider, built
// from configuration, never from the request's Host or X-Forwarded-*
// headers, which whoever sends the request controls.
func Verify(token, publicURL string, form url.Values, header string) bool {
	return VerifyWith(HMACSHA1, token, publicURL, form, header)
}

// VerifyWith is Verify for a given algorithm and key. The comparison takes
// the same time wherever the signatures differ. Because the provider signs
// the URL sometimes with and sometimes without the scheme's default port,
// both forms of publicURL are accepted (as Twilio's own libraries do). An
// empty secret or signature never verifies.
func VerifyWith(alg Algorithm, secret, publicURL string, form url.Values, header string) bool {
	if secret == "" || header == "" || alg.hash() == nil {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		return false
	}
	ok := false
	for _, u := range urlForms(publicURL) {
		want, _ := base64.StdEncoding.DecodeString(Sign(alg, secret, u, form))
		if hmac.Equal(got, want) {
			ok = true
		}
	}
	return ok
}

// urlForms returns rawURL with and without its scheme's default port,
// changing nothing else in it.
func urlForms(rawURL string) []string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.User != nil {
		return []string{rawURL}
	}
	def := map[string]string{"https": "443", "http": "80"}[strings.ToLower(u.Scheme)]
	if def == "" {
		return []string{rawURL}
	}
	i := strings.Index(rawURL, "://") + len("://")
	j := i + strings.IndexAny(rawURL[i:]+"/", "/?#")
	host := rawURL[i:j]
	switch u.Port() {
	case "":
		host += ":" + def
	case def:
		host = strings.TrimSuffix(host, ":"+def)
	default:
		return []string{rawURL}
	}
	return []string{rawURL, rawURL[:i] + host + rawURL[j:]}
}

// ErrSignatureSettings is wrapped by ParseSignatureSettings' errors.
var ErrSignatureSettings = errors.New("bad signature settings")

// ParseSignatureSettings reads SignatureSettingsHeader:
// "key=<key id>,algorithm=HMAC_SHA256". Both fields are required and the
// algorithm must be one Portico knows.
func ParseSignatureSettings(header string) (keyID string, alg Algorithm, err error) {
	for _, field := range strings.Split(header, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "key":
			keyID = strings.TrimSpace(value)
		case "algorithm":
			alg = Algorithm(strings.ToUpper(strings.TrimSpace(value)))
		}
	}
	switch {
	case keyID == "":
		return "", "", fmt.Errorf("%w: no key", ErrSignatureSettings)
	case alg == "":
		return "", "", fmt.Errorf("%w: no algorithm", ErrSignatureSettings)
	case alg.hash() == nil:
		return "", "", fmt.Errorf("%w: unknown algorithm", ErrSignatureSettings)
	}
	return keyID, alg, nil
}
