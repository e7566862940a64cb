package smstest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/portico-chat/portico/connectors/sms"
)

// maxResponseBytes caps how much of a webhook's answer is kept.
const maxResponseBytes = 64 << 10

// Text is an inbound message from a patient.
type Text struct {
	From string // the patient, E.164
	To   string // our number, E.164
	Body string
	SID  string // MessageSid; a new one if empty (set it to redeliver a message)
}

// Response is a webhook's answer.
type Response struct {
	Status      int
	ContentType string
	Body        string
}

// Form returns the form the provider posts for an inbound text, with the
// fields Twilio sends.
func (p *Provider) Form(t Text) url.Values {
	sid := t.SID
	if sid == "" {
		sid = newSID("SM")
	}
	f := url.Values{}
	f.Set("AccountSid", p.Account)
	f.Set("ApiVersion", apiVersion)
	f.Set("Body", t.Body)
	f.Set("From", t.From)
	f.Set("MessageSid", sid)
	f.Set("NumMedia", "0")
	f.Set("NumSegments", strconv.Itoa(max(1, sms.Measure(t.Body).Segments)))
	f.Set("SmsMessageSid", sid)
	f.Set("SmsSid", sid)
	f.Set("SmsStatus", "received")
	f.Set("To", t.To)
	if strings.HasPrefix(t.From, "+1") {
		f.Set("FromCountry", "US")
	}
	if strings.HasPrefix(t.To, "+1") {
		f.Set("ToCountry", "US")
	}
	return f
}

// Deliver posts an inbound text to addr, signed as the provider signs it,
// and returns the answer. The provider's own opt-out handling (see
// WithOptOutHandling) sees the text first, as Twilio's does.
func (p *Provider) Deliver(ctx context.Context, addr string, t Text) (Response, error) {
	form := p.Form(t)
	p.noteKeyword(t.From, t.To, t.Body)
	return p.Post(ctx, addr, form, p.SignatureHeaders(addr, form))
}

// SignatureHeaders returns the headers that sign a POST of form to addr:
// the signature over the configured webhook URL (WithWebhook) or else over
// addr, keyed with the auth token (HMAC-SHA1) or the shared key
// (HMAC-SHA256, announced in the settings header).
func (p *Provider) SignatureHeaders(addr string, form url.Values) http.Header {
	signed := addr
	if p.webhook != "" {
		signed = p.webhook
	}
	h := http.Header{}
	if p.keyID != "" {
		h.Set(sms.SignatureSettingsHeader, "key="+p.keyID+",algorithm="+string(sms.HMACSHA256))
		h.Set(sms.SignatureHeader, twilioSignature(sha256.New, p.keySecret, signed, form))
		return h
	}
	h.Set(sms.SignatureHeader, twilioSignature(sha1.New, p.Token, signed, form))
	return h
}

// twilioSignature follows Twilio's description literally, apart from the
// package under test: take the full URL, append each POST parameter's
// name and value in name order (a repeated name's values in order too),
// HMAC the string with the key, Base64 the digest.
func twilioSignature(h func() hash.Hash, key, fullURL string, form url.Values) string {
	data := fullURL
	for _, name := range slices.Sorted(maps.Keys(form)) {
		for _, v := range slices.Compact(slices.Sorted(slices.Values(form[name]))) {
			data += name + v
		}
	}
	mac := hmac.New(h, []byte(key))
	mac.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Post sends form to addr with the given headers, signed or not, for tests
// of what the webhook refuses.
func (p *Provider) Post(ctx context.Context, addr string, form url.Values, header http.Header) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, addr, strings.NewReader(form.Encode()))
	if err != nil {
		return Response{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	resp, err := p.client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	return Response{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: string(body)}, err
}
