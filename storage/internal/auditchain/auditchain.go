// Package auditchain is the audit log's hash chain as both stores keep it
// (docs/storage.md, "The audit chain"): one encoding and one check, so that
// a chain copied by `portico migrate` from storage/sqlite to
// storage/postgres still verifies. It imports no store.
package auditchain

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"time"

	"github.com/portico-chat/portico/bot"
)

// hashDomain starts every row's hash input, so the encoding can change
// later (v2) without old and new rows ever hashing alike.
const hashDomain = "portico.audit.v1"

// Genesis returns the previous hash of the first row.
func Genesis() []byte { return make([]byte, sha256.Size) }

// Hash is SHA-256(prev || canonical encoding of e): every field,
// length-prefixed, in a fixed order, so no two different rows encode alike.
func Hash(prev []byte, e *bot.AuditEvent) []byte {
	h := sha256.New()
	h.Write(prev)
	writeField(h, []byte(hashDomain))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(unixNanos(e.At)))
	h.Write(n[:])
	for _, s := range []string{e.Type, e.Node, e.Source, e.Actor, e.Subject, e.Outcome, e.Detail} {
		writeField(h, []byte(s))
	}
	return h.Sum(nil)
}

func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// unixNanos is the time as the stores keep it: Unix nanoseconds, clamped
// to the int64 range.
func unixNanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// Error reports the first audit row that breaks the hash chain.
type Error struct {
	Seq     int64  // the offending row
	Problem string // what is wrong with it
}

func (e *Error) Error() string {
	return fmt.Sprintf("audit row %d: %s", e.Seq, e.Problem)
}

// Verifier walks a chain from its first row, in order of seq. The first
// row that was changed, inserted or removed out of order yields an *Error
// naming it. (Rows cut off the end leave a shorter valid chain: compare N
// with an earlier count to see that.)
type Verifier struct {
	N    int // rows verified so far
	prev []byte
}

// Next checks the next row, e, stored with the previous hash prev.
func (v *Verifier) Next(e *bot.AuditEvent, prev []byte) error {
	if v.prev == nil {
		v.prev = Genesis()
	}
	switch want := int64(v.N) + 1; {
	case e.Seq != want:
		return &Error{Seq: e.Seq, Problem: fmt.Sprintf("expected row %d: rows are missing", want)}
	case !bytes.Equal(prev, v.prev):
		return &Error{Seq: e.Seq, Problem: "previous hash does not match the row before it"}
	case !bytes.Equal(Hash(v.prev, e), e.Hash):
		return &Error{Seq: e.Seq, Problem: "hash does not match the row's contents"}
	}
	v.prev = e.Hash
	v.N++
	return nil
}
