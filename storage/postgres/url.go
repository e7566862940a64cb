package postgres

import (
	"fmt"
	"net/url"
	"regexp"

	"github.com/jackc/pgx/v5/pgconn"
)

// passwordMask replaces a password wherever a connection string is shown.
const passwordMask = "xxxxx"

// keywordPassword finds password=... in a keyword/value connection string.
var keywordPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// urlPassword finds the password of a URL url.Parse refused.
var urlPassword = regexp.MustCompile(`(://[^:/@]*:)[^@]*@`)

// Redact returns a connection URL (or keyword/value string) with its
// password masked, for logs, errors and `portico config print`.
func Redact(conn string) string {
	u, err := url.Parse(conn)
	if err != nil {
		conn = urlPassword.ReplaceAllString(conn, "${1}"+passwordMask+"@")
		return keywordPassword.ReplaceAllString(conn, "${1}"+passwordMask)
	}
	if u.Scheme == "" {
		return keywordPassword.ReplaceAllString(conn, "${1}"+passwordMask)
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), passwordMask)
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", passwordMask)
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// CheckURL reports whether conn is a connection string pgx can use,
// without connecting and without repeating the password.
func CheckURL(conn string) error {
	if _, err := pgconn.ParseConfig(conn); err != nil {
		return fmt.Errorf("%s is not a PostgreSQL connection URL", Redact(conn))
	}
	return nil
}
