package keycloak

import (
	"hash/maphash"
	"sync"
)

// changeStripes is how many locks serialise account changes.
const changeStripes = 64

// stripes serialises the changes (set password, activate, unlock) of one
// user within this process. Keycloak's Admin API has no conditional
// writes, so a change reads the user, decides, and writes it back: two
// changes of one user at once (copies of one step, or two conversations)
// would both decide on the same state. Users hash onto a fixed set of
// locks, so memory stays bounded; unrelated users rarely share one.
// Several Portico nodes changing one user at the same instant are not
// covered (docs/directories.md).
type stripes struct {
	seed  maphash.Seed
	locks [changeStripes]sync.Mutex
}

func newStripes() *stripes { return &stripes{seed: maphash.MakeSeed()} }

// lock takes the lock of user id and returns its release.
func (s *stripes) lock(id string) (unlock func()) {
	m := &s.locks[maphash.String(s.seed, id)%changeStripes]
	m.Lock()
	return m.Unlock
}
