package sqlite

import (
	"fmt"

	"github.com/portico-chat/portico/storage/internal/seal"
)

// The outbox's recipient, subject and text are sealed at rest in the
// format storage/internal/seal keeps for both stores.

// openStored returns the clear value of a stored column: a BLOB is sealed;
// TEXT is clear text written by a version before sealing, read as is.
func openStored(box *seal.Sealer, column, id string, stored any) (string, error) {
	switch v := stored.(type) {
	case []byte:
		return box.Open(column, id, v)
	case string:
		return v, nil
	default:
		return "", fmt.Errorf("outbox %s of %s: unexpected stored type %T", column, id, stored)
	}
}
