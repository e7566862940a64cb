package fhir

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"
)

// minRSABits is the smallest RSA key accepted for RS384 (NIST SP 800-131A).
const minRSABits = 2048

// loadKey reads the PEM private key that signs client assertions: RSA
// (RS384) or EC on P-384 (ES384), the two algorithms SMART Backend
// Services requires servers to accept. Errors name the file, never its
// contents.
func loadKey(path string, log zerolog.Logger) (crypto.Signer, jwt.SigningMethod, error) {
	where := "finder.fhir.private_key_file " + path
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		log.Warn().Str("file", path).Str("mode", info.Mode().Perm().String()).
			Msg("the SMART private key is readable by other users: chmod 600 it")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, nil, fmt.Errorf("%s: no PEM block in it", where)
	}
	var key any
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		err = errors.New("an encrypted key; store it unencrypted with tight permissions (openssl pkcs8 -topk8 -nocrypt)")
	default:
		err = fmt.Errorf("a PEM %q block, want a private key", block.Type)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < minRSABits {
			return nil, nil, fmt.Errorf("%s: a %d-bit RSA key, want at least %d bits", where, k.N.BitLen(), minRSABits)
		}
		return k, jwt.SigningMethodRS384, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P384() {
			return nil, nil, fmt.Errorf("%s: an EC key on %s; ES384 needs P-384 (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384)", where, k.Curve.Params().Name)
		}
		return k, jwt.SigningMethodES384, nil
	default:
		return nil, nil, fmt.Errorf("%s: a %T, want an RSA key (RS384) or an EC P-384 key (ES384)", where, key)
	}
}
