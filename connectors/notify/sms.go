package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Limits of the SMS transport.
const (
	// DefaultSMSTimeout bounds one request to the gateway when
	// SMSConfig.Timeout is zero.
	DefaultSMSTimeout = 15 * time.Second
	// maxSMSResponse caps how much of a gateway response is read.
	maxSMSResponse = 64 << 10
)

// SMSConfig configures the SMS transport for a Twilio-compatible gateway.
type SMSConfig struct {
	URL     string // API base, e.g. https://api.twilio.com; http only to loopback
	Account string // account SID, also the basic-auth user
	Token   string // auth token, the basic-auth password
	// From is the sending number in E.164, or a messaging service SID
	// ("MG…"), which is sent as MessagingServiceSid instead.
	From    string
	Client  *http.Client  // nil: a client that does not follow redirects
	Timeout time.Duration // per request; DefaultSMSTimeout if zero
}

// SMS sends text messages through a Twilio-compatible REST API.
type SMS struct {
	c SMSConfig
}

// NewSMS returns an SMS transport. Configuration problems are reported by
// Send.
func NewSMS(c SMSConfig) *SMS {
	if c.Timeout <= 0 {
		c.Timeout = DefaultSMSTimeout
	}
	if c.Client == nil {
		c.Client = &http.Client{
			Timeout: c.Timeout,
			// A redirected POST would turn into a GET, or carry the
			// credentials somewhere unexpected.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &SMS{c: c}
}

// gatewayError is the JSON body of a Twilio error response.
type gatewayError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Send posts d as a message. A 2xx answer means the gateway accepted it.
// Errors are *SendError: a 4xx answer other than 401, 408 and 429 is
// permanent (errors.Is ErrPermanent); those, 5xx and network errors are
// not. The gateway's error code is kept; its message only in
// SendError.Message, since it may quote the number.
func (s *SMS) Send(ctx context.Context, d bot.Delivery) error {
	endpoint, err := s.endpoint()
	if err != nil {
		return &SendError{Transport: "sms", Stage: "config", Err: err}
	}
	form := url.Values{}
	form.Set("To", d.To)
	// A delivery that names its number (an SMS conversation's own) goes
	// out from it; others from the configured number or service.
	from := cmp.Or(d.From, s.c.From)
	if strings.HasPrefix(from, "MG") {
		form.Set("MessagingServiceSid", from)
	} else {
		form.Set("From", from)
	}
	form.Set("Body", d.Text)

	ctx, cancel := context.WithTimeout(ctx, s.c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return &SendError{Transport: "sms", Stage: "config", Err: err}
	}
	req.SetBasicAuth(s.c.Account, s.c.Token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	resp, err := s.c.Client.Do(req)
	if err != nil {
		return &SendError{Transport: "sms", Stage: "request", Err: stripURL(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSMSResponse))
	if resp.StatusCode/100 == 2 {
		// Accepted; a body cut short changes nothing.
		return nil
	}
	e := &SendError{Transport: "sms", Stage: "response", Status: resp.StatusCode}
	if err != nil {
		e.Err = stripURL(err)
	}
	var ge gatewayError
	if json.Unmarshal(body, &ge) == nil {
		if ge.Code != 0 {
			e.Detail = strconv.Itoa(ge.Code)
		}
		e.Message = ge.Message
	}
	e.Permanent = permanentStatus(resp.StatusCode)
	return e
}

// permanentStatus reports whether a gateway answer means this message
// will never go through. Other 4xx answers are about the message (a bad
// number, a blocked region); 401 is about our credentials and 408 and 429
// about timing, which an operator or a later attempt can fix.
func permanentStatus(status int) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	return status/100 == 4
}

// endpoint is the Messages resource of the configured account.
func (s *SMS) endpoint() (string, error) {
	u, err := url.Parse(strings.TrimRight(s.c.URL, "/"))
	if err != nil {
		return "", fmt.Errorf("sms gateway url: %w", err)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
	default:
		return "", errors.New("sms gateway url must be https (http only to a loopback address)")
	}
	if u.Host == "" {
		return "", errors.New("sms gateway url has no host")
	}
	if s.c.Account == "" || s.c.Token == "" {
		return "", errors.New("sms account and token must be set")
	}
	return u.String() + "/2010-04-01/Accounts/" + url.PathEscape(s.c.Account) + "/Messages.json", nil
}

// isLoopbackHost reports whether an HTTP host is this machine.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// stripURL keeps the URL (which names the account) out of an HTTP client
// error, leaving the operation and the cause.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}
