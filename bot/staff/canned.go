package staff

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-chat/portico/bot"
)

// Limits of canned responses and of what an agent writes.
const (
	MaxCannedTitleRunes = 120
	// MaxTextRunes is the longest text an agent may send or note in one
	// message, and so the longest canned response.
	MaxTextRunes = 4000
)

// cannedShortcut is what may follow "/" in the reply box.
var cannedShortcut = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// CannedResponse is a prepared reply an agent inserts by typing
// "/shortcut".
type CannedResponse struct {
	Shortcut  string
	Title     string
	Text      string
	UpdatedBy string // user ID of the admin who last saved it
	UpdatedAt time.Time
}

// ValidShortcut reports whether s is a shortcut as stored.
func ValidShortcut(s string) bool { return cannedShortcut.MatchString(s) }

// NormalizeShortcut is a shortcut as typed ("/Hello ") as stored ("hello").
func NormalizeShortcut(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "/"))
}

// Check normalises a canned response in place (shortcut, trimmed title
// and text) and returns EINVALID saying what is wrong, if anything.
func (c *CannedResponse) Check() error {
	c.Shortcut = NormalizeShortcut(c.Shortcut)
	c.Title, c.Text = strings.TrimSpace(c.Title), strings.TrimSpace(c.Text)
	switch {
	case !cannedShortcut.MatchString(c.Shortcut):
		return bot.Errorf(bot.EINVALID, "A shortcut is 1 to 32 lower-case letters, digits, - or _.")
	case c.Title == "" || utf8.RuneCountInString(c.Title) > MaxCannedTitleRunes:
		return bot.Errorf(bot.EINVALID, "A title is 1 to 120 characters.")
	case c.Text == "" || utf8.RuneCountInString(c.Text) > MaxTextRunes:
		return bot.Errorf(bot.EINVALID, "A text is 1 to 4000 characters.")
	}
	return nil
}
