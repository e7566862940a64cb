package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// copyTable is a table CopyFrom copies, with the source's columns in the
// order of the target's. A source column may be an expression (SQLite's
// rowid, which ordered rows there and is an identity column here).
type copyTable struct {
	name    string
	columns []string // target columns
	source  []string // source expressions, one per column; nil: the same names
	order   string
}

// copyTables are Portico's tables in an order that respects their foreign
// keys; schema_migrations is the target's own.
var copyTables = []copyTable{
	{name: "conversations", columns: splitColumns(conversationColumns), order: "created_at, id"},
	{name: "messages", columns: splitColumns(messageColumns), order: "conversation_id, seq"},
	{name: "handoffs", columns: []string{"id", "conversation_id", "queue", "reason", "step", "at",
		"waiting_since", "assigned_agent", "assigned_at", "closed_at", "outcome"}, order: "id"},
	{name: "audit", columns: splitColumns(auditColumns), order: "seq"},
	{name: "codes", columns: []string{"id", "conversation_id", "purpose", "subject", "channel", "salt", "hash",
		"expires_at", "tries", "used_at", "voided_at", "created_at", "ord"},
		source: []string{"id", "conversation_id", "purpose", "subject", "channel", "salt", "hash",
			"expires_at", "tries", "used_at", "voided_at", "created_at", "rowid"}, order: "rowid"},
	{name: "attempts", columns: []string{"id", "kind", "key", "at"},
		source: []string{"rowid", "kind", "key", "at"}, order: "rowid"},
	{name: "outbox", columns: []string{"id", "channel", "recipient", "subject", "text", "key", "attempts",
		"next_at", "sent_at", "failed_at", "last_error", "created_at", "withheld", "sender", "ord"},
		source: []string{"id", "channel", "recipient", "subject", "text", "key", "attempts",
			"next_at", "sent_at", "failed_at", "last_error", "created_at", "withheld", "sender", "rowid"}, order: "rowid"},
	{name: "flows", columns: []string{"name", "version", "source", "author", "created_at", "published_by", "tests"},
		order: "name, version"},
	{name: "flow_drafts", columns: []string{"name", "source", "tests", "author", "updated_at"}, order: "name"},
	{name: "directory_patients", columns: []string{"record_id", "mrn", "first_name", "last_name", "dob", "zip",
		"email", "phone", "username", "password_hash", "status", "failed_sign_ins", "session_gen",
		"created_at", "updated_at"}, order: "record_id"},
	{name: "directory_keys", columns: []string{"key", "record_id", "at"}, order: "key"},
	{name: "activation_codes", columns: []string{"record_id", "hash", "expires_at"}, order: "record_id"},
	{name: "notes", columns: []string{"id", "conversation_id", "agent", "agent_name", "text", "at"}, order: "id"},
	{name: "followups", columns: []string{"id", "conversation_id", "queue", "contact", "question",
		"created_at", "done_at", "done_by"}, order: "id"},
	{name: "users", columns: splitColumns(userColumns), order: "id"},
	{name: "sessions", columns: []string{"token_hash", "user_id", "created_at", "last_seen_at", "expires_at", "source"},
		order: "token_hash"},
	{name: "canned_responses", columns: []string{"shortcut", "title", "text", "updated_by", "created_at", "updated_at"},
		order: "shortcut"},
	{name: "api_tokens", columns: splitColumns(tokenColumns), order: "id"},
	{name: "settings", columns: []string{"key", "value", "updated_by", "updated_at"}, order: "key"},
	{name: "state_visits", columns: []string{"id", "conversation_id", "flow", "state", "at"},
		source: []string{"rowid", "conversation_id", "flow", "state", "at"}, order: "rowid"},
}

// identities are the identity columns CopyFrom fills with the source's
// values; their sequences are moved past them afterwards.
var identities = [][2]string{
	{"handoffs", "id"}, {"codes", "ord"}, {"attempts", "id"}, {"outbox", "ord"}, {"state_visits", "id"},
}

// CopyCount is how many rows of one table CopyFrom copied.
type CopyCount struct {
	Table string
	Rows  int64
}

