package smtptest

import (
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Header returns the decoded value of a header of the message ("" if
// absent or unreadable), with RFC 2047 encoded words decoded.
func (m Message) Header(name string) string {
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		return ""
	}
	v := msg.Header.Get(name)
	dec := new(mime.WordDecoder)
	if d, err := dec.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// Text returns the body decoded from its Content-Transfer-Encoding, with
// CRLF line ends turned into LF, so that a test can look for a code in it
// however the sender wrapped the lines. It returns "" if the message
// cannot be read.
func (m Message) Text() string {
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		return ""
	}
	var r io.Reader = msg.Body
	switch strings.ToLower(strings.TrimSpace(msg.Header.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r) // skips line breaks itself
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return ""
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}
