package containers

import (
	"crypto/rand"

	"github.com/breachdrill/breachdrill/internal/redact"
)

// Credentials are generated per run. They never go to logs or evidence:
// Secrets lists every value so that writers can mask them.
type Credentials struct {
	AdminUser      string   `json:"admin_user"`
	AdminPassword  string   `json:"admin_password"`
	AdminEmail     string   `json:"admin_email"`
	DBName         string   `json:"db_name"`
	DBUser         string   `json:"db_user"`
	DBPassword     string   `json:"db_password"`
	DBRootPassword string   `json:"-"`
	ToolUser       string   `json:"-"`
	ToolPassword   string   `json:"-"`
	Salts          []string `json:"-"`
}

// saltNames are WordPress's eight keys and salts, in wp-config.php order.
var saltNames = []string{"AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"}

func newCredentials() Credentials {
	c := Credentials{
		AdminUser:      "drilladmin",
		AdminPassword:  randomString(24, alnum),
		AdminEmail:     "admin@shop.example.com",
		DBName:         "wordpress",
		DBUser:         "wordpress",
		DBPassword:     randomString(24, alnum),
		DBRootPassword: randomString(24, alnum),
		ToolUser:       "breachdrill",
		ToolPassword:   randomString(24, alnum),
	}
	for range saltNames {
		c.Salts = append(c.Salts, randomString(64, saltChars))
	}
	return c
}

// Secrets returns every secret value of the run, for masking.
func (c Credentials) Secrets() []string {
	out := []string{c.AdminPassword, c.DBPassword, c.DBRootPassword, c.ToolPassword}
	out = append(out, c.Salts...)
	var nonEmpty []string
	for _, s := range out {
		if s != "" {
			nonEmpty = append(nonEmpty, s)
		}
	}
	return nonEmpty
}

// Mask replaces every secret of the run in s with a fixed marker, in any
// encoding and as a prefix or suffix (see internal/redact).
func (c Credentials) Mask(s string) string {
	return redact.New(c.Secrets()...).Mask(s)
}

const (
	alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	// Salts avoid quotes and backslashes so they sit in a PHP string as is.
	saltChars = alnum + "!#$%&()*+,-./:;<=>?@[]^_{|}~"
)

func randomString(n int, chars string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("containers: no randomness: " + err.Error())
	}
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}