// ErrNotEmpty is CopyFrom's refusal of a database that holds data.
var ErrNotEmpty = errors.New("the target database is not empty")

// CopyFrom copies every row of a single node's SQLite database, read
// through src (storage/sqlite's Reader) in one read transaction, into this
// database, which must be empty (ErrNotEmpty otherwise), in one
// transaction: all of it or nothing. Values are copied as they are: times
// stay unix nanoseconds, the audit chain keeps its hashes (so it verifies
// here), and sealed outbox values their bytes, so this database must use
// the SQLite database's outbox key.
func (db *DB) CopyFrom(ctx context.Context, src *sql.DB) ([]CopyCount, error) {
	stx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("copy: read source: %w", err)
	}
	defer stx.Rollback() //nolint:errcheck // read-only
	var counts []CopyCount
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		counts = counts[:0]
		if err := checkEmpty(ctx, tx); err != nil {
			return err
		}
		for _, t := range copyTables {
			n, err := copyRows(ctx, stx, tx, t)
			if err != nil {
				return fmt.Errorf("copy %s: %w", t.name, err)
			}
			counts = append(counts, CopyCount{Table: t.name, Rows: n})
		}
		for _, id := range identities {
			if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', '%[2]s'),
				coalesce(max(%[2]s), 0) + 1, false) FROM %[1]s`, id[0], id[1])); err != nil {
				return fmt.Errorf("copy: advance %s.%s: %w", id[0], id[1], err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// checkEmpty fails with ErrNotEmpty when any of Portico's tables has a row.
func checkEmpty(ctx context.Context, tx pgx.Tx) error {
	for _, t := range copyTables {
		var found bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t.name+`)`).Scan(&found); err != nil {
			return fmt.Errorf("copy: check %s: %w", t.name, err)
		}
		if found {
			return fmt.Errorf("%w: table %s has rows", ErrNotEmpty, t.name)
		}
	}
	return nil
}

// copyRows streams one table from the source into the target with COPY,
// converting what SQLite's dynamic types hold into the target's column
// types (an INTEGER flag into a boolean, an empty TEXT into bytes).
func copyRows(ctx context.Context, src *sql.Tx, dst pgx.Tx, t copyTable) (int64, error) {
	kinds, err := columnKinds(ctx, dst, t.name)
	if err != nil {
		return 0, err
	}
	source := t.source
	if source == nil {
		source = t.columns
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(source, ", ")+` FROM `+t.name+` ORDER BY `+t.order)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	vals := make([]any, len(t.columns))
	ptrs := make([]any, len(t.columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	next := func() ([]any, error) {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = convert(v, kinds[t.columns[i]])
		}
		return out, nil
	}
	n, err := dst.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, pgx.CopyFromFunc(func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		return next()
	}))
	if err != nil {
		return n, err
	}
	return n, rows.Err()
}

// columnKinds maps a target table's columns to their data types.
func columnKinds(ctx context.Context, tx pgx.Tx, table string) (map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT column_name, data_type || CASE is_nullable WHEN 'NO' THEN ' not null' ELSE '' END
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return nil, err
	}
	kinds := map[string]string{}
	for rows.Next() {
		var col, kind string
		if err := rows.Scan(&col, &kind); err != nil {
			rows.Close()
			return nil, err
		}
		kinds[col] = kind
	}
	return kinds, rows.Err()
}

// convert turns a value SQLite returned into one of the target column's
// type (e.g. "bytea not null"). The driver returns an empty BLOB as nil.
func convert(v any, kind string) any {
	switch kind {
	case "bytea", "bytea not null":
		if s, ok := v.(string); ok {
			return []byte(s)
		}
		if b, _ := v.([]byte); b == nil && kind == "bytea not null" {
			return []byte{}
		}
	case "boolean", "boolean not null":
		if n, ok := v.(int64); ok {
			return n != 0
		}
	case "text", "text not null":
		if b, ok := v.([]byte); ok {
			return string(b)
		}
	}
	return v
}

// splitColumns splits a column list such as conversationColumns.
func splitColumns(list string) []string {
	var out []string
	for _, c := range strings.Split(list, ",") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}
