package main

import "testing"

func TestLoopbackOnly(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.3.2.1:80", true},
		{"https://127.0.0.1", true},
		{"http://localhost:8080", false}, // names are not resolved: give an IP
		{"http://10.0.0.1:8080", false},
		{"http://[::1]:8080", false},
		{"http://128.0.0.1", false},
		{"::not a url", false},
	}
	for _, tt := range tests {
		_, err := loopbackOnly(tt.url)
		if (err == nil) != tt.ok {
			t.Errorf("loopbackOnly(%q): got %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

func TestSourcesRotateOverLoopback(t *testing.T) {
	s := newSources(3)
	seen := map[string]int{}
	for range 9 {
		seen[s.pick().IP.String()]++
	}
	for _, ip := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"} {
		if seen[ip] != 3 {
			t.Errorf("%s picked %d times, want 3 (%v)", ip, seen[ip], seen)
		}
	}
	if n := len(newSources(1000).addrs); n != maxSources {
		t.Errorf("asked for 1000 sources: got %d, want the cap %d", n, maxSources)
	}
	if n := len(newSources(0).addrs); n != 1 {
		t.Errorf("asked for 0 sources: got %d, want 1", n)
	}
}

func TestWSURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080":   "ws://127.0.0.1:8080/ws",
		"https://127.0.0.1:8443/": "wss://127.0.0.1:8443/ws",
	} {
		u, err := loopbackOnly(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := wsURL(u); got != want {
			t.Errorf("wsURL(%s) = %s, want %s", in, got, want)
		}
	}
}
