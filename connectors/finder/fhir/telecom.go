package fhir

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// Contacts returns the email and mobile number in the Patient.telecom of
// the one record carrying mrn (in identifier_system): for directories
// that keep no contacts, when contacts_from_telecom allows it. Only
// entries a one-time code should go to are used:
//
//   - email: system "email", use home, mobile, temp or none given;
//   - phone (E.164, for SMS): system "sms", or system "phone" with use
//     "mobile" (a home or unspecified phone may be a landline);
//   - never use "work" (a workplace inbox or line may be read by others)
//     or "old", nor an entry whose period has ended or not begun.
//
// Among several, the lowest rank wins, then mobile before home before
// none given before temp, then the server's order. A value that does not
// read as an address or a number is skipped, never guessed. No record,
// or several, is remote.ErrNotFound.
func (f *Finder) Contacts(ctx context.Context, mrn string) (remote.Contacts, error) {
	mrn = strings.TrimSpace(mrn)
	if mrn == "" {
		return remote.Contacts{}, fmt.Errorf("contacts: no MRN: %w", remote.ErrNotFound)
	}
	var found []patient
	err := f.breaker.Do(ctx, func(ctx context.Context) error {
		system := f.cfg.IdentifierSystem
		all, err := f.search(ctx, url.Values{"identifier": {searchEscape(system) + "|" + searchEscape(mrn)}})
		for _, p := range all {
			if p.eligible() && p.hasIdentifier(system, mrn) {
				found = append(found, p)
			}
		}
		return err
	})
	if err != nil {
		return remote.Contacts{}, fmt.Errorf("contacts: %w", err)
	}
	if len(found) != 1 {
		return remote.Contacts{}, fmt.Errorf("contacts: %d records: %w", len(found), remote.ErrNotFound)
	}
	return telecomContacts(found[0].Telecom, f.now()), nil
}

// usePreference orders the uses Portico accepts; others are refused.
var usePreference = map[string]int{"mobile": 0, "home": 1, "": 2, "temp": 3}

// telecomContacts picks the email and the phone from a telecom list.
func telecomContacts(telecom []contactPoint, now time.Time) remote.Contacts {
	var usable []contactPoint
	for _, c := range telecom {
		if _, ok := usePreference[c.Use]; ok && current(c.Period, now) {
			usable = append(usable, c)
		}
	}
	slices.SortStableFunc(usable, func(a, b contactPoint) int {
		if c := cmp.Compare(rankOrder(a.Rank), rankOrder(b.Rank)); c != 0 {
			return c
		}
		return cmp.Compare(usePreference[a.Use], usePreference[b.Use])
	})
	var out remote.Contacts
	for _, c := range usable {
		v := strings.TrimSpace(c.Value)
		switch {
		case out.Email == "" && c.System == "email":
			if a, err := mail.ParseAddress(v); err == nil && a.Address == v {
				out.Email = v
			}
		case out.Phone == "" && (c.System == "sms" || c.System == "phone" && c.Use == "mobile"):
			if p, ok := remote.NormalizePhone(strings.TrimPrefix(v, "tel:")); ok {
				out.Phone = p
			}
		}
	}
	return out
}

// rankOrder puts ranked entries (1 is the most preferred) before
// unranked ones.
func rankOrder(rank int) int {
	if rank <= 0 {
		return math.MaxInt
	}
	return rank
}
