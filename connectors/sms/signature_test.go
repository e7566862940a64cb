package sms_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/portico-chat/portico/connectors/sms"
)

// twilioExample is the request in Twilio's documentation of request
// validation (its api-snippets repository, security/signature_validation):
// auth token 12345, this URL and these parameters.
const twilioExampleURL = "https://mycompany.com/myapp.php?foo=1&bar=2"

func twilioExample(caller string) url.Values {
	return url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {caller},
		"Digits":  {"1234"},
		"From":    {caller},
		"To":      {"+18005551212"},
	}
}

func TestSignMatchesProviderVectors(t *testing.T) {
	tests := []struct {
		name   string
		alg    sms.Algorithm
		secret string
		url    string
		form   url.Values
		want   string
	}{
		// Twilio's documented examples (two editions of the same snippet).
		{"twilio docs, caller ...310", sms.HMACSHA1, "12345", twilioExampleURL, twilioExample("+14158675310"), "GvWf1cFY/Q7PnoempGyD5oXAezc="},
		{"twilio docs, caller ...309", sms.HMACSHA1, "12345", twilioExampleURL, twilioExample("+14158675309"), "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		// The rest were computed with Python's hmac module from the
		// documented recipe, independently of this package.
		{"sha256 of the docs example", sms.HMACSHA256, "12345", twilioExampleURL, twilioExample("+14158675310"), "/Px0ZZziCxf9Zt7wehmYS+fbCh+oLQi2VrfCqcV1vPM="},
		{"repeated name: values sorted", sms.HMACSHA1, "s3cr3t", "https://clinic.example/sms/inbound",
			url.Values{"From": {"+13125550101"}, "Body": {"b", "a"}}, "DfMam+KFtBRHiqiBqRmSVt6TUI8="},
		{"UTF-8 text signed as bytes", sms.HMACSHA1, "s3cr3t", "https://clinic.example/sms/inbound",
			url.Values{"From": {"+13125550101"}, "Body": {"¿Dónde está? 🙂"}}, "2j9hdLmlaPVrndadQD2FnBc2U00="},
		{"sha256 with a shared key", sms.HMACSHA256, "shared-secret", "https://clinic.example/sms/inbound",
			url.Values{"From": {"+13125550101"}, "Body": {"hola"}}, "sQwuPBkOYNGYHsmgoFbkvx7dUIB+D5x3E1YQmVn79pw="},
		{"unknown algorithm", sms.Algorithm("HMAC_MD5"), "s3cr3t", "https://clinic.example/", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sms.Sign(tt.alg, tt.secret, tt.url, tt.form); got != tt.want {
				t.Errorf("Sign = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	const token = "12345"
	form := twilioExample("+14158675310")
	good := "GvWf1cFY/Q7PnoempGyD5oXAezc="
	tampered := twilioExample("+14158675310")
	tampered.Set("Digits", "9999")
	extra := twilioExample("+14158675310")
	extra.Set("Body", "injected")
	tests := []struct {
		name, token, url, header string
		form                     url.Values
		want                     bool
	}{
		{"documented example", token, twilioExampleURL, good, form, true},
		{"URL with the default port", token, "https://mycompany.com:443/myapp.php?foo=1&bar=2", good, form, true},
		{"wrong token", "54321", twilioExampleURL, good, form, false},
		{"empty token never verifies", "", twilioExampleURL, good, form, false},
		{"missing header", token, twilioExampleURL, "", form, false},
		{"header not Base64", token, twilioExampleURL, "not base64!", form, false},
		{"truncated signature", token, twilioExampleURL, good[:20], form, false},
		{"changed parameter", token, twilioExampleURL, good, tampered, false},
		{"added parameter", token, twilioExampleURL, good, extra, false},
		{"other host", token, "https://evil.example/myapp.php?foo=1&bar=2", good, form, false},
		{"http instead of https", token, "http://mycompany.com/myapp.php?foo=1&bar=2", good, form, false},
		{"query changed", token, "https://mycompany.com/myapp.php?foo=1&bar=3", good, form, false},
		{"query dropped", token, "https://mycompany.com/myapp.php", good, form, false},
		{"other port", token, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", good, form, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sms.Verify(tt.token, tt.url, tt.form, tt.header); got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVerifyDefaultPortBothWays(t *testing.T) {
	form := url.Values{"Body": {"hi"}}
	tests := []struct{ signed, configured string }{
		{"https://clinic.example/sms/inbound", "https://clinic.example:443/sms/inbound"},
		{"https://clinic.example:443/sms/inbound", "https://clinic.example/sms/inbound"},
		{"http://127.0.0.1/sms/inbound", "http://127.0.0.1:80/sms/inbound"},
		{"http://127.0.0.1:80/sms/inbound?x=1", "http://127.0.0.1/sms/inbound?x=1"},
	}
	for _, tt := range tests {
		sig := sms.Sign(sms.HMACSHA1, "tok", tt.signed, form)
		if !sms.Verify("tok", tt.configured, form, sig) {
			t.Errorf("signed over %s, verified against %s: got false, want true", tt.signed, tt.configured)
		}
	}
}

func TestVerifyWithSHA256(t *testing.T) {
	form := url.Values{"From": {"+13125550101"}, "Body": {"hola"}}
	const u = "https://clinic.example/sms/inbound"
	sig256 := sms.Sign(sms.HMACSHA256, "shared-secret", u, form)
	sig1 := sms.Sign(sms.HMACSHA1, "shared-secret", u, form)
	tests := []struct {
		name   string
		alg    sms.Algorithm
		secret string
		header string
		want   bool
	}{
		{"sha256 signature, sha256 check", sms.HMACSHA256, "shared-secret", sig256, true},
		{"sha1 signature offered as sha256", sms.HMACSHA256, "shared-secret", sig1, false},
		{"sha256 signature checked as sha1", sms.HMACSHA1, "shared-secret", sig256, false},
		{"wrong key", sms.HMACSHA256, "other", sig256, false},
		{"unknown algorithm", sms.Algorithm("NONE"), "shared-secret", sig256, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sms.VerifyWith(tt.alg, tt.secret, u, form, tt.header); got != tt.want {
				t.Errorf("VerifyWith = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseSignatureSettings(t *testing.T) {
	tests := []struct {
		header  string
		wantKey string
		wantAlg sms.Algorithm
		wantErr bool
	}{
		{"key=KS123,algorithm=HMAC_SHA256", "KS123", sms.HMACSHA256, false},
		{" algorithm = hmac_sha256 , key = KS9 ", "KS9", sms.HMACSHA256, false},
		{"key=KS1,algorithm=HMAC_SHA1", "KS1", sms.HMACSHA1, false},
		{"key=KS1", "", "", true},
		{"algorithm=HMAC_SHA256", "", "", true},
		{"key=KS1,algorithm=HMAC_MD5", "", "", true},
		{"", "", "", true},
		{"garbage", "", "", true},
	}
	for _, tt := range tests {
		key, alg, err := sms.ParseSignatureSettings(tt.header)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseSignatureSettings(%q) error = %v, want error %v", tt.header, err, tt.wantErr)
			continue
		}
		if err != nil && !errors.Is(err, sms.ErrSignatureSettings) {
			t.Errorf("ParseSignatureSettings(%q) error %v does not wrap ErrSignatureSettings", tt.header, err)
		}
		if key != tt.wantKey || alg != tt.wantAlg {
			t.Errorf("ParseSignatureSettings(%q) = %q, %q; want %q, %q", tt.header, key, alg, tt.wantKey, tt.wantAlg)
		}
	}
}
