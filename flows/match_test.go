package flows

import "testing"

func TestMatch(t *testing.T) {
	s := builtinSet(t)
	cases := []struct {
		text, locale, want string // want "" for no match
	}{
		{"forgot my pasword", "en", "reset_password"},
		{"I forgot my password", "en", "reset_password"},
		{"Reset password please!", "en", "reset_password"},
		{"I can't sign in", "en", "reset_password"},
		{"cant log in", "en", "reset_password"},
		{"I'm locked out of my account", "en", "reset_password"},
		{"pasword not working", "en", "reset_password"},
		{"FORGOT USERNAME!!", "en", "forgot_username"},
		{"what's my user name", "en", "forgot_username"},
		{"whats my username?", "en", "forgot_username"},
		{"activate", "en", "activate_account"},
		{"I need to activate my acount", "en", "activate_account"},
		{"I have an activation code", "en", "activate_account"},
		{"first time here, want to sign up", "en", "activate_account"},
		{"olvide mi contrasena", "es", "reset_password"},
		{"Olvidé mi contraseña", "es", "reset_password"},
		{"no puedo entrar", "es", "reset_password"},
		{"olvidé mi usuario", "es", "forgot_username"},
		{"quiero activar mi cuenta", "es", "activate_account"},
		{"forgot password", "es", "reset_password"}, // English phrases work in every locale
		{"forgot password", "es-MX", "reset_password"},
		{"hello", "en", ""},
		{"what is my balance", "en", ""},
		{"forgot", "en", ""},                               // weak: password or username?
		{"I forgot my password and my username", "en", ""}, // ambiguous
		{"", "en", ""},
		{"!!!", "en", ""},
		{"olvidé mi contraseña", "en", ""}, // Spanish phrases only in Spanish
		{"bonjour", "fr", ""},
		{"appointment tomorrow", "en", ""},
	}
	for _, c := range cases {
		got, ok := s.Match(c.text, c.locale)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Match(%q, %q) = %q, %v; want %q, %v", c.text, c.locale, got, ok, c.want, c.want != "")
		}
	}
}

func TestDamerauLevenshtein(t *testing.T) {
	cases := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"password", "password", 2, 0},
		{"pasword", "password", 2, 1},
		{"passwrod", "password", 2, 1}, // transposition
		{"pssword", "passwrd", 2, 2},
		{"contraseña", "contrasena", 1, 1},
		{"abc", "xyz", 1, 2}, // over the limit: limit+1
		{"", "abcd", 2, 3},
	}
	for _, c := range cases {
		if got := damerauLevenshtein(c.a, c.b, c.limit); got != c.want {
			t.Errorf("damerauLevenshtein(%q, %q, %d) = %d, want %d", c.a, c.b, c.limit, got, c.want)
		}
	}
}
