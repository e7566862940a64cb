package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigDefaultsEnvironmentAndFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "portico.yaml")
	os.WriteFile(file, []byte("http:\n  addr: 127.0.0.1:9000\nportal:\n  name: Sample Health\n"), 0o600)
	t.Setenv("PORTICO_LOG_LEVEL", "debug")
	t.Setenv("PORTICO_NOTIFY_SMS_TOKEN", "s3cret-token")
	t.Setenv("PORTICO_HTTP_ALLOWED_ORIGINS", "https://portal.example.org, https://other.example.org")

	cfg, err := loadConfig(newViper(nil), file)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"file sets http.addr", cfg.Addr, "127.0.0.1:9000"},
		{"file sets portal.name", cfg.PortalName, "Sample Health"},
		{"env sets log.level", cfg.LogLevel, "debug"},
		{"env sets a secret", cfg.SMS.Token, "s3cret-token"},
		{"env list is split on commas", strings.Join(cfg.AllowedOrigins, "|"), "https://portal.example.org|https://other.example.org"},
		{"default storage driver", cfg.Driver, "sqlite"},
		{"default database path", cfg.SQLitePath, "data/portico.db"},
		{"default STARTTLS", cfg.SMTP.StartTLS, true},
		{"default password minimum", cfg.PasswordMin, 15},
		{"JSON logs outside demo mode", cfg.LogFormat, "json"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestConfigBadValuesNameTheKey(t *testing.T) {
	cases := []struct {
		env, value, want string
	}{
		{"PORTICO_HTTP_ADDR", "nonsense", "http.addr"},
		{"PORTICO_STORAGE_DRIVER", "mysql", "storage.driver"},
		{"PORTICO_DEMO", "maybe", "demo"},
		{"PORTICO_NOTIFY_EMAIL_SMTP_STARTTLS", "sometimes", "notify.email.smtp.starttls"},
		{"PORTICO_NOTIFY_EMAIL_SMTP_ADDR", "mail.example.org", "notify.email.smtp.addr"},
		{"PORTICO_NOTIFY_SMS_URL", "ftp://sms.example.org", "notify.sms.url"},
		{"PORTICO_LOG_LEVEL", "loud", "log.level"},
		{"PORTICO_LOG_FORMAT", "xml", "log.format"},
		{"PORTICO_PORTAL_PASSWORD_MIN_LENGTH", "6", "portal.password_min_length"},
		{"PORTICO_SECURITY_CODE_TTL", "1h", "security.code_ttl"},
		{"PORTICO_HTTP_MAX_CONNS_PER_IP", "-1", "http.max_conns_per_ip"},
		{"PORTICO_HTTP_ALLOWED_ORIGINS", "portal.example.org", "http.allowed_origins"},
		{"PORTICO_HTTP_TRUSTED_PROXIES", "10.0.0.0/99", "http.trusted_proxies"},
		{"PORTICO_SMS_ENABLED", "true", "sms.numbers"}, // and sms.auth_token, http.public_url, notify.sms.url
		{"PORTICO_SMS_SESSION_IDLE", "soon", "sms.session_idle"},
		{"PORTICO_SMS_SHARED_KEYS", "KS1", "sms.shared_keys"},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			t.Setenv(c.env, c.value)
			_, err := loadConfig(newViper(nil), "")
			if err == nil || !strings.Contains(err.Error(), c.want+":") {
				t.Fatalf("%s=%s: got %v, want an error naming %s", c.env, c.value, err, c.want)
			}
		})
	}
}

