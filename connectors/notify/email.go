package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// composeEmail builds an RFC 5322 message with a UTF-8 plain-text body in
// quoted-printable, so that every line stays short and 7-bit whatever the
// text. Lines end in CRLF; dot-stuffing is left to the SMTP client.
func composeEmail(from, to *mail.Address, subject, text string, now time.Time) ([]byte, error) {
	id, err := messageID(from.Address)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteString("\r\n")
	}
	header("From", from.String())
	header("To", to.String())
	// Q-encoding also encodes CR and LF, so a subject cannot inject headers.
	header("Subject", mime.QEncoding.Encode("UTF-8", subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// RFC 3834: keep vacation responders from answering a code.
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")

	body := strings.ReplaceAll(text, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\r", "\n")
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, fmt.Errorf("encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("encode body: %w", err)
	}
	return b.Bytes(), nil
}

// messageIDBytes is the random part of a Message-ID: 128 bits, unique
// without coordination.
const messageIDBytes = 16

// messageID returns a fresh Message-ID in the sender's domain.
func messageID(fromAddr string) (string, error) {
	var r [messageIDBytes]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("message id: %w", err)
	}
	domain := "localhost"
	if at := strings.LastIndexByte(fromAddr, '@'); at >= 0 && at < len(fromAddr)-1 {
		domain = fromAddr[at+1:]
	}
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">", nil
}
