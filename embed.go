// Package portico holds the files the binary embeds from the repository's
// top level: the demo patients.
package portico

import _ "embed"

// DemoPatients is the CSV of synthetic patients that demo mode seeds.
//
//go:embed testdata/patients.csv
var DemoPatients []byte
