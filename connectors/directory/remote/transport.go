package remote

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// RequestFailed turns an error of http.Client.Do into ErrUnavailable,
// naming only the method and path: url.Error's own text holds the whole
// URL, whose query may carry a patient's date of birth. When the caller's
// own context (ctx, not the per-request one) has ended it returns that
// context's error instead: the patient left, the directory did nothing
// wrong.
func RequestFailed(ctx context.Context, method, path string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s %s: %w", method, path, ctx.Err())
	}
	what := "request failed"
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
		if ue.Timeout() {
			what = "timed out"
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		what = "timed out"
	}
	return Unavailable("%s %s: %s: %v", method, path, what, err)
}

// NormalizePhone returns a phone number on file in E.164, or false when it
// cannot be read as one. E.164 passes through; US numbers written the
// usual ways ("(202) 555-0143", "202.555.0143", "1 202 555 0143") become
// +1 numbers. A contact that cannot be normalised is treated as absent:
// a code must never go to a number Portico misread.
func NormalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	plus := strings.HasPrefix(s, "+")
	var d strings.Builder
	for _, r := range strings.TrimPrefix(s, "+") {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case strings.ContainsRune(" -.()", r):
		default:
			return "", false
		}
	}
	n := d.String()
	switch {
	case plus && len(n) >= 8 && len(n) <= 15 && n[0] != '0':
		return "+" + n, true
	case !plus && len(n) == 10 && n[0] >= '2':
		return "+1" + n, true
	case !plus && len(n) == 11 && n[0] == '1' && n[1] >= '2':
		return "+" + n, true
	}
	return "", false
}
