package bridgecheck

// Person is one test record, in the JSON form of cmd/portico-bridge's
// -seed file, so a fixture can be written out and loaded as it is.
type Person struct {
	MRN       string `json:"mrn"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	DOB       string `json:"dob"`
	ZIP       string `json:"zip"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Username  string `json:"username,omitempty"`
	Status    string `json:"status"`
}

// Fixture is the test records a bridge must hold for the suite
// (docs/bridge.md, "Conformance"). All share one date of birth and ZIP,
// so matches must answer all six. The suite changes them: it sets the
// active account's password, activates the pending one and unlocks the
// locked one; load them again before running it again for a full run.
type Fixture struct {
	Active   Person `json:"active"`   // active, with username, email and phone
	Pending  Person `json:"pending"`  // pending, no username
	Locked   Person `json:"locked"`   // locked, with username
	Disabled Person `json:"disabled"` // disabled, with username
	TwinA    Person `json:"twin_a"`   // TwinA and TwinB share names, DOB and ZIP
	TwinB    Person `json:"twin_b"`
	// PendingUsername is the username the suite activates Pending with.
	PendingUsername string `json:"pending_username"`
}

// DefaultFixture is the fixture the suite uses unless told otherwise.
// The names, date and ZIP are chosen to collide with no real patient.
func DefaultFixture() Fixture {
	p := func(mrn, last, username, status string) Person {
		return Person{MRN: mrn, FirstName: "Bridgecheck", LastName: last, DOB: "1901-02-03", ZIP: "00000",
			Username: username, Status: status}
	}
	f := Fixture{
		Active:          p("PORTICO-CHECK-1", "Active-Record", "bridgecheck.active", "active"),
		Pending:         p("PORTICO-CHECK-2", "Pending-Record", "", "pending"),
		Locked:          p("PORTICO-CHECK-3", "Locked-Record", "bridgecheck.locked", "locked"),
		Disabled:        p("PORTICO-CHECK-4", "Disabled-Record", "bridgecheck.disabled", "disabled"),
		TwinA:           p("PORTICO-CHECK-5", "Twin-Record", "", "pending"),
		TwinB:           p("PORTICO-CHECK-6", "Twin-Record", "", "pending"),
		PendingUsername: "bridgecheck.pending",
	}
	f.Active.Email = "bridgecheck-active@example.org"
	f.Active.Phone = "+12025550143" // 555-01xx: reserved for fiction
	return f
}

// Records lists the fixture's records, e.g. to write a seed file.
func (f Fixture) Records() []Person {
	return []Person{f.Active, f.Pending, f.Locked, f.Disabled, f.TwinA, f.TwinB}
}
