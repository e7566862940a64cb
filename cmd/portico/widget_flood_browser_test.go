package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWidgetSaysWhenTooManyChatsStartFromOneNetwork: with one new chat a
// minute allowed, a second browser on the same address is told, in the
// widget, why no chat starts, instead of waiting in silence.
func TestWidgetSaysWhenTooManyChatsStartFromOneNetwork(t *testing.T) {
	first := browser(t)
	srv := runServer(t, map[string]string{"http.new_conversations_per_minute": "1"})
	do(t, first,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(`a[data-portico-open="reset_password"]`),
		offers("name"),
	)
	second, cancel := chromedp.NewContext(first, chromedp.WithNewBrowserContext())
	defer cancel()
	do(t, second,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(`a[data-portico-open="reset_password"]`),
		until(`!r.querySelector('.banner').hidden && r.querySelector('.banner').textContent.includes('Many chats were started from your network')`),
	)
	if n := eval[int](t, second, shadow+`.querySelectorAll('#log li').length`); n != 0 {
		t.Errorf("the refused widget shows %d messages, want none", n)
	}
}
