package sqlite_test

import (
	"testing"

	"github.com/portico-chat/portico/connectors/sms"
	"github.com/portico-chat/portico/connectors/sms/smstest"
	"github.com/portico-chat/portico/storage/sqlite"
)

// The store implements what the SMS channel needs; it may not import the
// adapter, so the check lives here.
var (
	_ sms.Suppressions  = (*sqlite.DB)(nil)
	_ sms.Sessions      = (*sqlite.DB)(nil)
	_ sms.Conversations = (*sqlite.DB)(nil)
	_ sms.Queue         = (*sqlite.DB)(nil)
)

// smsStore is the SQLite store as the SMS channel uses it: its own list,
// and the rate limits over the attempts table.
type smsStore struct {
	*sqlite.DB
	sms.Attempts
}

func TestSMSStoreConformance(t *testing.T) {
	smstest.RunStoreTests(t, func(t *testing.T) smstest.Store {
		db := openTest(t)
		return smsStore{DB: db, Attempts: sms.Attempts{Store: db}}
	})
}
