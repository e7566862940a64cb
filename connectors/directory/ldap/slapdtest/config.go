package slapdtest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/template"
)

// The directory every test server holds, and its service account.
const (
	BaseDN          = "dc=example,dc=org"
	PatientsDN      = "ou=patients," + BaseDN
	ServiceDN       = "cn=portico,ou=services," + BaseDN
	ServicePassword = "portico service account test password"
	rootDN          = "cn=admin," + BaseDN
)

// PatientDN returns the DN of the demo patient with this MRN.
func PatientDN(mrn string) string { return "employeeNumber=" + mrn + "," + PatientsDN }

// PatientPassword returns the password testdata/ldap/patients.ldif gives
// an active or locked demo patient.
func PatientPassword(mrn string) string { return "demo passphrase " + strings.ToLower(mrn) }

// testdataDir is the repository's testdata/ldap, found from this file.
func testdataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "testdata", "ldap")
}

// configLDIF is the server's cn=config, loaded with slapadd -n0: the
// schemas, back_mdb, the ppolicy overlay (default policy in the data,
// hashing of cleartext, lockout) and slapo-unique on uid, and the access
// rules that give the service account least privilege: it may read
// patient entries but never a password, write a password without reading
// it, and change only the username, status and lock attributes.
var configLDIF = template.Must(template.New("config").Parse(`dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {{.Dir}}/slapd.pid
olcArgsFile: {{.Dir}}/slapd.args
{{- if .TLS}}
olcTLSCACertificateFile: {{.Dir}}/ca.pem
olcTLSCertificateFile: {{.Dir}}/server.pem
olcTLSCertificateKeyFile: {{.Dir}}/server.key
{{- end}}

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: {{.ModuleDir}}
olcModuleLoad: back_mdb
olcModuleLoad: ppolicy
olcModuleLoad: unique

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file://{{.SchemaDir}}/core.ldif
include: file://{{.SchemaDir}}/cosine.ldif
include: file://{{.SchemaDir}}/inetorgperson.ldif
include: file://{{.Testdata}}/portico.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcAccess: {0}to dn.base="" by * read
olcAccess: {1}to dn.base="cn=subschema" by * read

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: ` + BaseDN + `
olcRootDN: ` + rootDN + `
olcRootPW: {{.RootPW}}
olcDbDirectory: {{.Dir}}/data
olcDbMaxSize: 16777216
olcDbIndex: objectClass eq
olcDbIndex: employeeNumber eq
olcDbIndex: uid eq
olcDbIndex: porticoDateOfBirth eq
olcAccess: {0}to attrs=userPassword
  by dn.exact="` + ServiceDN + `" =w
  by self =w
  by anonymous auth
  by * none
olcAccess: {1}to dn.subtree="` + PatientsDN + `" attrs=uid,porticoAccountStatus,pwdAccountLockedTime
  by dn.exact="` + ServiceDN + `" write
  by self read
  by * none
olcAccess: {2}to dn.subtree="` + PatientsDN + `"
  by dn.exact="` + ServiceDN + `" read
  by self read
  by * none
olcAccess: {3}to * by * none

dn: olcOverlay={0}ppolicy,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {0}ppolicy
olcPPolicyDefault: cn=default,ou=policies,` + BaseDN + `
olcPPolicyHashCleartext: TRUE
olcPPolicyUseLockout: TRUE

dn: olcOverlay={1}unique,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcUniqueConfig
olcOverlay: {1}unique
olcUniqueURI: ldap:///` + PatientsDN + `?uid?sub
`))

// writeConfig writes the cn=config LDIF for a server in dir.
func writeConfig(dir string, c configData) (string, error) {
	path := filepath.Join(dir, "config.ldif")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := configLDIF.Execute(f, c); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

type configData struct {
	Dir, ModuleDir, SchemaDir, Testdata, RootPW string
	TLS                                         bool
}
