package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/sqlite"
)

// The clear values of the deliveries these tests queue: none may be found
// in the database.
const (
	codeText  = "Your Portico code is 482913. It expires in 10 minutes."
	code      = "482913"
	recipient = "olivia.active@example.org"
	subject   = "Your Portico code"
)

// sendTime is when the tests' sender looks at the outbox: after every
// delivery the tests queue (at the real time) is due.
var sendTime = time.Date(2100, 3, 1, 10, 0, 0, 0, time.UTC)

func codeDelivery(id string) bot.Delivery {
	return bot.Delivery{ID: id, Channel: "email", To: recipient, Subject: subject, Text: codeText, Key: "k/" + id}
}

// queue commits a turn of a new conversation that queues deliveries.
func queue(t *testing.T, db *sqlite.DB, deliveries ...bot.Delivery) {
	t.Helper()
	ctx := context.Background()
	c := &bot.Conversation{ID: "c-" + deliveries[0].ID, Status: bot.StatusBot, Slots: map[string]string{}}
	if err := db.CreateConversation(ctx, c); err != nil {
		t.Fatalf("CreateConversation: %v", err)
	}
	if err := db.Commit(ctx, &bot.Turn{Conversation: c, Deliveries: deliveries}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// openLogged opens path with a logger writing to the returned buffer.
func openLogged(t *testing.T, path string) (*sqlite.DB, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	db, err := sqlite.Open(context.Background(), path, zerolog.New(&logs))
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, &logs
}

// mustClose closes db, failing the test on error.
func mustClose(t *testing.T, db *sqlite.DB) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// dueIDs lists the ids DueDeliveries returns at sendTime, and checks that
// each came back in clear.
func dueIDs(t *testing.T, db *sqlite.DB, limit int) string {
	t.Helper()
	due, err := db.DueDeliveries(context.Background(), sendTime, limit)
	if err != nil {
		t.Fatalf("DueDeliveries: %v", err)
	}
	var ids []string
	for _, p := range due {
		if p.To != recipient || p.Subject != subject || p.Text != codeText {
			t.Errorf("due delivery %s: got %q / %q / %q, want the queued values", p.ID, p.To, p.Subject, p.Text)
		}
		ids = append(ids, p.ID)
	}
	return strings.Join(ids, ",")
}

// outboxRow is what a delivery's row says about its fate.
type outboxRow struct {
	failedAt  sql.NullInt64
	lastError string
	text      any
}

func readOutboxRow(t *testing.T, db *sqlite.DB, id string) outboxRow {
	t.Helper()
	var r outboxRow
	if err := db.Reader().QueryRow(`SELECT failed_at, last_error, text FROM outbox WHERE id = ?`, id).
		Scan(&r.failedAt, &r.lastError, &r.text); err != nil {
		t.Fatalf("read outbox row %s: %v", id, err)
	}
	return r
}

// wantGivenUp checks that delivery id was abandoned at sendTime as
// undecryptable, its text scrubbed, and that the logs name it without
// giving anything of it away.
func wantGivenUp(t *testing.T, db *sqlite.DB, logs *bytes.Buffer, id string) {
	t.Helper()
	r := readOutboxRow(t, db, id)
	if !r.failedAt.Valid || r.failedAt.Int64 != sendTime.UnixNano() || r.lastError != "cannot decrypt" {
		t.Errorf("delivery %s: got failed_at %v, last_error %q; want given up at %v with \"cannot decrypt\"",
			id, r.failedAt, r.lastError, sendTime)
	}
	if r.text != "" {
		t.Errorf("delivery %s: got text %v, want it scrubbed", id, r.text)
	}
	if !strings.Contains(logs.String(), `"delivery":"`+id+`"`) || !strings.Contains(logs.String(), "cannot decrypt") {
		t.Errorf("logs do not name delivery %s and the reason:\n%s", id, logs)
	}
	wantNoClearValues(t, "the logs", logs.Bytes())
}

// wantNoClearValues fails if b holds the code, the recipient or the
// subject.
func wantNoClearValues(t *testing.T, where string, b []byte) {
	t.Helper()
	for _, s := range []string{code, recipient, subject} {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("%s hold %q in clear", where, s)
		}
	}
}

// fileBytes is the database file and any -wal beside it.
func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func TestOutboxIsSealedAtRest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db")
	db := openPath(t, path)
	queue(t, db, codeDelivery("d1"), codeDelivery("d2"))

	stored := map[string][3][]byte{}
	for _, id := range []string{"d1", "d2"} {
		var types [3]string
		var values [3][]byte
		if err := db.Reader().QueryRow(`SELECT typeof(recipient), typeof(subject), typeof(text),
			recipient, subject, text FROM outbox WHERE id = ?`, id).
			Scan(&types[0], &types[1], &types[2], &values[0], &values[1], &values[2]); err != nil {
			t.Fatalf("read outbox row %s: %v", id, err)
		}
		if types != [3]string{"blob", "blob", "blob"} {
			t.Errorf("%s: got column types %v, want all blob", id, types)
		}
		for i, v := range values {
			if len(v) == 0 || v[0] != 1 {
				t.Errorf("%s: column %d is not a version-1 sealed value: %x", id, i, v)
			}
		}
		wantNoClearValues(t, "the outbox row "+id, bytes.Join(values[:], nil))
		stored[id] = values
	}
	if bytes.Equal(stored["d1"][2], stored["d2"][2]) {
		t.Errorf("two deliveries of the same text have the same sealed text")
	}

	if got, want := dueIDs(t, db, 10), "d1,d2"; got != want {
		t.Errorf("DueDeliveries: got %s, want %s", got, want)
	}
	// The whole file, as a backup would hold it.
	wantNoClearValues(t, "the database files while open", fileBytes(t, path))
	mustClose(t, db)
	wantNoClearValues(t, "the database file after Close", fileBytes(t, path))
}

