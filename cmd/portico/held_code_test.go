package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/portico-chat/portico/connectors/notify"
)

// TestFourthCodeIsHeldAndTheDevOutboxSaysSo walks the README's reset four
// times for one patient within 15 minutes. The fourth code is not sent
// (SECURITY.md: at most 3 in 15 minutes), the patient's chat says exactly
// what it says when a code goes out, and the demo's dev outbox shows a
// "not sent: limit" note so a person trying the walkthrough twice knows why.
func TestFourthCodeIsHeldAndTheDevOutboxSaysSo(t *testing.T) {
	const email = "olivia.active@example.org"
	app := startApp(t, nil)
	var replies []string
	codes := map[string]bool{}
	for i := range 4 {
		p := dial(t, app.URL)
		p.hello("", 0, "en", "reset_password")
		for _, s := range []string{"reply:name", "Olivia", "Activeuser", "05/17/1985", "02139"} {
			p.say(s)
		}
		replies = append(replies, strings.Join(texts(p.say("reply:email")[1:]), "\n"))
		if i < 3 {
			// Codes go out in the background: wait for this one, so the
			// outbox's order is the requests' order.
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			got, err := app.Dev.Wait(ctx, func(s notify.Sent) bool {
				c := sixDigits.FindString(s.Text)
				return s.To == email && c != "" && !codes[c]
			})
			cancel()
			if err != nil {
				t.Fatalf("code %d never reached the dev outbox: %v", i+1, err)
			}
			codes[sixDigits.FindString(got.Text)] = true
		}
	}
	for i, r := range replies[1:] {
		if r != replies[0] {
			t.Errorf("reply to request %d:\n%s\nwant the same as the first:\n%s", i+2, r, replies[0])
		}
	}

	res, err := http.Get(app.URL + "/dev/outbox.json?to=" + email)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var sent []struct {
		Text    string `json:"text"`
		NotSent string `json:"not_sent"`
	}
	if err := json.NewDecoder(res.Body).Decode(&sent); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, s := range sent {
		switch {
		case s.NotSent != "":
			kinds = append(kinds, "not sent: "+s.NotSent)
			if sixDigits.MatchString(s.Text) || !strings.Contains(s.Text, "3 in 15 minutes") {
				t.Errorf("held note %q: want the limit explained and no code", s.Text)
			}
		case sixDigits.MatchString(s.Text):
			kinds = append(kinds, "code")
		}
	}
	if want := []string{"code", "code", "code", "not sent: limit"}; !slices.Equal(kinds, want) {
		t.Errorf("dev outbox for %s: got %q, want %q", email, kinds, want)
	}
	page, err := http.Get(app.URL + "/dev/outbox")
	if err != nil {
		t.Fatal(err)
	}
	defer page.Body.Close()
	body, _ := io.ReadAll(page.Body)
	if !strings.Contains(string(body), "Not sent: limit") {
		t.Errorf("the dev outbox page does not show the held code")
	}
}