func TestConfigPrintMasksSecrets(t *testing.T) {
	t.Setenv("PORTICO_NOTIFY_EMAIL_SMTP_PASSWORD", "hunter2-smtp")
	t.Setenv("PORTICO_NOTIFY_SMS_TOKEN", "s3cret-token")
	t.Setenv("PORTICO_SMS_AUTH_TOKEN", "s3cret-auth")
	t.Setenv("PORTICO_SMS_SHARED_KEYS", "KS1:s3cret-key")
	var out bytes.Buffer
	root := newRoot(strings.NewReader(""), &out, &out)
	root.SetArgs([]string{"config", "print"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, secret := range []string{"hunter2-smtp", "s3cret-token", "s3cret-auth", "s3cret-key"} {
		if strings.Contains(got, secret) {
			t.Errorf("config print shows %q:\n%s", secret, got)
		}
	}
	for _, line := range []string{"notify.sms.token: ********", "sms.auth_token: ********", "http.addr: :8080", "storage.driver: sqlite"} {
		if !strings.Contains(got, line) {
			t.Errorf("config print lacks %q:\n%s", line, got)
		}
	}
}

func TestConfigPrintShowsEffectiveDefaults(t *testing.T) {
	// The README documents log.format's default as json (console in demo)
	// and portal.name's as Portico (the demo clinic's in demo): config
	// print must say the same, not an empty value.
	tests := []struct {
		args []string
		env  map[string]string
		want []string
	}{
		{[]string{"config", "print"}, nil, []string{"log.format: json\n", "portal.name: Portico\n"}},
		{[]string{"config", "print", "--demo"}, nil, []string{"log.format: console\n", "portal.name: Sample Health\n"}},
		{[]string{"config", "print", "--demo"}, map[string]string{"PORTICO_LOG_FORMAT": "json", "PORTICO_PORTAL_NAME": "Lakeside Clinic"},
			[]string{"log.format: json\n", "portal.name: Lakeside Clinic\n"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out bytes.Buffer
			root := newRoot(strings.NewReader(""), &out, &out)
			root.SetArgs(tt.args)
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			for _, line := range tt.want {
				if !strings.Contains(out.String(), line) {
					t.Errorf("got:\n%s\nwant a line %q", out.String(), line)
				}
			}
			if strings.Contains(out.String(), "node.name: \n") {
				t.Errorf("node.name is empty, want the host name it takes")
			}
		})
	}
}

func TestFlowsCommands(t *testing.T) {
	var out bytes.Buffer
	root := newRoot(strings.NewReader(""), &out, &out)
	root.SetArgs([]string{"flows", "validate"})
	if err := root.Execute(); err != nil || !strings.Contains(out.String(), "flows valid") {
		t.Fatalf("flows validate: %v\n%s", err, out.String())
	}

	broken := t.TempDir()
	os.WriteFile(filepath.Join(broken, "bad.yaml"), []byte("name: bad\nstart: nowhere\nstates:\n  a:\n    say: {en: hi}\n    next: b\n"), 0o600)
	out.Reset()
	root = newRoot(strings.NewReader(""), &out, &out)
	root.SetArgs([]string{"flows", "validate", broken})
	if err := root.Execute(); err == nil || !strings.Contains(out.String(), "bad.yaml:2:") {
		t.Fatalf("flows validate of a broken flow: %v\n%s; want an error at bad.yaml:2", err, out.String())
	}
}

// run runs the CLI with args and returns its output.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := newRoot(strings.NewReader(""), &out, &out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestFlowsTestCommandRunsTheBuiltinTranscripts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every transcript")
	}
	out, err := run(t, "flows", "test")
	if err != nil || !strings.Contains(out, " passed, 0 failed") || !strings.Contains(out, "ok    tests/reset_password.yaml") {
		t.Fatalf("flows test: %v\n%s", err, out)
	}
}

func TestPatientsImportAndList(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PORTICO_STORAGE_SQLITE_PATH", filepath.Join(dir, "portico.db"))
	header := "mrn,first_name,last_name,dob,zip,email,phone,username,activation_code,status\n"
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(header+"M1,Ann,Lee,1990-01-01,60614,ann@example.org,,,,pending\nM2,Bo,Ray,1990-02-30,60614,,,,,pending\n"), 0o600)
	out, err := run(t, "patients", "import", bad)
	if err == nil || !strings.Contains(out, "bad.csv: line 3, column 4 (dob): not a real date\n") ||
		!strings.Contains(out, "2 rows: 1 new, 0 updated, 0 unchanged, 1 problem; nothing was imported") || strings.Contains(out, "1990-02-30") {
		t.Fatalf("import of a bad row: %v\n%s\nwant an error, the problem by line and column without the value, and the summary", err, out)
	}
	if out, _ := run(t, "patients", "list"); strings.Contains(out, "M1") {
		t.Fatalf("after a failed import the good row is there anyway:\n%s", out)
	}

	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte(header+"M1,Ann,Lee,1990-01-01,60614,ann@example.org,,,,pending\n"), 0o600)
	if out, err := run(t, "patients", "import", "--dry-run", good); err != nil || !strings.Contains(out, "1 row: 1 new, 0 updated, 0 unchanged; dry run, nothing was written") {
		t.Fatalf("import --dry-run: %v\n%s", err, out)
	}
	if out, _ := run(t, "patients", "list"); strings.Contains(out, "M1") {
		t.Fatalf("after a dry run the row is there:\n%s", out)
	}
	if out, err := run(t, "patients", "import", good); err != nil || !strings.Contains(out, "1 row: 1 new, 0 updated, 0 unchanged; imported") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err := run(t, "patients", "import", good); err != nil || !strings.Contains(out, "1 row: 0 new, 0 updated, 1 unchanged; nothing to change") {
		t.Fatalf("import again: %v\n%s", err, out)
	}
	out, err = run(t, "patients", "list")
	if err != nil || !strings.Contains(out, "M1") || !strings.Contains(out, "pending") || strings.Contains(out, "ann@example.org") {
		t.Fatalf("list: %v\n%s; want the patient, its status, and contacts shown only as on file", err, out)
	}
	if out, err := run(t, "audit", "verify"); err != nil || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	if out, err := run(t, "migrate"); err != nil || !strings.Contains(out, "0001_core") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
}
