package sqlite

import "io/fs"

const (
	// keyFileSuffix names the key file beside the database, portico.db.key.
	keyFileSuffix = ".key"
	// privateMode is the mode of the files Open creates: the owner's only.
	privateMode fs.FileMode = 0o600
)

// KeyPath is the outbox key file of the database at dbPath. It holds the
// key that seals queued deliveries, and belongs with the database, but it
// must be backed up separately from it: a backup that holds both holds the
// deliveries in clear.
func KeyPath(dbPath string) string { return dbPath + keyFileSuffix }
