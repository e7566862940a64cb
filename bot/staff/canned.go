package staff

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-chat/portico/bot"
)

// Limits of canned responses and of what an agent writes.
const (
	MaxShortcutLen      = 32 // bytes of a canned response's shortcut
	MaxCannedTitleRunes = 120
	// MaxTextRunes is the longest text an agent may send or note in one
	// message, and so the longest canned response.
	MaxTextRunes = 4000
)

// ShortcutPattern is what may follow "/" in the reply box. The admin page
// uses it as its HTML pattern, hence the escaped hyphen.
var ShortcutPattern = fmt.Sprintf(`[a-z0-9][a-z0-9_\-]{0,%d}`, MaxShortcutLen-1)

var cannedShortcut = regexp.MustCompile(`^` + ShortcutPattern + `$`)

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

// Problems normalises a canned response in place (shortcut, trimmed
// title and text) and says what is wrong with it by field: "shortcut",
// "title", "text". None is a response that may be stored.
func (c *CannedResponse) Problems() map[string]string {
	c.Shortcut = NormalizeShortcut(c.Shortcut)
	c.Title, c.Text = strings.TrimSpace(c.Title), strings.TrimSpace(c.Text)
	p := map[string]string{}
	if !cannedShortcut.MatchString(c.Shortcut) {
		p["shortcut"] = fmt.Sprintf("A shortcut is 1 to %d lower-case letters, digits, - or _.", MaxShortcutLen)
	}
	if c.Title == "" || utf8.RuneCountInString(c.Title) > MaxCannedTitleRunes {
		p["title"] = fmt.Sprintf("A title is 1 to %d characters.", MaxCannedTitleRunes)
	}
	if c.Text == "" || utf8.RuneCountInString(c.Text) > MaxTextRunes {
		p["text"] = fmt.Sprintf("A text is 1 to %d characters.", MaxTextRunes)
	}
	return p
}

// Check is Problems as one EINVALID error naming the first problem in
// the form's order (shortcut, title, text), or nil.
func (c *CannedResponse) Check() error {
	p := c.Problems()
	if len(p) == 0 {
		return nil
	}
	return bot.Errorf(bot.EINVALID, "%s", cmp.Or(p["shortcut"], p["title"], p["text"]))
}
