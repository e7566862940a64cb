package postgres_test

import (
	"testing"

	"github.com/portico-chat/portico/connectors/sms"
	"github.com/portico-chat/portico/connectors/sms/smstest"
	"github.com/portico-chat/portico/storage/postgres"
)

// The store implements what the SMS channel needs; it may not import the
// adapter, so the check lives here.
var (
	_ sms.Suppressions  = (*postgres.DB)(nil)
	_ sms.Sessions      = (*postgres.DB)(nil)
	_ sms.Conversations = (*postgres.DB)(nil)
	_ sms.Queue         = (*postgres.DB)(nil)
)

// smsStore is the PostgreSQL store as the SMS channel uses it: its own
// list, and the rate limits over the attempts table.
type smsStore struct {
	*postgres.DB
	sms.Attempts
}

func TestSMSStoreConformance(t *testing.T) {
	smstest.RunStoreTests(t, func(t *testing.T) smstest.Store {
		db := openTest(t)
		return smsStore{DB: db, Attempts: sms.Attempts{Store: db}}
	})
}
