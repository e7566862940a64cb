package smstest

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-chat/portico/connectors/sms"
)

// Limits of the fake REST API, as Twilio documents them.
const (
	maxRequestBytes = 64 << 10
	maxBodyRunes    = 1600 // error 21617 beyond
	apiVersion      = "2010-04-01"
)

// Twilio error codes the fake answers with.
const (
	codeNotFound     = 20404
	codeAuthenticate = 20003
	codeBadTo        = 21211
	codeNoBody       = 21602
	codeNoFrom       = 21603
	codeNoTo         = 21604
	codeUnsubscribed = 21610
	codeTooLong      = 21617
)

// apiError is Twilio's JSON error body.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// message is Twilio's JSON Message resource, the fields a client reads.
type message struct {
	SID                 string  `json:"sid"`
	AccountSID          string  `json:"account_sid"`
	To                  string  `json:"to"`
	From                *string `json:"from"`
	MessagingServiceSID *string `json:"messaging_service_sid"`
	Body                string  `json:"body"`
	Status              string  `json:"status"`
	NumSegments         string  `json:"num_segments"`
	NumMedia            string  `json:"num_media"`
	Direction           string  `json:"direction"`
	APIVersion          string  `json:"api_version"`
	DateCreated         string  `json:"date_created"`
	URI                 string  `json:"uri"`
}

// serveAPI answers POST /2010-04-01/Accounts/{AccountSid}/Messages.json
// the way Twilio does, recording each message it accepts.
func (p *Provider) serveAPI(w http.ResponseWriter, r *http.Request) {
	want := "/" + apiVersion + "/Accounts/" + p.Account + "/Messages.json"
	if r.Method != http.MethodPost || r.URL.EscapedPath() != want {
		writeError(w, http.StatusNotFound, codeNotFound, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != p.Account || pass != p.Token {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeError(w, http.StatusUnauthorized, codeAuthenticate, "Authenticate")
		return
	}
	if f, ok := p.popFailure(); ok {
		writeError(w, f.status, f.code, f.message)
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes))
	form, perr := url.ParseQuery(string(raw))
	if ct != "application/x-www-form-urlencoded" || err != nil || perr != nil {
		writeError(w, http.StatusBadRequest, codeNoTo, "A 'To' phone number is required.")
		return
	}
	to, from, service, body := form.Get("To"), form.Get("From"), form.Get("MessagingServiceSid"), form.Get("Body")
	switch {
	case to == "":
		writeError(w, http.StatusBadRequest, codeNoTo, "A 'To' phone number is required.")
	case !e164(to):
		writeError(w, http.StatusBadRequest, codeBadTo, "The 'To' number "+to+" is not a valid phone number.")
	case from == "" && service == "":
		writeError(w, http.StatusBadRequest, codeNoFrom, "A 'From' phone number is required.")
	case body == "":
		writeError(w, http.StatusBadRequest, codeNoBody, "Message body is required.")
	case utf8.RuneCountInString(body) > maxBodyRunes:
		writeError(w, http.StatusBadRequest, codeTooLong, "The concatenated message body exceeds the 1600 character limit.")
	case p.isBlocked(from, to):
		writeError(w, http.StatusBadRequest, codeUnsubscribed, "Attempt to send to unsubscribed recipient")
	default:
		s := Sent{SID: newSID("SM"), To: to, From: from, MessagingServiceSID: service, Body: body,
			Segments: sms.Measure(body).Segments}
		p.record(s)
		writeJSON(w, http.StatusCreated, p.resource(s))
	}
}

func (p *Provider) resource(s Sent) message {
	m := message{
		SID: s.SID, AccountSID: p.Account, To: s.To, Body: s.Body, Status: "queued",
		NumSegments: strconv.Itoa(s.Segments), NumMedia: "0", Direction: "outbound-api",
		APIVersion: apiVersion, DateCreated: time.Now().UTC().Format(time.RFC1123Z),
		URI: "/" + apiVersion + "/Accounts/" + p.Account + "/Messages/" + s.SID + ".json",
	}
	if s.From != "" {
		m.From = &s.From
	}
	if s.MessagingServiceSID != "" {
		m.MessagingServiceSID = &s.MessagingServiceSID
		m.Status = "accepted" // a service picks the sender later
	}
	return m
}

// e164 is Twilio's check of a To number: + and 8 to 15 digits.
func e164(s string) bool {
	d, ok := strings.CutPrefix(s, "+")
	if !ok || len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, apiError{Code: code, Message: msg, Status: status,
		MoreInfo: "https://www.twilio.com/docs/errors/" + strconv.Itoa(code)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