// TestOutboxGivesUpWhatWillNotOpen changes a sealed row as someone who can
// write the file might: the row is given up, never sent, and the others
// still go.
func TestOutboxGivesUpWhatWillNotOpen(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(tx *sql.Tx) error // on the row "victim"
	}{
		{"a nonce byte flipped", flipByte("recipient", 1)},
		{"a ciphertext byte flipped", flipByte("text", 20)},
		{"a tag byte flipped", flipByte("subject", -1)},
		{"an unknown version", flipByte("text", 0)},
		{"truncated", execSQL(`UPDATE outbox SET text = substr(text, 1, 20) WHERE id = 'victim'`)},
		{"an integer instead", execSQL(`UPDATE outbox SET text = 5 WHERE id = 'victim'`)},
		{"the text of another row", execSQL(`UPDATE outbox SET text = (SELECT text FROM outbox WHERE id = 'other')
			WHERE id = 'victim'`)},
		{"recipient and text swapped", execSQL(`UPDATE outbox SET recipient = text, text = recipient WHERE id = 'victim'`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, logs := openLogged(t, filepath.Join(t.TempDir(), "portico.db"))
			queue(t, db, codeDelivery("victim"), codeDelivery("other"))
			if err := db.Write(context.Background(), tc.tamper); err != nil {
				t.Fatalf("tamper: %v", err)
			}
			if got, want := dueIDs(t, db, 10), "other"; got != want {
				t.Errorf("DueDeliveries: got %s, want %s", got, want)
			}
			wantGivenUp(t, db, logs, "victim")
			if r := readOutboxRow(t, db, "other"); r.failedAt.Valid {
				t.Errorf("the untouched delivery was given up too")
			}
			if got, want := dueIDs(t, db, 10), "other"; got != want {
				t.Errorf("DueDeliveries again: got %s, want %s", got, want)
			}
		})
	}
}

// flipByte changes one bit of byte i (from the end if negative) of the
// victim's sealed column.
func flipByte(column string, i int) func(tx *sql.Tx) error {
	return func(tx *sql.Tx) error {
		var b []byte
		if err := tx.QueryRow(`SELECT ` + column + ` FROM outbox WHERE id = 'victim'`).Scan(&b); err != nil {
			return err
		}
		if i < 0 {
			i += len(b)
		}
		b[i] ^= 1
		_, err := tx.Exec(`UPDATE outbox SET `+column+` = ? WHERE id = 'victim'`, b)
		return err
	}
}

