package flows

import (
	"embed"
	"io/fs"
)

//go:embed builtin
var builtinFS embed.FS

// Builtin returns the built-in flows (greeting, verify_identity,
// activate_account, reset_password, forgot_username) as a file system for
// ParseSet.
func Builtin() fs.FS {
	sub, err := fs.Sub(builtinFS, "builtin")
	if err != nil {
		panic("flows: embedded builtin directory missing: " + err.Error()) // cannot happen: checked at build
	}
	return sub
}