func execSQL(query string) func(tx *sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(query)
		return err
	}
}

// TestOutboxFillsTheBatchPastUnreadableRows: rows given up leave room, and
// the batch is filled from the next due ones.
func TestOutboxFillsTheBatchPastUnreadableRows(t *testing.T) {
	db, logs := openLogged(t, filepath.Join(t.TempDir(), "portico.db"))
	queue(t, db, codeDelivery("bad1"), codeDelivery("bad2"), codeDelivery("bad3"),
		codeDelivery("good1"), codeDelivery("good2"), codeDelivery("good3"))
	err := db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE outbox SET text = x'01' WHERE id LIKE 'bad%'`)
		return err
	})
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
	if got, want := dueIDs(t, db, 2), "good1,good2"; got != want {
		t.Errorf("DueDeliveries(limit 2): got %s, want %s", got, want)
	}
	for _, id := range []string{"bad1", "bad2", "bad3"} {
		wantGivenUp(t, db, logs, id)
	}
}

// TestOutboxUpgradeSealsClearRows builds a database as the version before
// sealing left it, with deliveries in clear, and opens it: the rows are
// sealed in place, read back in clear, and the clear text is gone from
// the file.
func TestOutboxUpgradeSealsClearRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portico.db")
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	for _, name := range sqlite.Migrations() {
		if name >= "0003" {
			break
		}
		script, err := fs.ReadFile(os.DirFS("migrations"), name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec(string(script)); err != nil {
			t.Fatalf("apply %s: %v", name, err)
		}
		if _, err := old.Exec(`INSERT INTO schema_migrations VALUES (?, 1)`, name); err != nil {
			t.Fatal(err)
		}
	}
	created := sendTime.Add(-time.Minute).UnixNano()
	for _, r := range []struct {
		id, text string
		sentAt   any
	}{
		{"old-pending", codeText, nil},
		{"old-sent", "", created}, // scrubbed when sent
		{"old-pending-2", codeText, nil},
	} {
		if _, err := old.Exec(`INSERT INTO outbox (id, channel, recipient, subject, text, next_at, sent_at, created_at)
			VALUES (?, 'email', ?, ?, ?, ?, ?, ?)`, r.id, recipient, subject, r.text, created, r.sentAt, created); err != nil {
			t.Fatalf("insert %s: %v", r.id, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(fileBytes(t, path), []byte(code)) {
		t.Fatal("the old database does not hold the code in clear; the test is broken")
	}

	db, logs := openLogged(t, path)
	if !strings.Contains(logs.String(), "sealed outbox rows stored in clear by an older version") {
		t.Errorf("Open did not log the sealing:\n%s", logs)
	}
	var clearRows int
	if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE typeof(recipient) != 'blob'
		OR typeof(subject) != 'blob' OR (typeof(text) != 'blob' AND text != '')`).Scan(&clearRows); err != nil {
		t.Fatal(err)
	}
	if clearRows != 0 {
		t.Errorf("after the upgrade: %d rows still hold clear values", clearRows)
	}
	if got, want := dueIDs(t, db, 10), "old-pending,old-pending-2"; got != want {
		t.Errorf("DueDeliveries after the upgrade: got %s, want %s (in their old order)", got, want)
	}
	if r := readOutboxRow(t, db, "old-sent"); r.text != "" {
		t.Errorf("the sent delivery's text: got %v, want it still scrubbed", r.text)
	}
	mustClose(t, db)
	wantNoClearValues(t, "the upgraded database file", fileBytes(t, path))
}

// TestOutboxReadsClearTextAsLegacy: a clear TEXT value, as a version
// before sealing wrote, is read as it is.
func TestOutboxReadsClearTextAsLegacy(t *testing.T) {
	db := openTest(t)
	err := db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO outbox (id, channel, recipient, subject, text, next_at, created_at)
			VALUES ('legacy', 'email', ?, ?, ?, 0, 0)`, recipient, subject, codeText)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dueIDs(t, db, 10), "legacy"; got != want {
		t.Errorf("DueDeliveries: got %s, want %s", got, want)
	}
}
